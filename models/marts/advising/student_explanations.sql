{#-
  Why each student is in their persona, exactly: the gap between the squared distances from their factor
  scores to the next-nearest persona centre and to their own, split into one part per feature column
  (a categorical column's indicators summed) and one baseline row. Parts are measured from the cohort
  mean, so a column on which the student is typical contributes nothing; a positive part pulls toward
  the student's persona, a negative one toward the next-nearest. Parts and baseline sum to the gap
  (tests/dbt/assert_explanations_sum_to_the_placement_gap.sql). Method: docs/methods.md, section 10.
-#}

with parts as (

    select * exclude (feature, squared_distance_gap), feature as source_column
    from {{ ref('int_student_explanation_parts') }}

),

standardized as (

    select * from {{ ref('int_student_standardized_values') }}

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
        standardized.level
    from parts
    left join standardized using (student_id, term, source_column)

)

select *, {{ run_id() }} as run_id from explained
