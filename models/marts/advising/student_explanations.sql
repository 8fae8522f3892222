{#-
  Why each student is in their persona, exactly: the gap between the squared distances from their factor
  scores to the next-nearest persona centre and to their own, split into one part per feature column
  (a categorical column's indicators summed) and one baseline row. Parts are measured from a typical
  student of the next-nearest persona (its mean), along the way from there to the student: a positive part
  is a column whose value puts the student in their own persona rather than the next one, a negative one
  pulls toward the next. Each numeric column also carries the student's value against that persona's
  mean (rival_difference, in cohort SDs), which the reasons are phrased by. Parts and baseline sum to the
  gap (tests/dbt/assert_explanations_sum_to_the_placement_gap.sql). Method: docs/methods.md, section 10.
-#}

with parts as (

    select * exclude (feature, squared_distance_gap), feature as source_column
    from {{ ref('int_student_explanation_parts') }}

),

standardized as (

    select * from {{ ref('int_student_standardized_values') }}

),

persona_means as (

    -- Each persona's mean on each numeric column, and the cohort SD, to compare a student with their rival.
    select persona_id, source_column, persona_mean, cohort_sd from {{ ref('persona_profiles') }}
    where level is null

),

explained as (

    select
        parts.student_id,
        parts.term,
        parts.persona_id,
        parts.next_persona_id,
        parts.part,
        parts.source_column as feature,
        parts.contribution,
        parts.rank,
        case
            when parts.contribution > 0 then 'toward persona'
            when parts.contribution < 0 then 'toward next persona'
        end as direction,
        standardized.direction as value_direction,
        standardized.standardized_value,
        standardized.numeric_value,
        standardized.level,
        (standardized.numeric_value - rival.persona_mean) / nullif(rival.cohort_sd, 0) as rival_difference,
        case
            when standardized.numeric_value > rival.persona_mean then 'above'
            when standardized.numeric_value < rival.persona_mean then 'below'
        end as rival_direction
    from parts
    left join standardized using (student_id, term, source_column)
    left join persona_means as rival
        on rival.persona_id = parts.next_persona_id and rival.source_column = parts.source_column

)

select *, {{ run_id() }} as run_id from explained
