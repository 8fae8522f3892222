{#- Input rows with text normalised once (quotes, whitespace, missing tokens), for checks and typing. -#}
{%- set input_columns = adapter.get_columns_in_relation(ref('stg_students_input')) if execute else [] -%}

with input_rows as (

    select * from {{ ref('stg_students_input') }}

),

normalized as (

    select
        source_row_number,
        {%- for column in input_columns if column.name != 'source_row_number' %}
        {{ normalized_text(sql_identifier(column.name)) }} as {{ sql_identifier(column.name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from input_rows

)

select * from normalized
