-- Queries of the page "Data quality & exploration" (data_quality.html.j2).
-- Each `-- name: <query>` block is one query, shown by the template as q.<query>.
-- {{ ref('table') }} reads a warehouse table handed over by python_models/report_pages.py;
-- {{ query('name') }} reads an earlier query of this file; settings holds the report settings (dbt vars).
-- Column names are never written here: they come from stg_column_roles and feature_encoding.

-- name: volumes
-- One row: volumes, duplicates and the feature count, straight from data_quality_summary.
select
    max(count) filter (where check_name = 'input_rows') as input_rows,
    max(count) filter (where check_name = 'clean_rows') as clean_rows,
    max(rate) filter (where check_name = 'clean_rows') as clean_share,
    max(count) filter (where check_name = 'rejected_rows') as rejected_rows,
    max(rate) filter (where check_name = 'rejected_rows') as rejected_share,
    max(count) filter (where check_name = 'duplicate_rows') as duplicate_rows,
    max(count) filter (where check_name = 'duplicate_ids') as duplicate_ids,
    max(count) filter (where check_name = 'feature_count') as feature_count,
    max(detail) filter (where check_name = 'feature_count') as feature_detail
from {{ ref('data_quality_summary') }}

-- name: label_prevalence
-- The context label's prevalence among clean rows with its Wilson 95% interval (no row without a label).
select column_name, count as positives, denominator as clean_rows, rate, ci_lower, ci_upper
from {{ ref('data_quality_summary') }}
where check_name = 'label_prevalence'

-- name: column_positions
-- Every input column with its position, to list per-column findings in file order.
select column_name, column_position, role, kind
from {{ ref('stg_column_roles') }}

-- name: rejections_by_check
select summary.detail as check_name, summary.column_name, summary.count as n_rows, summary.rate
from {{ ref('data_quality_summary') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'rejected_by_check'
order by summary.count desc, positions.column_position, summary.detail

-- name: rejected_row_examples
-- The first rejected rows in file order, with every reason; all of them are in student_rejects.
select source_row_number, student_id, column_name, check_name, reason
from {{ ref('student_rejects') }}
order by source_row_number
limit 20

-- name: missing_values
-- Empty or missing-token cells per input column, counted on all input rows.
select summary.column_name, positions.role, summary.count as n_missing, summary.rate
from {{ ref('data_quality_summary') }} as summary
inner join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'missing_values'
order by positions.column_position

-- name: range_violations
-- Values outside each configured range, counted on all input rows (such rows are rejected).
select summary.column_name, summary.detail as allowed_range, summary.count as n_rows, summary.rate
from {{ ref('data_quality_summary') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'range_violation'
order by positions.column_position

-- name: column_findings
-- Constant columns and features left out of the model input, with the reason.
select summary.column_name, summary.check_name, summary.detail
from {{ ref('data_quality_summary') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name in ('constant_column', 'excluded_feature')
order by positions.column_position, summary.check_name, summary.detail

-- name: numeric_columns
-- Numeric feature columns in file order, with the range the encoding learned from the clean rows.
select encoding.source_column, positions.column_position, encoding.min_value, encoding.max_value, encoding.is_used
from {{ ref('feature_encoding') }} as encoding
inner join {{ query('column_positions') }} as positions on positions.column_name = encoding.source_column
where encoding.feature_kind = 'numeric'

-- name: numeric_summary
select
    numeric_columns.source_column,
    count(*) as n_students,
    avg(numeric_values.value) as mean,
    stddev_samp(numeric_values.value) as standard_deviation,
    min(numeric_values.value) as minimum,
    median(numeric_values.value) as median,
    max(numeric_values.value) as maximum
from {{ query('numeric_columns') }} as numeric_columns
inner join {{ ref('int_student_numeric_values') }} as numeric_values using (source_column)
group by numeric_columns.source_column, numeric_columns.column_position
order by numeric_columns.column_position

-- name: numeric_histograms
-- Histogram bins counted in SQL, so the page costs the same for any number of students. At most 30
-- equal-width bins between the column's min and max; a column with fewer distinct values gets one bin
-- per value, and a constant column one bin of width 1.
with bin_counts as (

    select source_column, least(count(distinct value), 30) as n_bins
    from {{ ref('int_student_numeric_values') }}
    group by source_column

),

bin_layout as (

    select
        numeric_columns.source_column,
        numeric_columns.column_position,
        numeric_columns.min_value,
        bin_counts.n_bins,
        coalesce(nullif(numeric_columns.max_value - numeric_columns.min_value, 0) / bin_counts.n_bins, 1) as bin_width
    from {{ query('numeric_columns') }} as numeric_columns
    inner join bin_counts using (source_column)

),

binned as (

    select
        bin_layout.source_column,
        bin_layout.column_position,
        least(floor((numeric_values.value - bin_layout.min_value) / bin_layout.bin_width), bin_layout.n_bins - 1)
            as bin_index,
        bin_layout.min_value,
        bin_layout.bin_width
    from {{ ref('int_student_numeric_values') }} as numeric_values
    inner join bin_layout using (source_column)

)

select
    source_column,
    bin_index,
    min_value + bin_index * bin_width as bin_start,
    min_value + (bin_index + 1) * bin_width as bin_end,
    count(*) as n_students
from binned
group by source_column, column_position, bin_index, min_value, bin_width
order by column_position, bin_index

-- name: categorical_levels
-- Level counts of categorical features, then of protected attributes (shown for composition only), in
-- declared level order, else most frequent first; clean rows without a value count as "(missing)".
with cells as (

    unpivot (select columns(* exclude (student_id, source_row_number))::varchar from {{ ref('stg_students') }})
    on columns(*)
    into name column_name value level

),

shown_columns as (

    select
        column_name,
        column_position,
        role,
        declared_levels,
        case when role = 'protected' then 'protected attribute: audit only, never a model input'
             else 'categorical feature' end as role_note
    from {{ ref('stg_column_roles') }}
    where role = 'protected' or (role = 'feature' and kind = 'categorical')

),

level_counts as (

    select column_name, level, count(*) as n_students
    from cells
    semi join shown_columns using (column_name)
    group by column_name, level

),

missing_counts as (

    select
        shown_columns.column_name,
        '(missing)' as level,
        (select count(*) from {{ ref('stg_students') }}) - coalesce(sum(level_counts.n_students), 0) as n_students
    from shown_columns
    left join level_counts using (column_name)
    group by shown_columns.column_name

),

all_levels as (

    select * from level_counts
    union all
    select * from missing_counts where n_students > 0

)

select
    all_levels.column_name,
    all_levels.level,
    all_levels.n_students,
    shown_columns.role_note
from all_levels
inner join shown_columns using (column_name)
order by
    shown_columns.role = 'protected',
    shown_columns.column_position,
    all_levels.level = '(missing)',
    list_position(shown_columns.declared_levels, all_levels.level) nulls last,
    all_levels.n_students desc,
    all_levels.level

-- name: correlations
-- Pearson r of every pair of numeric features used by the model, on all clean students, with each
-- pair's rank by strength (|r|, strongest first). One row per unordered pair, in file order.
-- Each student's values are first gathered into one vector, so the pairs are read from a stream of
-- students x pairs rather than from a join that would hold students x pairs rows in memory.
with used_columns as (

    select source_column, column_position, row_number() over (order by column_position) as vector_index
    from {{ query('numeric_columns') }}
    where is_used

),

student_vectors as (

    select numeric_values.student_id, list(numeric_values.value order by used_columns.vector_index) as vector
    from {{ ref('int_student_numeric_values') }} as numeric_values
    inner join used_columns using (source_column)
    group by numeric_values.student_id

),

column_pairs as (

    select
        x_columns.source_column as x_column,
        y_columns.source_column as y_column,
        x_columns.vector_index as x_index,
        y_columns.vector_index as y_index
    from used_columns as x_columns
    inner join used_columns as y_columns on x_columns.vector_index < y_columns.vector_index

)

select
    column_pairs.x_column,
    column_pairs.y_column,
    count(*) as n_students,
    corr(student_vectors.vector[column_pairs.x_index], student_vectors.vector[column_pairs.y_index]) as pearson_r,
    row_number() over (
        order by abs(pearson_r) desc nulls last, column_pairs.x_index, column_pairs.y_index
    ) as strength_rank
from student_vectors
cross join column_pairs
group by column_pairs.x_column, column_pairs.y_column, column_pairs.x_index, column_pairs.y_index
order by column_pairs.x_index, column_pairs.y_index

-- name: bivariate_pairs
-- The configured x/y pairs (var report_bivariate_pairs), each marked drawable when both are numeric
-- features of this input, else with a note naming what is missing.
with requested as (

    select unnest(pairs) as pair, generate_subscripts(pairs, 1) as pair_order
    from (select from_json({{ settings.bivariate_pairs | tojson | sql_string }}, '[{"x": "varchar", "y": "varchar"}]') as pairs)

),

numeric_names as (

    select list(source_column) as names from {{ query('numeric_columns') }}

)

select
    requested.pair_order,
    requested.pair.x as x_column,
    requested.pair.y as y_column,
    list_contains(numeric_names.names, requested.pair.x) and list_contains(numeric_names.names, requested.pair.y)
        as is_drawable,
    concat_ws(' and ',
        case when not list_contains(numeric_names.names, requested.pair.x) then requested.pair.x end,
        case when not list_contains(numeric_names.names, requested.pair.y) then requested.pair.y end
    ) as missing_columns
from requested
cross join numeric_names
order by requested.pair_order

-- name: bivariate_values
-- Both values of every drawable pair for every clean student: the statistics use all of them.
select pairs.x_column, pairs.y_column, x_values.value as x, y_values.value as y
from {{ query('bivariate_pairs') }} as pairs
inner join {{ ref('int_student_numeric_values') }} as x_values on x_values.source_column = pairs.x_column
inner join {{ ref('int_student_numeric_values') }} as y_values
    on y_values.source_column = pairs.y_column and y_values.student_id = x_values.student_id
where pairs.is_drawable
order by pairs.pair_order, x_values.student_id

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
