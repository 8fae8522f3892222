{#-
  New students scored with a stored, reviewed persona model (never a refit): each student's persona, its
  reviewed name, the distance to the persona centre and the margin to the next, and the model version.
  Built only by a scoring run (make score STUDENTS=...); the fitted cohort's tables are left untouched.
-#}

with assignments as (

    select * from {{ ref('int_scoring_assignments') }}

),

personas as (

    select model_version, persona_id, persona_name from {{ ref('persona_model_personas') }}

),

named as (

    select
        assignments.student_id,
        assignments.persona_id,
        personas.persona_name,
        assignments.distance_to_centroid,
        assignments.margin_to_next,
        assignments.model_version
    from assignments
    inner join personas using (model_version, persona_id)

)

select *, {{ run_id() }} as run_id from named
