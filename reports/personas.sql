-- Queries of the page "Personas" (personas.html.j2).
-- Each `-- name: <query>` block is one query, shown by the template as q.<query>.
-- Everything is aggregated in the warehouse, so the page costs about the same for any number of students
-- and shows no student's own values (the factor space is a grid of counts, persona_factor_bins).

-- name: rank_sweep
-- The NMF rank sweep, one row per rank: the notebook's training error and the held-out error with its
-- standard error across folds.
select
    parameter_value as rank,
    max(value) filter (where metric = 'training_error') as training_error,
    max(value) filter (where metric = 'heldout_mse') as heldout_mse,
    max(value) filter (where metric = 'heldout_mse_se') as heldout_mse_se,
    bool_or(is_chosen) as is_chosen,
    any_value(rule) as rule,
    any_value(sample_size) as sample_size
from {{ ref('model_selection') }}
where stage = 'nmf_rank'
group by parameter_value
order by parameter_value

-- name: k_sweep
-- The K-Means sweep, one row per k: silhouette (higher is better, chooses k), Davies-Bouldin (lower is
-- better), Calinski-Harabasz (higher is better) and inertia.
select
    parameter_value as k,
    max(value) filter (where metric = 'silhouette') as silhouette,
    max(value) filter (where metric = 'davies_bouldin') as davies_bouldin,
    max(value) filter (where metric = 'calinski_harabasz') as calinski_harabasz,
    max(value) filter (where metric = 'inertia') as inertia,
    bool_or(is_chosen) as is_chosen,
    any_value(rule) as rule,
    any_value(sample_size) as sample_size,
    case when bool_or(is_chosen) then 'chosen' else '' end as choice
from {{ ref('model_selection') }}
where stage = 'kmeans_k'
group by parameter_value
order by parameter_value

-- name: selection
-- One row: the chosen rank and k with their rules, and the rank training error alone would choose.
with ranks as (

    select
        max(rank) filter (where is_chosen) as chosen_rank,
        arg_min(rank, training_error) as rank_by_training_error,
        min(rank) as smallest_rank,
        max(rank) as largest_rank,
        any_value(rule) as rank_rule,
        any_value(sample_size) as rank_sample_size
    from {{ query('rank_sweep') }}

),

ks as (

    select
        max(k) filter (where is_chosen) as chosen_k,
        max(silhouette) filter (where is_chosen) as chosen_silhouette,
        min(k) as smallest_k,
        max(k) as largest_k,
        any_value(rule) as k_rule,
        any_value(sample_size) as k_sample_size
    from {{ query('k_sweep') }}

)

select * from ranks cross join ks

-- name: factors
-- One row per factor, largest share of the reconstruction first.
select
    factor_id,
    format('F{}', factor_id) as factor_code,
    factor_label,
    array_to_string(top_features, ', ') as top_features,
    reconstruction_share,
    mean_score
from {{ ref('factors') }}
order by factor_id

-- name: loadings
-- Every feature's loading on every factor, features in model order. Column headings carry the factor
-- label on several lines while it fits (up to six factors), else the factor code only.
select
    loadings.feature,
    case
        when (select count(*) from {{ query('factors') }}) <= 6
            then factors.factor_code || chr(10) || replace(factors.factor_label, ' + ', chr(10) || '+ ')
        else factors.factor_code
    end as factor_heading,
    loadings.loading
from {{ ref('factor_loadings') }} as loadings
inner join {{ query('factors') }} as factors using (factor_id)
order by loadings.feature_index, loadings.factor_id

-- name: svd_comparison
select factor_id, factor_label, svd_component, abs_cosine_similarity, svd_explained_variance_ratio
from {{ ref('svd_comparison') }}
order by factor_id

-- name: margins
-- Soft membership per persona: the median distance of its students to their own centre and to the next
-- one, and the share of students nearly as close to a second persona (the second centre less than 10%
-- further away than their own).
select
    persona_id,
    median(distance_to_centroid) as median_distance,
    median(margin_to_next) as median_margin,
    avg((margin_to_next < 0.1 * distance_to_centroid)::double) as near_boundary_share
from {{ ref('persona_assignments') }}
group by persona_id

-- name: margins_overall
select
    median(margin_to_next) as median_margin,
    median(distance_to_centroid) as median_distance,
    avg((margin_to_next < 0.1 * distance_to_centroid)::double) as near_boundary_share
from {{ ref('persona_assignments') }}

-- name: personas
-- One row per persona: name, size, description and stability; an unstable persona's display name says so.
select
    summary.persona_id,
    summary.persona_name,
    summary.display_name,
    summary.n_students,
    summary.share,
    summary.n_without_events,
    summary.n_without_events::double / summary.n_students as share_without_events,
    summary.description,
    summary.top_factors,
    summary.name_source,
    summary.is_stable,
    case when summary.is_stable then 'stable' else 'unstable' end as stability,
    stability.bootstrap_jaccard_mean,
    stability.bootstrap_jaccard_min,
    stability.seed_ari_mean,
    stability.stability_threshold,
    stability.n_resamples,
    margins.median_margin,
    margins.near_boundary_share
from {{ ref('persona_summary') }} as summary
inner join {{ ref('persona_stability') }} as stability using (persona_id)
inner join {{ query('margins') }} as margins using (persona_id)
order by summary.persona_id

-- name: subgroups
-- One row per persona: whether it holds a sub-group of its own (persona_subgroups), its size and evidence.
select persona_id, persona_name, persona_students, has_subgroup, subgroup_students, subgroup_share, split_share,
    reference_split_share, split_gap, distinguishing_features, description
from {{ ref('persona_subgroups') }}
order by persona_id

-- name: column_positions
select column_name as source_column, column_position, allowed_levels
from {{ ref('int_column_roles') }}

-- name: distinguishing
-- Each persona's most distinguishing features (persona_distinguishing_features): contrasts of at least
-- settings.min_contrast cohort SDs (the threshold the names use), at most six, largest first. Levels of
-- categorical columns are shares.
select persona_id, feature, persona_mean, cohort_mean, standardized_difference, value_kind, contrast_rank
from {{ ref('persona_distinguishing_features') }}
where is_distinguishing and contrast_rank <= 6
order by persona_id, contrast_rank

-- name: radar_spokes
-- The profile chart's rows: each persona's six most distinguishing numeric columns (whatever their size,
-- so every persona has a chart), in file order.
select features.persona_id, features.source_column, features.standardized_difference
from {{ ref('persona_distinguishing_features') }} as features
inner join {{ query('column_positions') }} as positions using (source_column)
where features.numeric_contrast_rank <= 6
order by features.persona_id, positions.column_position

-- name: persona_actions
-- Support playbook actions for each persona's distinguishing contrasts, matched by column and direction
-- (persona_distinguishing_features), largest contrast first.
select
    features.persona_id,
    features.source_column,
    features.direction,
    case
        when features.level is null then features.source_column
        else format('{} more often {}', features.source_column, features.level)
    end as contrast,
    features.standardized_difference,
    playbook.action,
    playbook.rationale
from {{ ref('persona_distinguishing_features') }} as features
inner join {{ ref('support_playbook') }} as playbook using (source_column, direction)
where features.is_distinguishing
order by features.persona_id, abs(features.standardized_difference) desc, features.source_column, playbook.action

-- name: factor_space_cells
-- The students on the two largest factors counted in a grid of cells, per persona (persona_factor_bins): a
-- published page draws counts, never one student's scores.
select x_start, x_end, y_start, y_end, persona_id, n_students
from {{ ref('persona_factor_bins') }}
order by x_cell, y_cell, persona_id

-- name: persona_centres
-- Each persona's centre on the two largest factors, with its display name for the legend.
with centres as (

    unpivot (select persona_id, columns('^factor_[0-9]+$') from {{ ref('int_persona_centroids') }})
    on columns('^factor_[0-9]+$')
    into name factor value score

)

select
    personas.persona_id,
    personas.display_name,
    max(centres.score) filter (where centres.factor = 'factor_1') as x,
    max(centres.score) filter (where centres.factor = 'factor_2') as y
from {{ query('personas') }} as personas
inner join centres using (persona_id)
group by personas.persona_id, personas.display_name
order by personas.persona_id

-- name: like_me_sql
-- The queries an analyst runs in any SQL client (the warehouse stores the macros), for any student id:
-- the published page names no student, so it shows a placeholder.
select
    format('select * from students_like(''<student id>'', {});',
        (select coalesce(max(neighbour_rank), 0) from {{ ref('students_like_me') }})) as neighbours_sql,
    'select * from peer_profiles where student_id = ''<student id>'';' as profile_sql,
    (select coalesce(max(neighbour_rank), 0) from {{ ref('students_like_me') }}) as k

-- name: like_me_by_persona
-- Per persona: for each student, the share of their most similar students who share their persona; then
-- its mean and median, and the share of students whose similar students all do, or at most half of them do.
with per_student as (

    select
        assignments.persona_id,
        count(*) filter (where like_me.neighbour_persona_id = assignments.persona_id) as peers_in_own_persona,
        count(*) as peers
    from {{ ref('students_like_me') }} as like_me
    inner join {{ ref('persona_assignments') }} as assignments using (student_id)
    group by like_me.student_id, assignments.persona_id

)

select
    personas.persona_id,
    personas.display_name,
    count(*) as n_students,
    avg(per_student.peers_in_own_persona / per_student.peers) as mean_share,
    median(per_student.peers_in_own_persona / per_student.peers) as median_share,
    avg((per_student.peers_in_own_persona = per_student.peers)::double) as all_in_own_persona,
    avg((2 * per_student.peers_in_own_persona <= per_student.peers)::double) as at_most_half_in_own_persona
from per_student
inner join {{ query('personas') }} as personas using (persona_id)
group by personas.persona_id, personas.display_name
order by personas.persona_id

-- name: batches
-- Every batch read so far (this fitting build's records, and each scoring run), per term, newest first.
select batch_kind, term, model_version, rows_read, valid_rows, rejected_rows, summary, recorded_at
from {{ ref('scoring_batches') }}
order by recorded_at desc, term

-- name: notable_drift
-- What moved most in each batch against the fitted cohort (batch_drift, is_notable).
select batch_id, term, aspect, item, fitted_value, batch_value, difference, standardized_difference
from {{ ref('batch_drift') }}
where is_notable
order by batch_id, term, aspect, abs(coalesce(standardized_difference, difference)) desc

-- name: transitions
-- Moves between personas from one term to the next for this build's model version, as published.
select step, term_from, term_to, term_from || ' → ' || term_to as term_pair, persona_from, persona_from_name,
    persona_to_name, students, share_of_from
from {{ ref('persona_transitions_published') }}
where model_version = (select model_version from {{ ref('persona_models') }} order by fitted_at desc limit 1)
order by step, persona_from, persona_to
-- ---- How much structure the personas rest on (structure_assessment, clustering_comparison) -------------

-- name: structure
-- The build's structure verdict with its evidence, and the verdict in words for the page.
select
    *,
    case verdict
        when 'clear' then 'Clear groups'
        when 'moderate' then 'Overlapping groups'
        when 'weak' then 'Soft segments of a continuum'
        else 'No group structure'
    end as verdict_label
from {{ ref('structure_assessment') }}

-- name: structure_evidence
-- Each statistic next to what the same pipeline reaches on shuffled reference data.
with stability as (

    select
        avg(bootstrap_jaccard_mean) as jaccard,
        any_value(reference_jaccard_mean) as reference_mean,
        any_value(reference_jaccard_sd) as reference_sd,
        any_value(stability_bar) as stability_bar
    from {{ ref('persona_stability') }}

)

select 1 as position, 'Silhouette of the personas (higher: better separated)' as statistic,
    silhouette as observed, silhouette_reference_mean as reference_mean, silhouette_reference_sd as reference_sd,
    silhouette_excess_sd as excess_sd
from {{ ref('structure_assessment') }}
union all
select 2, 'Held-out error at the chosen rank (lower: each column is recovered from the others)',
    heldout_mse, heldout_reference_mean, heldout_reference_sd, heldout_excess_sd
from {{ ref('structure_assessment') }}
union all
select 3, 'Bootstrap Jaccard, mean over personas (higher: reappears in refits)',
    jaccard, reference_mean, reference_sd, (jaccard - reference_mean) / nullif(reference_sd, 0)
from stability
order by position

-- name: selection_checks
-- Per sweep: the chosen and the best value, the criterion there against its shuffled reference, the range
-- swept, and the edge and flat-curve notes.
with criterion as (

    select
        stage,
        parameter_name,
        min(parameter_value) as smallest,
        max(parameter_value) as largest,
        max(parameter_value) filter (where is_chosen) as chosen,
        max(parameter_value) filter (where is_best) as best,
        max(value) filter (where is_chosen) as chosen_value,
        max(reference_mean) filter (where is_chosen) as reference_mean,
        max(reference_sd) filter (where is_chosen) as reference_sd,
        max(range_edge) filter (where is_chosen) as range_edge,
        max(choice_note) filter (where is_chosen) as choice_note
    from {{ ref('model_selection') }}
    where (stage = 'nmf_rank' and metric = 'heldout_mse') or (stage = 'kmeans_k' and metric = 'silhouette')
    group by stage, parameter_name

)

select
    case stage when 'nmf_rank' then 'Number of factors (held-out error)' else 'Number of personas (silhouette)' end
        as choice,
    chosen,
    best,
    format('{}–{}', smallest, largest) as range_swept,
    chosen_value,
    reference_mean,
    reference_sd,
    case range_edge
        when 'top' then 'at the top of the range: a larger value may fit better'
        when 'bottom' then 'at the bottom of the range: a smaller value was not tried'
        when 'only value' then 'the only value tried'
        else ''
    end as edge,
    coalesce(choice_note, '') as flat_curve
from criterion
order by stage desc

-- name: discrete_columns
-- Columns with few distinct values and the weight the encoding gives their features.
select source_column, any_value(n_levels) as n_levels, any_value(weight) as weight,
    any_value(feature_kind) as feature_kind
from {{ ref('feature_encoding') }}
where is_used and is_discrete
group by source_column
order by min(feature_index)

-- name: comparison
-- The personas next to other clusterers on the same students' factor scores.
select
    case method
        when 'kmeans' then 'K-Means (the personas)'
        when 'spectral' then 'Spectral clustering'
        when 'gaussian_mixture' then 'Gaussian mixture'
        else 'Ward hierarchical'
    end as method_label,
    method,
    k_rule,
    chosen_k,
    silhouette,
    ari_with_personas,
    case when method = 'kmeans' then '' when agrees_with_personas then 'agrees' else 'differs' end as agreement,
    sample_size
from {{ ref('clustering_comparison') }}
order by method <> 'kmeans', method
