{#-
  One row per factor: an automatic label from its three largest loadings, the share of the reconstruction
  it carries (with unit-norm loadings, factor j's part w_j h_jᵀ has squared norm Σ w_ij²), and its mean
  score over students.
-#}

with loadings as (

    select * from {{ ref('factor_loadings') }}

),

scores as (

    unpivot (select * from {{ ref('int_student_factor_scores') }} where is_reference)
    on columns('^factor_\d+$')
    into name factor_column value score

),

energy as (

    select
        cast(regexp_extract(factor_column, '\d+$') as integer) as factor_id,
        {{ exact_sum('score * score') }}::double as squared_norm,
        {{ exact_mean('score') }} as mean_score
    from scores
    group by factor_column

),

labels as (

    select
        factor_id,
        string_agg(feature, ' + ' order by rank_within_factor) filter (where rank_within_factor <= 3) as factor_label,
        list(feature order by rank_within_factor) filter (where rank_within_factor <= 5) as top_features
    from loadings
    group by factor_id

),

described as (

    select
        labels.factor_id,
        labels.factor_label,
        labels.top_features,
        energy.squared_norm / sum(energy.squared_norm) over () as reconstruction_share,
        energy.mean_score
    from labels
    inner join energy using (factor_id)

)

select *, {{ run_id() }} as run_id from described
