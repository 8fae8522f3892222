-- Queries of the page "Data quality & exploration" (data_quality.html.j2).
-- Each `-- name: <query>` block is one query, shown by the template as q.<query>.
-- {{ ref('table') }} reads a warehouse table handed over by python_models/report_pages.py;
-- {{ query('name') }} reads an earlier query of this file, rows('name') its result; settings holds the
-- report settings (dbt vars). Column names are never written here: they come from int_column_roles and
-- the feature_* marts. The statistics shown (distributions, correlations, fits) are computed in those
-- marts; these queries select, filter and order them. Queries over many columns are written out per
-- column with rows(): reading the wide stg_students column by column is much faster at a million students
-- than grouping the long form by id.

-- name: volumes
-- One row: volumes, duplicates and the feature count, straight from data_quality_summary_published (the
-- data-quality summary as it may be published: counts by label or protected group follow small-cell
-- suppression; these volumes never do).
select
    max(try_cast(count as bigint)) filter (where check_name = 'input_rows') as input_rows,
    max(try_cast(count as bigint)) filter (where check_name = 'clean_rows') as clean_rows,
    max(rate) filter (where check_name = 'clean_rows') as clean_share,
    max(try_cast(count as bigint)) filter (where check_name = 'rejected_rows') as rejected_rows,
    max(rate) filter (where check_name = 'rejected_rows') as rejected_share,
    max(try_cast(count as bigint)) filter (where check_name = 'duplicate_rows') as duplicate_rows,
    max(try_cast(count as bigint)) filter (where check_name = 'duplicate_ids') as duplicate_ids,
    max(try_cast(count as bigint)) filter (where check_name = 'feature_count') as feature_count,
    max(detail) filter (where check_name = 'feature_count') as feature_detail
from {{ ref('data_quality_summary_published') }}

-- name: label_prevalence
-- The context label's prevalence among clean rows with its Wilson 95% interval (no row without a label).
select column_name, count as positives, denominator as clean_rows, rate, ci_lower, ci_upper
from {{ ref('data_quality_summary_published') }}
where check_name = 'label_prevalence'

-- name: column_positions
-- Every input column with its position, to list per-column findings in file order.
select column_name, column_position, role, kind
from {{ ref('int_column_roles') }}

-- name: rejections_by_check
select summary.detail as check_name, summary.column_name, try_cast(summary.count as bigint) as n_rows, summary.rate
from {{ ref('data_quality_summary_published') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'rejected_by_check'
order by n_rows desc, positions.column_position, summary.detail

-- name: missing_values
-- Empty or missing-token cells per input column, counted on all input rows; a protected column's in the
-- fitted cohort (its "(not recorded)" group: published, so maybe 'suppressed').
select summary.column_name, positions.role, summary.count as n_missing, summary.count <> '0' as has_missing,
    summary.rate, summary.detail like '%fitted cohort%' as in_cohort
from {{ ref('data_quality_summary_published') }} as summary
inner join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'missing_values'
order by positions.column_position

-- name: range_violations
-- Values outside each configured range, counted on all input rows (such rows are rejected).
select summary.column_name, summary.detail as allowed_range, try_cast(summary.count as bigint) as n_rows, summary.rate
from {{ ref('data_quality_summary_published') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'range_violation'
order by positions.column_position

-- name: column_findings
-- Constant columns and features left out of the model input, with the reason.
select summary.column_name, summary.check_name, summary.detail
from {{ ref('data_quality_summary_published') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name in ('constant_column', 'excluded_feature')
order by positions.column_position, summary.check_name, summary.detail

-- name: column_reviews
-- Features to review before trusting the personas: term-like codes and names of protected attributes.
select summary.column_name, summary.check_name, summary.detail
from {{ ref('data_quality_summary_published') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name in ('term_like_feature', 'protected_like_feature')
order by positions.column_position, summary.check_name

-- name: numeric_summary
-- Centre and spread of each numeric feature column, in file order (feature_statistics).
select source_column, n_students, mean, standard_deviation, minimum, median, maximum
from {{ ref('feature_statistics') }}
order by column_position

-- name: numeric_histograms
-- Histogram bins counted in the warehouse (feature_distributions), so the page costs the same for any
-- number of students.
select source_column, bin_index, bin_start, bin_end, n_students
from {{ ref('feature_distributions') }}
order by column_position, bin_index

-- name: shown_columns
-- Categorical features the model uses, then protected attributes (shown for composition only), in file
-- order. A categorical column left out of the model (too many levels) is not charted: its levels are the
-- file's values, one student each.
select
    column_name,
    column_position,
    role,
    allowed_levels,
    case when role = 'protected' then 'protected attribute: audit only, never a model input'
         else 'categorical feature' end as role_note
from {{ ref('int_column_roles') }}
where role = 'protected' or (role = 'feature' and kind = 'categorical'
    and column_name in (select source_column from {{ ref('feature_encoding') }} where is_used))
order by role = 'protected', column_position

-- name: categorical_levels
-- Level counts of the shown columns, in declared level order, else most frequent first. Categorical
-- features: valid rows, those without a value as "(missing)". Protected attributes: the group sizes as
-- published (fairness_composition_published), so a group the small-cell rule withholds has no bar; the
-- chart's caption names it.
with level_counts as (

    {% for column in rows('shown_columns') if column.role != 'protected' %}
    select {{ column.column_name | sql_string }} as column_name,
        coalesce({{ column.column_name | sql_identifier }}::varchar, '(missing)') as level,
        count(*) as n_students
    from (select * from {{ ref('int_student_records') }} where is_reference)
    group by level
    union all
    {% endfor %}
    -- Named here too: with no categorical feature shown this select is the whole union.
    select distinct protected_attribute as column_name, group_value as level,
        try_cast(group_total as bigint) as n_students
    from {{ ref('fairness_composition_published') }}

),

withheld as (

    select column_name, string_agg(level, ', ' order by level) as levels
    from level_counts
    where n_students is null
    group by column_name

)

select
    level_counts.column_name,
    level_counts.level,
    level_counts.n_students,
    shown_columns.role_note || coalesce('; withheld by the small-cell rule: ' || withheld.levels, '') as role_note
from level_counts
inner join {{ query('shown_columns') }} as shown_columns using (column_name)
left join withheld using (column_name)
where level_counts.n_students is not null
order by
    shown_columns.role = 'protected',
    shown_columns.column_position,
    level_counts.level in ('(missing)', '(not recorded)'),
    list_position(shown_columns.allowed_levels, level_counts.level) nulls last,
    level_counts.n_students desc,
    level_counts.level

-- name: withheld_attributes
-- Protected attributes whose every group size is withheld by the small-cell rule (no chart to show).
select protected_attribute as column_name, string_agg(group_value, ', ' order by group_value) as levels
from (select distinct protected_attribute, group_value, group_total from {{ ref('fairness_composition_published') }})
group by protected_attribute
having bool_and(group_total = 'suppressed')
order by protected_attribute

-- name: correlations
-- Pearson r and Spearman ρ of every pair of numeric features used by the model, in file order, with each
-- pair's rank by strength (feature_correlations).
select x_column, y_column, n_students, pearson_r, pearson_p, spearman_rho, spearman_p, strength_rank
from {{ ref('feature_correlations') }}
where is_used
order by pair_index

-- name: bivariate_pairs
-- The pairs drawn as scatter plots (var report_bivariate_pairs, else the strongest), each with its
-- least-squares line and correlations, or the columns that keep it from being drawn.
select *
from {{ ref('feature_bivariate_fits') }}
order by pair_order

-- name: bivariate_statistics
select *
from {{ query('bivariate_pairs') }}
where is_drawable
order by pair_order

-- name: bivariate_cells
-- Each drawable pair's students counted in a grid of cells (feature_bivariate_bins): a published page draws
-- counts, never one student's pair of values.
select x_column, y_column, x_start, x_end, y_start, y_end, n_students
from {{ ref('feature_bivariate_bins') }}
order by pair_order, x_cell, y_cell

-- name: support_playbook
-- The editable playbook (seed support_playbook), columns of this input first, in file order.
select playbook.source_column, playbook.direction, playbook.action, playbook.rationale
from {{ ref('support_playbook') }} as playbook
left join {{ query('column_positions') }} as positions on positions.column_name = playbook.source_column
order by positions.column_position nulls last, playbook.source_column, playbook.direction, playbook.action

-- name: playbook_gaps
-- Feature columns of this input that the playbook has no action for.
select column_name
from {{ query('column_positions') }}
where role = 'feature'
    and column_name not in (select source_column from {{ ref('support_playbook') }})
order by column_position

-- name: outcome_proxies
-- Feature columns whose single-feature ROC-AUC for the label is at or beyond settings.outcome_proxy_auc:
-- they may encode the outcome itself. The flag only; the AUC stays in feature_label_association.
select summary.column_name, summary.detail
from {{ ref('data_quality_summary_published') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'outcome_proxy'
order by positions.column_position, summary.detail

-- name: event_coverage
-- With an event log, one row: the student records without any usable event (a state the personas see as
-- event_no_recorded_activity = 1, never a filled extreme). Empty without an event log.
select summary.count as n_without_events, summary.denominator as n_records, summary.rate
from {{ ref('data_quality_summary_published') }} as summary
where summary.check_name = 'students_without_events'

-- name: event_coverage_by
-- The share of student records with an event per value of the term and module-like columns, as the
-- preflight measured it; the least covered first.
select summary.column_name, summary.detail as level, summary.count as n_covered, summary.denominator as n_records,
    summary.rate
from {{ ref('data_quality_summary_published') }} as summary
where summary.check_name = 'event_coverage'
order by summary.column_name, summary.rate, summary.detail

-- name: events_rejected
-- Events set aside, by reason (each event under its first failed check), out of the events in the log.
select summary.detail as reason, summary.count as n_events, summary.rate
from {{ ref('data_quality_summary_published') }} as summary
where summary.check_name = 'events_rejected'
order by summary.count desc, summary.detail

-- name: event_periods
-- Each term's event period, which days and weeks are counted from.
select summary.column_name as term, summary.count as period_weeks
from {{ ref('data_quality_summary_published') }} as summary
where summary.check_name = 'event_period_weeks'
order by summary.column_name
