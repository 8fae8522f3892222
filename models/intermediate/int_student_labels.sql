{#- Each clean student's context label as 0/1 (empty when no label is declared). Read only by post-hoc
    tables and the opt-in label audit, never by the persona models. -#}
{%- set label_column = var('label_column', none) -%}

with students as (

    select * from {{ ref('stg_students') }}

),

labels as (

    {%- if label_column %}
    select student_id, {{ sql_identifier(label_column) }} as label_value from students
    {%- else %}
    select null::varchar as student_id, null::integer as label_value where false
    {%- endif %}

)

select * from labels
