-- Queries of the page "Context & fairness" (personas_context.html.j2).
-- Counts come only from the *_published views: counts from 1 to settings.min_cell_size - 1, and the
-- complementary cells that would reveal them, read "suppressed", and no rate derived from either is shown.
-- The raw persona_outcome_context and fairness_composition tables are never read here.

-- name: personas
-- Persona names as shown on every page: an unstable persona says so.
select persona_id, display_name, is_stable
from {{ ref('persona_summary') }}
order by persona_id

-- name: outcome_context
-- The label's rate in each persona with its Wilson 95% interval and Fisher's exact test against the rest
-- of the cohort, then the overall row. Empty when no label column is declared.
select
    published.scope,
    published.persona_id,
    coalesce(personas.display_name, published.persona_name) as display_name,
    coalesce(personas.is_stable, true) as is_stable,
    published.n_students,
    published.positives,
    published.rate,
    published.ci_lower,
    published.ci_upper,
    published.fisher_p_value_vs_rest,
    published.caution,
    published.is_suppressed,
    case when published.is_suppressed then 'count withheld: rate not shown' end as chart_note
from {{ ref('persona_outcome_context_published') }} as published
left join {{ query('personas') }} as personas using (persona_id)
order by published.scope = 'all students', published.persona_id

-- name: overall_context
-- The overall row: the reference line of the chart.
select n_students, positives, rate, ci_lower, ci_upper
from {{ query('outcome_context') }}
where scope = 'all students'

-- name: protected_positions
-- Protected attributes in file order.
select column_name as protected_attribute, column_position
from {{ ref('int_column_roles') }}
where role = 'protected'

-- name: association
-- Chi-square test and Cramér's V (plain and bias-corrected) of persona × group, per protected attribute,
-- on the composition table as published (groups with a withheld cell pooled).
select
    association.protected_attribute,
    association.n_students,
    association.n_groups,
    association.n_personas,
    association.chi_square,
    association.degrees_of_freedom,
    association.p_value,
    association.cramers_v,
    association.cramers_v_corrected
from {{ ref('fairness_association_published') }} as association
left join {{ query('protected_positions') }} as positions using (protected_attribute)
order by positions.column_position, association.protected_attribute

-- name: composition
-- Who is in each persona, per protected attribute and group, as published. A cell whose share is withheld
-- carries the published marker as its heatmap text ("suppressed").
select
    published.protected_attribute,
    published.group_value,
    published.persona_id,
    personas.display_name,
    published.n_students,
    published.group_total,
    published.share_of_persona,
    published.cohort_share,
    published.share_difference,
    published.representation_ratio,
    published.is_suppressed,
    case when published.representation_ratio is null then 'suppressed' end as withheld_text
from {{ ref('fairness_composition_published') }} as published
inner join {{ query('personas') }} as personas using (persona_id)
left join {{ query('protected_positions') }} as positions using (protected_attribute)
order by positions.column_position, published.protected_attribute, published.persona_id, published.group_value

-- name: tier_counts
-- The context indicator's tiers for all students, as published (empty when no label is declared), with
-- the context scores each tier covers.
select
    tier,
    tier_order,
    case
        when score_from is null then format('below {:.3f}', score_below)
        when score_below is null then format('{:.3f} or more', score_from)
        else format('{:.3f} to below {:.3f}', score_from, score_below)
    end as score_range,
    n_students,
    share,
    scope_students,
    holds_nearly_everyone,
    is_suppressed
from {{ ref('context_tier_counts_published') }}
where scope = 'all students'
order by tier_order

-- name: tiers_by_persona
-- Tier × persona, as published: a withheld cell carries its marker ("suppressed") for the heatmap.
select
    published.persona_id,
    personas.display_name,
    published.tier,
    published.n_students,
    published.scope_students,
    published.share,
    case when published.share is null then published.n_students end as withheld_text
from {{ ref('context_tier_counts_published') }} as published
inner join {{ query('personas') }} as personas using (persona_id)
where published.scope = 'persona'
order by published.persona_id, published.tier_order

-- name: parity_metrics
-- The parity metrics in reading order, with the fairness criterion each belongs to and what it counts.
select * from (values
    (1, 'flag_rate', 'Flag rate', 'demographic parity', 'share of the group in the RED tier'),
    (2, 'true_positive_rate', 'True positive rate', 'equalized odds', 'share in the RED tier among students with the label'),
    (3, 'false_positive_rate', 'False positive rate', 'equalized odds', 'share in the RED tier among students without the label'),
    (4, 'positive_predictive_value', 'Positive predictive value', 'predictive value parity',
        'share with the label among students in the RED tier'),
    (5, 'negative_predictive_value', 'Negative predictive value', 'predictive value parity',
        'share without the label among students outside the RED tier')
) as metrics (metric_order, metric, metric_label, criterion, meaning)

-- name: parity
-- Every parity metric per protected attribute and group, as published (fairness_flag_parity_published),
-- attributes in file order, all students first. A withheld rate names the count that withholds it.
select
    published.protected_attribute,
    published.group_value,
    published.protected_attribute || ': ' || published.group_value as chart_label,
    metrics.metric,
    metrics.metric_order,
    metrics.metric_label,
    published.numerator,
    published.denominator,
    published.rate,
    published.ci_lower,
    published.ci_upper,
    published.difference_from_all_students,
    published.is_suppressed,
    case
        when published.rate is not null then null
        when published.is_suppressed then format('withheld ({})',
            case when regexp_full_match(published.numerator, '[0-9]+') then published.denominator
                else published.numerator end)
        else 'no students to count'
    end as withheld_note
from {{ ref('fairness_flag_parity_published') }} as published
inner join {{ query('parity_metrics') }} as metrics using (metric)
left join {{ query('protected_positions') }} as positions using (protected_attribute)
order by positions.column_position, published.protected_attribute, metrics.metric_order,
    published.group_value <> 'All students', published.group_value

-- name: parity_by_metric
-- Per metric: the rate for all students (the same for every attribute) and how many group rates are shown.
select
    metrics.metric,
    metrics.metric_label,
    metrics.criterion,
    metrics.meaning,
    max(parity.rate) filter (where parity.group_value = 'All students') as all_students_rate,
    count(parity.rate) filter (where parity.group_value <> 'All students') as shown_groups,
    count(*) filter (where parity.group_value <> 'All students') as groups
from {{ query('parity_metrics') }} as metrics
inner join {{ query('parity') }} as parity using (metric)
group by metrics.metric, metrics.metric_order, metrics.metric_label, metrics.criterion, metrics.meaning
order by metrics.metric_order

-- name: label_audit
-- The opt-in label-signal audit as published (empty unless var label_signal_audit is on): cross-validated
-- models first, then the context indicator.
select
    model,
    case model
        when 'logistic_regression' then 'Logistic regression (cross-validated)'
        when 'decision_tree' then 'Decision tree (cross-validated)'
        when 'context_indicator_leave_one_out' then 'Context indicator, own label left out'
        when 'context_indicator' then 'Context indicator as published (in-sample)'
        else model
    end as model_name,
    roc_auc,
    pr_auc,
    flagged,
    true_positives,
    false_positives,
    false_negatives,
    true_negatives,
    recall,
    precision,
    interpretation
from {{ ref('label_signal_audit_published') }}
order by starts_with(model, 'context_indicator'), model = 'context_indicator', model

-- name: outcome_proxies
-- Feature columns that may encode the outcome (single-feature ROC-AUC at or beyond
-- settings.outcome_proxy_auc), with the direction; the AUC itself stays in the warehouse.
select
    association.source_column,
    association.feature,
    association.direction,
    case association.proxy_kind
        when 'may_record' then 'may record the outcome (separates it almost perfectly)'
        when 'earlier_measurement' then 'may record the outcome (an earlier measurement of the label''s column)'
        else 'associated with the outcome'
    end as reading
from {{ ref('feature_label_association') }} as association
where association.is_outcome_proxy
order by association.source_column, association.feature

-- name: proxy_personas
-- Personas whose leading contrasts include such a column.
select
    summary.persona_id,
    personas.display_name,
    array_to_string(summary.outcome_proxy_columns, ', ') as columns
from {{ ref('persona_summary') }} as summary
inner join {{ query('personas') }} as personas using (persona_id)
where len(summary.outcome_proxy_columns) > 0
order by summary.persona_id
