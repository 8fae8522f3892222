{#- Every fitted student record's persona, with the distance to its centre and the margin to the next persona. -#}

with assignments as (

    select * from {{ ref('int_persona_assignments') }}
    where is_reference

),

names as (

    select persona_id, persona_name from {{ ref('int_persona_names') }}

),

named as (

    select
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        names.persona_name,
        assignments.distance_to_centroid,
        assignments.margin_to_next
    from assignments
    inner join names using (persona_id)

)

select *, {{ run_id() }} as run_id from named
