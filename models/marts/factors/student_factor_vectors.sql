{#-
  Every student's factor scores as one fixed-size FLOAT[r] array, for similarity search in SQL with
  array_cosine_similarity (BI-facing tables keep plain scalar columns: see student_factors). The
  post-hook stores the table macros students_like(student_id, k) and students_near_vector(vector, k).
-#}
{%- set factor_columns = [] -%}
{%- if execute -%}
  {%- for column in adapter.get_columns_in_relation(ref('int_student_factor_scores')) if column.name.startswith('factor_') -%}
    {%- do factor_columns.append(column.name) -%}
  {%- endfor -%}
{%- endif -%}
{{ config(post_hook="{{ create_similarity_macros() }}") }}

with scores as (

    select * from {{ ref('int_student_factor_scores') }}
    where is_reference

),

vectors as (

    select
        student_id,
        term,
        [{% for index in range(1, factor_columns | length + 1) %}factor_{{ index }}{{ ", " if not loop.last }}{% endfor %}]::float[{{ factor_columns | length or 1 }}]
            as factor_vector
    from scores

)

select *, {{ run_id() }} as run_id from vectors
