{#- One row per student and numeric feature column, in original units. -#}
{%- set numeric_columns = columns_with(column_roles(), 'feature', 'numeric') -%}

with students as (

    select * from {{ ref('stg_students') }}

),

unpivoted as (

    {{ unpivot_columns('students', numeric_columns, 'source_column', 'value', 'double') }}

)

select * from unpivoted
