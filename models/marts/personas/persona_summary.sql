{#-
  One row per persona for advisors and leadership: name, size, share, the factors it is strongest on
  (centroid score relative to the cohort's mean score), the most distinguishing columns, a one-line
  description, and its stability. Unstable personas say so in their description and in the display name
  every page and BI view shows; so do all personas when the structure assessment finds weak or no group
  structure, and a persona whose most distinguishing columns may encode the outcome
  (feature_label_association) is marked, with the columns listed.
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

structure as (

    select verdict from {{ ref('structure_assessment') }}

),

proxy_columns as (

    -- a column's strongest flag: may record the outcome, else associated with it
    select source_column, bool_or(proxy_kind in ('may_record', 'earlier_measurement')) as may_record
    from {{ ref('feature_label_association') }}
    where is_outcome_proxy
    group by source_column

),

-- The columns each persona's description and distinguishing_columns lead with: its three largest
-- contrasts of at least name_min_contrast SD.
leading_contrasts as (

    select persona_id, source_column
    from {{ ref('persona_profiles') }}
    where abs(standardized_difference) >= {{ configured('name_min_contrast') }}
    qualify row_number() over (
        partition by persona_id order by abs(standardized_difference) desc, source_column, level) <= 3

),

persona_proxies as (

    select
        leading_contrasts.persona_id,
        list(distinct leading_contrasts.source_column order by leading_contrasts.source_column) as outcome_proxy_columns,
        list(distinct leading_contrasts.source_column order by leading_contrasts.source_column)
            filter (where proxy_columns.may_record) as recording_columns,
        list(distinct leading_contrasts.source_column order by leading_contrasts.source_column)
            filter (where not proxy_columns.may_record) as associated_columns
    from leading_contrasts
    inner join proxy_columns using (source_column)
    group by leading_contrasts.persona_id

),

factors as (

    select factor_id, factor_label, mean_score from {{ ref('factors') }}

),

centroid_scores as (

    unpivot {{ ref('int_persona_centroids') }}
    on columns('^factor_\d+$')
    into name factor_column value centroid_score

),

records as (

    select student_id, term, has_recorded_events from {{ ref('int_student_records') }}

),

sizes as (

    select
        assignments.persona_id,
        count(*) as n_students,
        count(*) / sum(count(*)) over () as share,
        -- null without an event log (has_recorded_events is null for every record)
        case when count(records.has_recorded_events) > 0
            then count(*) filter (where not records.has_recorded_events) end as n_without_events
    from assignments
    inner join records using (student_id, term)
    group by assignments.persona_id

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
        sizes.n_without_events,
        top_factors.top_factors,
        names.distinguishing_columns,
        case when stability.is_stable then ''
            else format('Unstable grouping (bootstrap Jaccard {:.2f}; stable needs at least {:.2f} and more than '
                '{:.2f}, what groups found in shuffled data reach): ', stability.bootstrap_jaccard_mean,
                stability.stability_threshold, stability.stability_bar)
        end
        || case structure.verdict
            when 'none' then 'Not a distinct group (the data show no group structure beyond chance): '
            when 'weak' then 'Soft segment of a continuum, not a distinct group: '
            else ''
        end
        || names.description
        || case when len(persona_proxies.recording_columns) > 0 then format(
            ' Distinguished partly by {}, which may record the outcome itself (on its own it separates the label '
            'almost perfectly, or it is an earlier measurement of the label''s column): this persona may be the '
            'outcome under another name; read its outcome rate with care.',
            array_to_string(persona_proxies.recording_columns, ', '))
            else ''
        end
        || case when len(persona_proxies.associated_columns) > 0 then format(
            ' Distinguished partly by {}, which is associated with the outcome (single-feature ROC-AUC at least '
            '{:.2f} or at most {:.2f}).',
            array_to_string(persona_proxies.associated_columns, ', '),
            {{ configured('outcome_proxy_auc') }}, 1 - {{ configured('outcome_proxy_auc') }})
            else ''
        end as description,
        stability.bootstrap_jaccard_mean,
        stability.is_stable,
        structure.verdict as structure_verdict,
        coalesce(persona_proxies.outcome_proxy_columns, []::varchar[]) as outcome_proxy_columns,
        names.name_source
    from sizes
    inner join names using (persona_id)
    inner join stability using (persona_id)
    inner join top_factors using (persona_id)
    cross join structure
    left join persona_proxies using (persona_id)

)

select *, {{ run_id() }} as run_id from summary
