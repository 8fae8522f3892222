{#- One row per student and categorical feature column, with the student's level. -#}
{%- set categorical_columns = columns_with(column_roles(), 'feature', 'categorical') -%}

with students as (

    select * from {{ ref('stg_students') }}

),

unpivoted as (

    {{ unpivot_columns('students', categorical_columns, 'source_column', 'level', 'varchar') }}

)

select * from unpivoted
