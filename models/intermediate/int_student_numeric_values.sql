{#- One row per student record and numeric feature column, as read (missing values kept as nulls). -#}
{%- set numeric_columns = columns_with(column_roles(), 'feature', 'numeric') -%}

with records as (

    select * from {{ ref('int_student_records') }}

),

unpivoted as (

    {{ unpivot_columns('records', numeric_columns, 'source_column', 'value', 'double') }}

)

select * from unpivoted
