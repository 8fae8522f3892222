{#- Every student record's sub-group inside its persona: 2 when its encoded features lie nearer the centre
    of the persona's sub-group than the centre of the rest of the persona, 1 when not (ties go to 1), and
    null when the persona holds no sub-group (int_persona_subgroup_centres). -#}

with vectors as (

    select student_id, term, feature_values from {{ ref('int_student_feature_vectors') }}

),

assignments as (

    select student_id, term, is_reference, persona_id from {{ ref('int_persona_assignments') }}

),

centres as (

    select * from {{ ref('int_persona_subgroup_centres') }}

),

placed as (

    select
        assignments.student_id,
        assignments.term,
        assignments.is_reference,
        assignments.persona_id,
        case
            when centres.persona_id is null then null
            when {{ nearer_second_centre('vectors.feature_values', 'centres.major_centre', 'centres.minor_centre') }}
                then 2
            else 1
        end as subgroup_id
    from assignments
    left join vectors using (student_id, term)
    left join centres using (persona_id)

)

select * from placed
