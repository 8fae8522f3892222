{#-
  Why each student is in their persona, exactly: the gap between the squared distances from their factor
  scores to the next-nearest persona centre and to their own, split into one part per feature column
  (a categorical column's indicators summed) and one baseline row. Parts are measured from the cohort
  mean, so a column on which the student is typical contributes nothing; a positive part pulls toward
  the student's persona, a negative one toward the next-nearest. Parts and baseline sum to the gap
  (tests/dbt/assert_explanations_sum_to_the_placement_gap.sql). Method: docs/methods.md, section 6a.
-#}

with parts as (

    select * from {{ ref('int_student_explanation_parts') }}

),

encoding as (

    select feature_index, source_column from {{ ref('feature_encoding') }}
    where is_used

),

standardized as (

    select * from {{ ref('int_student_standardized_values') }}

),

feature_parts as (

    unpivot (select student_id, persona_id, next_persona_id, columns('^contribution_\d+$') from parts)
    on columns('^contribution_\d+$')
    into name contribution_column value contribution

),

column_parts as (

    -- Summed in feature order (an ordered list), so every build gives the same last bit.
    select
        feature_parts.student_id,
        feature_parts.persona_id,
        feature_parts.next_persona_id,
        encoding.source_column,
        list_sum(list(feature_parts.contribution order by encoding.feature_index)) as contribution
    from feature_parts
    inner join encoding
        on encoding.feature_index = cast(regexp_extract(feature_parts.contribution_column, '\d+$') as integer)
    group by feature_parts.student_id, feature_parts.persona_id, feature_parts.next_persona_id,
        encoding.source_column

),

ranked as (

    select
        column_parts.student_id,
        column_parts.persona_id,
        column_parts.next_persona_id,
        'feature' as part,
        column_parts.source_column as feature,
        column_parts.contribution,
        row_number() over (
            partition by column_parts.student_id
            order by column_parts.contribution desc, standardized.column_position
        )::integer as rank,
        case
            when column_parts.contribution > 0 then 'toward persona'
            when column_parts.contribution < 0 then 'toward next persona'
        end as direction,
        standardized.direction as value_direction,
        standardized.standardized_value,
        standardized.numeric_value,
        standardized.level
    from column_parts
    inner join standardized using (student_id, source_column)

),

baselines as (

    select
        student_id,
        persona_id,
        next_persona_id,
        'baseline' as part,
        null::varchar as feature,
        baseline as contribution,
        null::integer as rank,
        case when baseline > 0 then 'toward persona' when baseline < 0 then 'toward next persona' end
            as direction,
        null::varchar as value_direction,
        null::double as standardized_value,
        null::double as numeric_value,
        null::varchar as level
    from parts

),

explanations as (

    select * from ranked
    union all
    select * from baselines

)

select *, {{ run_id() }} as run_id from explanations
