{{ config(post_hook="{{ fail_if_no_clean_rows() }}") }}
{#-
  Clean, typed students: every input row that passed all checks. The id becomes student_id (text, so
  any id format works); numeric features are doubles, the label is 0/1, everything else is clean text.
  Other columns keep their input names.
-#}
{%- set roles = column_roles() -%}
{%- set positives = var('label_positive_values') | map('lower') | list -%}

with students_text as (

    select * from {{ ref('stg_students_text') }}

),

rejected_rows as (

    select distinct source_row_number from {{ ref('stg_student_checks') }}

),

clean_rows as (

    select students_text.*
    from students_text
    anti join rejected_rows using (source_row_number)

),

typed as (

    select
        {{ sql_identifier(var('id_column')) }} as student_id,
        source_row_number,
        {%- for column in roles if column.role != 'id' %}
        {%- set value = sql_identifier(column.column_name) %}
        {%- if column.role == 'label' %}
        cast(lower({{ value }}) in (select unnest({{ sql_string_list(positives) }})) as integer) as {{ value }}
        {%- elif column.kind == 'numeric' %}
        cast({{ value }} as double) as {{ value }}
        {%- else %}
        {{ value }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from clean_rows

)

select * from typed
