{#-
  Every count a published output shows, with the lines (sets of cells whose total is also published)
  it belongs to, for small-cell suppression. Line ids are local to their table.
-#}

with outcome as (

    select * from {{ ref('persona_outcome_context') }}
    where scope = 'persona'

),

composition as (

    select * from {{ ref('fairness_composition') }}

),

cells as (

    -- Persona positives add up to the published overall positives; persona sizes to the cohort size.
    select 'persona_outcome_context' as table_name, 'positives|' || persona_id as cell_id, positives as cell_count,
        ['positives'] as line_ids
    from outcome
    union all
    select 'persona_outcome_context', 'students|' || persona_id, n_students, ['students']
    from outcome
    union all
    -- Composition cells add up to published persona sizes (rows) and group sizes (columns);
    -- group sizes add up to the cohort.
    select 'fairness_composition', protected_attribute || '|' || group_value || '|' || persona_id, n_students,
        ['persona|' || protected_attribute || '|' || persona_id, 'group|' || protected_attribute || '|' || group_value]
    from composition
    union all
    select distinct 'fairness_composition', protected_attribute || '|' || group_value || '|total', group_total,
        ['cohort|' || protected_attribute]
    from composition

)

select * from cells
