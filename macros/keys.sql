{#- The keys every student-level table carries: student_id (the declared id, a composite of several columns,
    or the row number) and term (the term column's value, or one label for the whole file). -#}

{% macro student_id_expression(id_columns, relation='normalized') -%}
  {%- if not id_columns -%}
    {{ relation }}.source_row_number::varchar
  {%- elif id_columns | length == 1 -%}
    {{ relation }}.{{ sql_identifier(id_columns[0]) }}
  {%- else -%}
    case when {% for column in id_columns %}{{ relation }}.{{ sql_identifier(column) }} is null{{ " or " if not loop.last }}{% endfor %}
        then null
        else concat_ws('|', {% for column in id_columns %}{{ relation }}.{{ sql_identifier(column) }}{{ ", " if not loop.last }}{% endfor %})
    end
  {%- endif -%}
{%- endmacro %}


{% macro id_label(id_columns) -%}
  {#- How messages name the id: its column, the composite's columns, or the row number. -#}
  {%- if not id_columns -%}row number
  {%- elif id_columns | length == 1 -%}{{ id_columns[0] }}
  {%- else -%}student_id ({{ id_columns | join(' | ') }})
  {%- endif -%}
{%- endmacro %}


{% macro term_expression(term_columns, relation='normalized') -%}
  {%- if term_columns -%}
    {{ relation }}.{{ sql_identifier(term_columns[0]) }}
  {%- else -%}
    {{ sql_string(default_term_label()) }}
  {%- endif -%}
{%- endmacro %}


{% macro default_term_label() %}
  {#- The term of every row of a file without a term column: var term_label when fitting; when scoring,
      var score_term_label or the scored file's name. -#}
  {%- if is_scoring_run() -%}
    {{ return(configured('score_term_label') or input_fact('file_stem') or 'scored') }}
  {%- endif -%}
  {{ return(configured('term_label')) }}
{% endmacro %}


{% macro label_display_name() %}
  {#- How pages and tables name the context label: var label_name, else the label column or expression. -#}
  {{ return(configured('label_name') or configured('label_column') or configured('label_expression') or 'label') }}
{% endmacro %}


{% macro term_order_key(term) -%}
  {#-
    The sort key that puts terms in time order: their position in var term_order when declared, else the
    first four-digit year in the name, then the season (winter, spring, summer, autumn/fall), then the name
    as a number, then as text ('2013B' < '2013J' < '2014B'; 'Spring 2024' < 'Fall 2024' < 'Spring 2025').
  -#}
  {%- set declared = configured('term_order') -%}
  {%- if declared -%}
    coalesce(list_position({{ sql_string_list(declared | map('string') | list) }}, {{ term }}), 1000000), {{ term }}
  {%- else -%}
    try_cast(regexp_extract({{ term }}, '((19|20)[0-9]{2})', 1) as integer) nulls last,
    case
        when regexp_matches(lower({{ term }}), 'winter') then 1
        when regexp_matches(lower({{ term }}), 'spring') then 2
        when regexp_matches(lower({{ term }}), 'summer') then 3
        when regexp_matches(lower({{ term }}), 'fall|autumn') then 4
    end nulls first,
    try_cast({{ term }} as double) nulls last,
    {{ term }}
  {%- endif -%}
{%- endmacro %}
