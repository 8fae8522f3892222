{{ config(materialized='view') }}
{#- label_signal_audit for publication, and what reports read instead of the opt-in audit: its confusion
    counts from 1 to min_cell_size - 1, and the complementary counts that would reveal them, read
    'suppressed', and no recall or precision is derived from either. The ROC-AUC and PR-AUC are published
    to two decimals, and only when the label's overall positives and negatives are published: an AUC is a
    count of ordered pairs over positives x negatives, so at full precision it gives back a withheld
    number of positives (and the interpretation quotes it). Empty while the setting label_signal_audit is off
    (the audit model then trains nothing and has no rows), so readers need no other switch. -#}

with audit as (

    select * from {{ ref('label_signal_audit') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

published as (

    select
        audit.model,
        case when label_positive.suppression is null and label_negative.suppression is null
            then round(audit.roc_auc, 2) end as roc_auc,
        case when label_positive.suppression is null and label_negative.suppression is null
            then round(audit.pr_auc, 2) end as pr_auc,
        {{ published_count('audit.flagged', 'flagged.suppression') }} as flagged,
        {{ published_count('audit.true_positives', 'tp.suppression') }} as true_positives,
        {{ published_count('audit.false_positives', 'fp.suppression') }} as false_positives,
        {{ published_count('audit.false_negatives', 'fn.suppression') }} as false_negatives,
        {{ published_count('audit.true_negatives', 'tn.suppression') }} as true_negatives,
        {{ published_value('audit.recall', 'tp.suppression', 'fn.suppression') }} as recall,
        {{ published_value('audit.precision', 'tp.suppression', 'fp.suppression', 'flagged.suppression') }}
            as precision,
        case when label_positive.suppression is null and label_negative.suppression is null
            then audit.interpretation
            else 'Withheld by the small-cell rule: the label has fewer than {{ configured('min_cell_size') }} positives or '
                || 'negatives, and the ROC-AUC of a model would give their number back.'
        end as interpretation,
        coalesce(tp.suppression, fp.suppression, fn.suppression, tn.suppression, flagged.suppression) is not null
            as is_suppressed,
        {{ run_id() }} as run_id
    from audit
    left join suppression as flagged on flagged.cell_id = {{ cell_key("'tier'", "'RED'") }}
    left join suppression as label_positive on label_positive.cell_id = {{ cell_key("'label'", "'positive'") }}
    left join suppression as label_negative on label_negative.cell_id = {{ cell_key("'label'", "'negative'") }}
    left join suppression as tp on tp.cell_id = {{ cell_key("'audit'", 'audit.model', "'tp'") }}
    left join suppression as fp on fp.cell_id = {{ cell_key("'audit'", 'audit.model', "'fp'") }}
    left join suppression as fn on fn.cell_id = {{ cell_key("'audit'", 'audit.model', "'fn'") }}
    left join suppression as tn on tn.cell_id = {{ cell_key("'audit'", 'audit.model', "'tn'") }}

)

select * from published
