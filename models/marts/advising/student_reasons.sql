{#-
  One row per student: their persona, the next-nearest persona, the placement gap, the top
  explanation_top_n reasons (student_explanations, strongest pull toward the persona first) as phrases
  of the student's value against a typical student of the next persona (in cohort SDs), and one plain
  sentence naming the strongest explanation_sentence_reasons reasons that pull toward the persona. Student-level: staff only.
-#}

with explanations as (

    select * from {{ ref('student_explanations') }}

),

phrases as (

    select * from {{ ref('int_feature_phrases') }}

),

assignments as (

    select * from {{ ref('persona_assignments') }}

),

names as (

    select persona_id, persona_name from {{ ref('int_persona_names') }}

),

reasons as (

    select
        explanations.student_id,
        explanations.term,
        explanations.rank,
        explanations.feature,
        explanations.contribution,
        -- A numeric reason reads as the student's value against a typical student of the next persona:
        -- its direction and size are the student's own, compared with the persona they were nearly in.
        coalesce(phrases.phrase, explanations.feature)
            || case when explanations.level is null and explanations.rival_difference is not null
                then ' (' || {{ signed_sd('explanations.rival_difference') }} || ')' else '' end
            as reason
    from explanations
    left join phrases
        on phrases.source_column = explanations.feature
        and phrases.level is not distinct from explanations.level
        and phrases.direction is not distinct from
            case when explanations.level is null then coalesce(explanations.rival_direction, explanations.value_direction) end
    where explanations.part = 'feature' and explanations.rank <= {{ configured('explanation_top_n') }}

),

per_student as (

    select
        student_id,
        term,
        list(reason order by rank) as top_reasons,
        list(feature order by rank) as top_features,
        coalesce(
            list(reason order by rank) filter (
                where contribution > 0 and rank <= {{ configured('explanation_sentence_reasons') }}),
            []::varchar[]
        ) as sentence_reasons
    from reasons
    group by student_id, term

),

parts as (

    select student_id, term, next_persona_id, squared_distance_gap, contribution as baseline
    from {{ ref('int_student_explanation_parts') }}
    where part = 'baseline'

),

described as (

    select
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        assignments.persona_name,
        parts.next_persona_id,
        next_names.persona_name as next_persona_name,
        assignments.distance_to_centroid,
        assignments.margin_to_next,
        {{ is_near_boundary('assignments.margin_to_next', 'assignments.distance_to_centroid') }} as is_near_boundary,
        parts.squared_distance_gap,
        parts.baseline,
        per_student.top_reasons,
        per_student.top_features,
        'Placed in “' || assignments.persona_name || '”'
            || case
                when {{ is_near_boundary('assignments.margin_to_next', 'assignments.distance_to_centroid') }}
                    then ', though nearly as close to “' || next_names.persona_name || '”,'
                else ' rather than “' || next_names.persona_name || '”'
            end
            || coalesce(
                ' mainly because of ' || {{ english_list('per_student.sentence_reasons') }}
                    || ' (compared with a typical student of “' || next_names.persona_name || '”, in cohort SDs).',
                ' because their profile is close to the cohort average overall (no single feature pulls'
                    || ' them toward this persona).') as sentence
    from assignments
    inner join parts using (student_id, term)
    inner join per_student using (student_id, term)
    inner join names as next_names on next_names.persona_id = parts.next_persona_id

)

select *, {{ run_id() }} as run_id from described
