{#- One row per student record and categorical feature column, with the level as read (null when missing). -#}
{%- set categorical_columns = columns_with(column_roles(), 'feature', 'categorical') -%}

with records as (

    select * from {{ ref('int_student_records') }}

),

unpivoted as (

    {{ unpivot_columns('records', categorical_columns, 'source_column', 'level', 'varchar') }}

)

select * from unpivoted
