{#- Every input row exactly as read (as text), numbered in file order. The schema checks run here. -#}
{%- set input_columns = students_input_columns() -%}

with source_rows as (

    select * from {{ students_input() }}

),

numbered as (

    select
        row_number() over () as source_row_number,
        {%- for column in input_columns %}
        cast({{ sql_identifier(column) }} as varchar) as {{ sql_identifier(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from source_rows

)

select * from numbered
