{#-
  One flat row per student for BI tools, as the engagement pipeline's flat file: id, persona (id, name as
  shown, distance to its centre, margin to the next), the factor scores, and the model's feature columns
  in their original units and file order. No label and no protected attribute: those stay in the
  warehouse's context and fairness tables. Student-level: for staff, not a published output.
-#}
{%- set feature_columns = columns_with(column_roles(), 'feature') -%}

with assignments as (

    select * from {{ ref('persona_assignments') }}

),

summary as (

    select persona_id, display_name from {{ ref('persona_summary') }}

),

factor_scores as (

    select student_id, term, columns('^factor_[0-9]+$') from {{ ref('student_factors') }}

),

students as (

    select
        student_id,
        term
        {%- for column in feature_columns %},
        {{ sql_identifier(column) }}
        {%- endfor %}
    from {{ ref('int_student_records') }}
    where is_reference

),

flat as (

    select
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        assignments.persona_name,
        summary.display_name as persona_display_name,
        assignments.distance_to_centroid,
        assignments.margin_to_next,
        factor_scores.* exclude (student_id, term),
        students.* exclude (student_id, term)
    from assignments
    inner join summary using (persona_id)
    inner join factor_scores using (student_id, term)
    inner join students using (student_id, term)

)

select *, {{ run_id() }} as run_id from flat
