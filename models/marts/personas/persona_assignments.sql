{#- Every fitted student record's persona (and sub-group inside it), with the distance to its centre and the margin to the next persona. -#}

with assignments as (

    select * from {{ ref('int_persona_assignments') }}
    where is_reference

),

names as (

    select persona_id, persona_name from {{ ref('int_persona_names') }}

),

subgroups as (

    select student_id, term, subgroup_id from {{ ref('int_student_subgroups') }}

),

named as (

    select
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        names.persona_name,
        subgroups.subgroup_id,
        assignments.distance_to_centroid,
        assignments.margin_to_next
    from assignments
    inner join names using (persona_id)
    left join subgroups using (student_id, term)

)

select *, {{ run_id() }} as run_id from named
