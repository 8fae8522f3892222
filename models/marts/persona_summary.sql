{#-
  One row per persona for advisors and leadership: name, size, share, the factors it is strongest on
  (centroid score relative to the cohort's mean score), the most distinguishing columns, a one-line
  description, and its stability. Unstable personas say so in their description and in the display name
  every page and BI view shows.
-#}

with assignments as (

    select * from {{ ref('int_persona_assignments') }}
    where is_reference

),

names as (

    select * from {{ ref('int_persona_names') }}

),

stability as (

    select * from {{ ref('persona_stability') }}

),

factors as (

    select factor_id, factor_label, mean_score from {{ ref('factors') }}

),

centroid_scores as (

    unpivot {{ ref('int_persona_centroids') }}
    on columns('^factor_\d+$')
    into name factor_column value centroid_score

),

sizes as (

    select persona_id, count(*) as n_students, count(*) / sum(count(*)) over () as share
    from assignments
    group by persona_id

),

factor_strength as (

    select
        centroid_scores.persona_id,
        factors.factor_id,
        factors.factor_label,
        centroid_scores.centroid_score / nullif(factors.mean_score, 0) as relative_strength
    from centroid_scores
    inner join factors
        on factors.factor_id = cast(regexp_extract(centroid_scores.factor_column, '\d+$') as integer)

),

top_factors as (

    select
        persona_id,
        string_agg(format('F{} {} ({:.1f}x cohort)', factor_id, factor_label, relative_strength), '; '
            order by relative_strength desc, factor_id) filter (where strength_rank <= 2) as top_factors
    from (
        select *, row_number() over (partition by persona_id order by relative_strength desc, factor_id) as strength_rank
        from factor_strength
    )
    group by persona_id

),

summary as (

    select
        sizes.persona_id,
        names.persona_name,
        case when stability.is_stable then names.persona_name else names.persona_name || ' (unstable)' end
            as display_name,
        sizes.n_students,
        sizes.share,
        top_factors.top_factors,
        names.distinguishing_columns,
        case when stability.is_stable then names.description
            else format('Unstable grouping (bootstrap Jaccard {:.2f}, below {:.2f}): ',
                stability.bootstrap_jaccard_mean, stability.stability_threshold) || names.description
        end as description,
        stability.bootstrap_jaccard_mean,
        stability.is_stable,
        names.name_source
    from sizes
    inner join names using (persona_id)
    inner join stability using (persona_id)
    inner join top_factors using (persona_id)

)

select *, {{ run_id() }} as run_id from summary
