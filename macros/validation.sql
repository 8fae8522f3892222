{% macro cell_check(column) %}
  {#-
    One SQL expression for one column: null when the cell passes, else a struct
    {column_name, check_name, reason} for its first failed check. '' when the column has no checks.
    Required cells (id, label, features) must be present; features and ranged columns must be finite
    numbers within their range; allowed levels (declared, or those a stored model was fitted on) and
    label values are enforced.
  -#}
  {%- set name = column.column_name -%}
  {%- set value = sql_identifier(name) -%}
  {%- set number = 'try_cast(' ~ value ~ ' as double)' -%}
  {%- set has_range = column.range_min is not none or column.range_max is not none -%}
  {%- set allowed_levels = column.allowed_levels or [] -%}
  {%- if has_range and column.kind == 'categorical' -%}
    {{ exceptions.raise_compiler_error("student-personas configuration: range_rules has a rule for '" ~ name
        ~ "', which is a categorical column; remove the rule or the categorical declaration.") }}
  {%- endif -%}
  {%- set branches = [] -%}
  {%- if column.role in ['id', 'label', 'feature'] -%}
    {%- do branches.append((value ~ ' is null', 'missing_value', "format('{} is missing', " ~ sql_string(name) ~ ")")) -%}
  {%- endif -%}
  {%- if column.role == 'label' -%}
    {%- set accepted = (var('label_positive_values') + var('label_negative_values')) | map('lower') | list -%}
    {%- do branches.append((
        'lower(' ~ value ~ ') not in (select unnest(' ~ sql_string_list(accepted) ~ '))',
        'label_not_binary',
        "format('{} is ''{}'', not a binary label value (expected one of {})', "
            ~ sql_string(name) ~ ", " ~ value ~ ", " ~ sql_string(accepted | join(', ')) ~ ")")) -%}
  {%- endif -%}
  {%- if column.kind == 'numeric' or has_range -%}
    {%- do branches.append((
        value ~ ' is not null and ' ~ number ~ ' is null',
        'not_a_number',
        "format('{} is ''{}'', which is not a number', " ~ sql_string(name) ~ ", " ~ value ~ ")")) -%}
    {%- do branches.append((
        'not isfinite(' ~ number ~ ')',
        'not_finite',
        "format('{} is ''{}'', which is not a finite number', " ~ sql_string(name) ~ ", " ~ value ~ ")")) -%}
  {%- endif -%}
  {%- if column.range_min is not none -%}
    {%- do branches.append((
        number ~ ' < ' ~ column.range_min,
        'below_minimum',
        "format('{} is {}, below the allowed minimum {}', "
            ~ sql_string(name) ~ ", " ~ value ~ ", " ~ sql_string('%g' % column.range_min) ~ ")")) -%}
  {%- endif -%}
  {%- if column.range_max is not none -%}
    {%- do branches.append((
        number ~ ' > ' ~ column.range_max,
        'above_maximum',
        "format('{} is {}, above the allowed maximum {}', "
            ~ sql_string(name) ~ ", " ~ value ~ ", " ~ sql_string('%g' % column.range_max) ~ ")")) -%}
  {%- endif -%}
  {%- if column.role == 'feature' and allowed_levels and column.levels_source == 'model' -%}
    {%- do branches.append((
        value ~ ' not in (select unnest(' ~ sql_string_list(allowed_levels) ~ '))',
        'unknown_level',
        "format('{} is ''{}'', a level the persona model was not fitted on (its levels: {})', "
            ~ sql_string(name) ~ ", " ~ value ~ ", " ~ sql_string(allowed_levels | join(', ')) ~ ")")) -%}
  {%- elif column.role == 'feature' and allowed_levels -%}
    {%- do branches.append((
        value ~ ' not in (select unnest(' ~ sql_string_list(allowed_levels) ~ '))',
        'undeclared_level',
        "format('{} is ''{}'', not one of the declared levels: {}', "
            ~ sql_string(name) ~ ", " ~ value ~ ", " ~ sql_string(allowed_levels | join(', ')) ~ ")")) -%}
  {%- endif -%}
  {%- if branches -%}
    case
      {%- for condition, check_name, reason in branches %}
        when {{ condition }} then {
            'column_name': {{ sql_string(name) }}, 'check_name': '{{ check_name }}', 'reason': {{ reason }}
        }
      {%- endfor %}
    end
  {%- endif -%}
{% endmacro %}
