{% macro failure_type() -%}
  struct(column_name varchar, check_name varchar, reason varchar)
{%- endmacro %}


{% macro failure(column_name, check_name, reason) -%}
  {{ '{' }}'column_name': {{ sql_string(column_name) }}, 'check_name': '{{ check_name }}', 'reason': {{ reason }}{{ '}' }}
{%- endmacro %}


{% macro cell_check(column, text, value) %}
  {#-
    One SQL expression for one input column: null when the cell passes, else a struct {column_name,
    check_name, reason} for its first failed check; '' when the column has no checks. `text` is the
    normalised text of the cell and `value` its typed value.
    Ids and terms must be present; numbers must be finite, of a supported magnitude and inside their range
    rule; categorical levels must be declared ones (or, when scoring, ones the persona model was fitted on).
    A missing feature value is filled by the column's missing-value policy unless the policy is reject.
  -#}
  {%- set name = column.column_name -%}
  {%- set quoted_name = sql_string(name) -%}
  {%- set branches = [] -%}
  {%- if column.role in ['id', 'term'] or (column.role == 'feature' and column.missing_policy == 'reject') -%}
    {%- do branches.append((text ~ ' is null', 'missing_value', "format('{} is missing', " ~ quoted_name ~ ")")) -%}
  {%- endif -%}
  {#- A protected number that is not one ('abc' as an age) is a bad row like any other, not a silent null. -#}
  {%- if column.kind == 'numeric' and column.role in ['feature', 'label_source', 'protected'] -%}
    {%- do branches.append((non_finite_text(text), 'not_finite',
        "format('{} is ''{}'', which is not a finite number', " ~ quoted_name ~ ", " ~ text ~ ")")) -%}
    {%- do branches.append((text ~ ' is not null and ' ~ value ~ ' is null', 'not_a_number',
        "format('{} is ''{}'', which is not a number', " ~ quoted_name ~ ", " ~ text ~ ")")) -%}
    {%- do branches.append(('abs(' ~ value ~ ') > 1e15', 'out_of_supported_range',
        "format('{} is {}, beyond the magnitude the warehouse sums exactly (1e15)', " ~ quoted_name ~ ", " ~ text ~ ")")) -%}
  {%- endif -%}
  {%- if column.range_min is not none -%}
    {%- do branches.append((value ~ ' < ' ~ column.range_min, 'below_minimum',
        "format('{} is {}, below the allowed minimum {}', " ~ quoted_name ~ ", " ~ text ~ ", "
        ~ sql_string('%g' % column.range_min) ~ ")")) -%}
  {%- endif -%}
  {%- if column.range_max is not none -%}
    {%- do branches.append((value ~ ' > ' ~ column.range_max, 'above_maximum',
        "format('{} is {}, above the allowed maximum {}', " ~ quoted_name ~ ", " ~ text ~ ", "
        ~ sql_string('%g' % column.range_max) ~ ")")) -%}
  {%- endif -%}
  {%- if column.role == 'feature' and column.kind == 'categorical' and column.allowed_levels -%}
    {#- list_contains, not `not in (select ...)`: a subquery per column plans as a join per column. -#}
    {%- set levels = sql_string_list(column.allowed_levels) -%}
    {%- if is_scoring_run() -%}
      {%- do branches.append(('not list_contains(' ~ levels ~ ', ' ~ value ~ ')', 'unknown_level',
          "format('{} is ''{}'', a level the persona model was not fitted on (its levels: {})', "
          ~ quoted_name ~ ", " ~ value ~ ", " ~ sql_string(column.allowed_levels | join(', ')) ~ ")")) -%}
    {%- else -%}
      {%- do branches.append(('not list_contains(' ~ levels ~ ', ' ~ value ~ ')', 'undeclared_level',
          "format('{} is ''{}'', not one of the declared levels: {}', "
          ~ quoted_name ~ ", " ~ value ~ ", " ~ sql_string(column.allowed_levels | join(', ')) ~ ")")) -%}
    {%- endif -%}
  {%- endif -%}
  {%- if branches -%}
    case
      {%- for condition, check_name, reason in branches %}
        when {{ condition }} then {{ failure(name, check_name, reason) }}
      {%- endfor %}
    end
  {%- endif -%}
{% endmacro %}


{% macro label_value_expression(roles) -%}
  {#- The context label as 0/1 from the typed columns: the label column's value in the positive or negative
      list, or the declared label_expression; null when it cannot be told (a row defect). -#}
  {%- set label_columns = columns_with(roles, 'label') -%}
  {%- if label_columns -%}
    {%- set text = 'lower(' ~ sql_identifier(label_columns[0]) ~ ')' -%}
    case
        when {{ text }} in (select unnest({{ sql_string_list(configured('label_positive_values') | map('string') | map('lower') | list) }})) then 1
        when {{ text }} in (select unnest({{ sql_string_list((configured('label_negative_values') or []) | map('string') | map('lower') | list) }})) then 0
    end
  {%- elif configured('label_expression') and not is_scoring_run() -%}
    cast(({{ configured('label_expression') }}) as integer)
  {%- else -%}
    null::integer
  {%- endif -%}
{%- endmacro %}


{% macro label_check(roles, text_relation) %}
  {#- The label's row check: present, and one of the declared values (or computable by label_expression). -#}
  {%- set label_columns = columns_with(roles, 'label') -%}
  {%- if label_columns -%}
    {%- set name = label_columns[0] -%}
    {%- set text = text_relation ~ '.' ~ sql_identifier(name) -%}
    case
        when {{ text }} is null then {{ failure(name, 'missing_value', "format('{} is missing', " ~ sql_string(name) ~ ")") }}
        when label_value is null then {{ failure(name, 'label_not_binary',
            "format('{} is ''{}'', in neither label_positive_values nor label_negative_values', "
            ~ sql_string(name) ~ ", " ~ text ~ ")") }}
    end
  {%- elif configured('label_expression') and not is_scoring_run() -%}
    case when label_value is null then {{ failure('label_expression', 'label_not_computable',
        "'label_expression " ~ configured('label_expression') | replace("'", "''") ~ " gives no value on this row'") }} end
  {%- else -%}
    null::{{ failure_type() }}
  {%- endif -%}
{% endmacro %}
