{% macro unpivot_columns(relation, columns, name_column, value_column, value_type) -%}
  {#- Long form (student_id, <name_column>, <value_column>) of `columns`; an empty, typed result when none. -#}
  {%- if columns -%}
    unpivot (
        select student_id, {% for column in columns %}cast({{ sql_identifier(column) }} as {{ value_type }}) as {{ sql_identifier(column) }}{{ ", " if not loop.last }}{% endfor %}
        from {{ relation }}
    )
    on {% for column in columns %}{{ sql_identifier(column) }}{{ ", " if not loop.last }}{% endfor %}
    into name {{ name_column }} value {{ value_column }}
  {%- else -%}
    select null::varchar as student_id, null::varchar as {{ name_column }}, null::{{ value_type }} as {{ value_column }}
    where false
  {%- endif -%}
{%- endmacro %}
