{#-
  Every count a published output shows, with the lines (sets of cells whose total is also published)
  it belongs to, for small-cell suppression. Line ids are local to their table.
-#}
{%- set audit_enabled = label_signal_audit_enabled() -%}

with outcome as (

    select * from {{ ref('persona_outcome_context') }}
    where scope = 'persona'

),

composition as (

    select * from {{ ref('fairness_composition') }}

),

parity as (

    select * from {{ ref('fairness_flag_parity') }}

),

tier_counts as (

    select * from {{ ref('context_tier_counts') }}

),

parity_confusion as (

    -- Back from metric rows to the confusion matrix of each group (and of all students).
    select
        protected_attribute,
        group_value,
        max(numerator) filter (where metric = 'true_positive_rate') as tp,
        max(numerator) filter (where metric = 'false_positive_rate') as fp,
        max(denominator - numerator) filter (where metric = 'true_positive_rate') as fn,
        max(numerator) filter (where metric = 'negative_predictive_value') as tn,
        max(numerator) filter (where metric = 'flag_rate') as flagged,
        max(denominator) filter (where metric = 'negative_predictive_value') as not_flagged,
        max(denominator) filter (where metric = 'true_positive_rate') as positives,
        max(denominator) filter (where metric = 'false_positive_rate') as negatives,
        max(n_students) as n
    from parity
    group by protected_attribute, group_value

),

parity_cell_definitions as (

    -- Each confusion count and the within-group totals it adds up to; every count also adds up, across the
    -- groups of an attribute, to the published count for all students.
    select * from (values
        ('tp', ['flagged', 'positives']),
        ('fp', ['flagged', 'negatives']),
        ('fn', ['not_flagged', 'positives']),
        ('tn', ['not_flagged', 'negatives']),
        ('flagged', ['flag_split']),
        ('not_flagged', ['flag_split']),
        ('positives', ['label_split']),
        ('negatives', ['label_split']),
        ('n', []::varchar[])
    ) as definitions (cell_name, group_lines)

),

parity_counts as (

    select * from parity_confusion
    unpivot (cell_count for cell_name in (tp, fp, fn, tn, flagged, not_flagged, positives, negatives, n))

),
{%- if audit_enabled %}

audit_counts as (

    -- Each audit model's confusion matrix, in the cells of a parity group.
    select * from (
        select
            model,
            true_positives as tp,
            false_positives as fp,
            false_negatives as fn,
            true_negatives as tn,
            flagged,
            false_negatives + true_negatives as not_flagged,
            true_positives + false_negatives as positives,
            false_positives + true_negatives as negatives,
            true_positives + false_positives + false_negatives + true_negatives as n
        from {{ ref('label_signal_audit') }}
    )
    unpivot (cell_count for cell_name in (tp, fp, fn, tn, flagged, not_flagged, positives, negatives, n))

),
{%- endif %}

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
    union all
    select
        'fairness_flag_parity',
        parity_counts.protected_attribute || '|' || parity_counts.group_value || '|' || parity_counts.cell_name,
        parity_counts.cell_count,
        list_transform(parity_cell_definitions.group_lines,
            lambda line: line || '|' || parity_counts.protected_attribute || '|' || parity_counts.group_value)
        || case when parity_counts.group_value <> 'All students'
            then [parity_counts.cell_name || '|' || parity_counts.protected_attribute] else []::varchar[] end
    from parity_counts
    inner join parity_cell_definitions using (cell_name)
    union all
    -- Tier counts add up to the cohort; GREEN and AMBER also add up to the students the RED tier does not
    -- flag, whose number fairness_flag_parity publishes. Per persona, the tiers add up to the published
    -- persona size, and a tier's persona counts add up to its count for all students.
    select 'context_tier_counts', 'all|' || tier, n_students,
        case when tier = 'RED' then ['tiers'] else ['tiers', 'not_flagged'] end
    from tier_counts
    where scope = 'all students'
    union all
    select 'context_tier_counts', 'persona|' || persona_id || '|' || tier, n_students,
        ['persona|' || persona_id, 'tier|' || tier]
    from tier_counts
    where scope = 'persona'
    {%- if audit_enabled %}
    union all
    -- Each audit model's counts have the lines of a parity group; its flagged count is the RED tier's.
    select 'label_signal_audit', audit_counts.model || '|' || audit_counts.cell_name, audit_counts.cell_count,
        list_transform(parity_cell_definitions.group_lines, lambda line: line || '|' || audit_counts.model)
    from audit_counts
    inner join parity_cell_definitions using (cell_name)
    {%- endif %}

)

select * from cells
