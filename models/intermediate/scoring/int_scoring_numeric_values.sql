{#- One row per new student and numeric feature of the stored model. -#}
{%- set numeric_columns = columns_with(column_roles(ref('stg_scoring_column_roles'), 'model_levels', 'model'), 'feature', 'numeric') -%}

with students as (

    select * from {{ ref('stg_scoring_students') }}

),

unpivoted as (

    {{ unpivot_columns('students', numeric_columns, 'source_column', 'value', 'double') }}

)

select * from unpivoted
