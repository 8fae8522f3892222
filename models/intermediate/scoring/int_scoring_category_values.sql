{#- One row per new student and categorical feature of the stored model. -#}
{%- set categorical_columns = columns_with(column_roles(ref('stg_scoring_column_roles'), 'model_levels', 'model'), 'feature', 'categorical') -%}

with students as (

    select * from {{ ref('stg_scoring_students') }}

),

unpivoted as (

    {{ unpivot_columns('students', categorical_columns, 'source_column', 'level', 'varchar') }}

)

select * from unpivoted
