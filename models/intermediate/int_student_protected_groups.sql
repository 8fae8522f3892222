{#- One row per clean student and protected attribute, with the student's group ('(not recorded)' when
    missing). Used only for post-hoc fairness tables, never as a model input. -#}
{%- set protected = columns_with(column_roles(), 'protected') -%}

with students as (

    select * from {{ ref('stg_students') }}

),

unpivoted as (

    {{ unpivot_columns('students', protected, 'protected_attribute', 'group_value', 'varchar') }}

),

labelled as (

    select student_id, protected_attribute, coalesce(group_value, '(not recorded)') as group_value
    from unpivoted

)

select * from labelled
