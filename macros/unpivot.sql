{% macro unpivot_columns(relation, columns, name_column, value_column, value_type, keys=['student_id', 'term', 'is_reference', 'is_fitted']) -%}
  {#- Long form (keys..., <name_column>, <value_column>) of `columns`, missing values kept as nulls; an empty,
      typed result when there are no columns. -#}
  {%- if columns -%}
    select {{ keys | join(', ') }}, {{ name_column }}, {{ value_column }}
    from (
        select {{ keys | join(', ') }}, {% for column in columns %}cast({{ sql_identifier(column) }} as {{ value_type }}) as {{ sql_identifier(column) }}{{ ", " if not loop.last }}{% endfor %}
        from {{ relation }}
    )
    unpivot include nulls ({{ value_column }} for {{ name_column }} in (
        {%- for column in columns %}{{ sql_identifier(column) }}{{ ", " if not loop.last }}{% endfor -%}
    ))
  {%- else -%}
    select
        {%- for key in keys %} null::{{ 'boolean' if key.startswith('is_') else 'varchar' }} as {{ key }},{% endfor %}
        null::varchar as {{ name_column }}, null::{{ value_type }} as {{ value_column }}
    where false
  {%- endif -%}
{%- endmacro %}
