{#-
  Post hoc, after the personas exist: how strongly each model feature on its own separates the context
  label, as the single-feature ROC-AUC (the rank-sum identity, macro auc_from_rank_sum). A feature with
  an AUC of at least outcome_proxy_auc (or at most 1 - outcome_proxy_auc) may encode the outcome itself
  (a grade recorded after the outcome, a status that implies it): personas built on it inherit the label.
  Nothing is fitted; the label never reaches a model. Empty when no label column is declared.
-#}
{%- set threshold = var('outcome_proxy_auc') -%}

with labels as (

    select * from {{ ref('int_student_labels') }}

),

numeric_values as (

    select * from {{ ref('int_student_numeric_values') }}

),

category_values as (

    select * from {{ ref('int_student_category_values') }}

),

encoding as (

    select * from {{ ref('feature_encoding') }}
    where is_used

),

-- Every student's value of every feature: the number itself, or the level's 0/1 indicator.
feature_scores as (

    select encoding.feature, numeric_values.student_id, numeric_values.value as score
    from numeric_values
    inner join encoding
        on encoding.feature_kind = 'numeric' and encoding.source_column = numeric_values.source_column
    union all
    select encoding.feature, category_values.student_id, (category_values.level = encoding.level)::integer
    from category_values
    inner join encoding
        on encoding.feature_kind = 'one_hot' and encoding.source_column = category_values.source_column

),

value_counts as (

    select
        feature_scores.feature,
        feature_scores.score,
        count(*) as n_students,
        sum(labels.label_value)::bigint as n_positive
    from feature_scores
    inner join labels using (student_id)
    group by feature_scores.feature, feature_scores.score

),

-- Students below each distinct value: its tied students share the mid-rank below + (n + 1) / 2.
ranked_values as (

    select
        *,
        coalesce(sum(n_students) over (
            partition by feature order by score rows between unbounded preceding and 1 preceding), 0) as n_below
    from value_counts

),

per_feature as (

    select
        feature,
        sum(n_students)::bigint as n_students,
        sum(n_positive)::bigint as n_positive,
        -- twice the positives' rank sum, in exact integers
        sum(n_positive * (2 * n_below + n_students + 1)) as twice_positive_rank_sum
    from ranked_values
    group by feature

),

association as (

    select
        encoding.feature,
        encoding.source_column,
        encoding.level,
        encoding.feature_kind,
        per_feature.n_students,
        per_feature.n_positive,
        {{ auc_from_rank_sum('per_feature.twice_positive_rank_sum / 2.0', 'per_feature.n_positive',
            'per_feature.n_students - per_feature.n_positive') }} as roc_auc
    from per_feature
    inner join encoding using (feature)

),

flagged as (

    select
        *,
        {{ threshold }}::double as proxy_threshold,
        coalesce(roc_auc >= {{ threshold }} or roc_auc <= 1 - {{ threshold }}, false) as is_outcome_proxy,
        case
            when roc_auc >= {{ threshold }} and feature_kind = 'one_hot' then 'this level goes with the label'
            when roc_auc <= 1 - {{ threshold }} and feature_kind = 'one_hot' then 'this level goes with its absence'
            when roc_auc >= {{ threshold }} then 'higher values go with the label'
            when roc_auc <= 1 - {{ threshold }} then 'lower values go with the label'
        end as direction
    from association

)

select *, {{ run_id() }} as run_id from flagged
