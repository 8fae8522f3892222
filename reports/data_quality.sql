-- Queries of the page "Data quality & exploration" (data_quality.html.j2).
-- Each `-- name: <query>` block is one query, shown by the template as q.<query>.
-- {{ ref('table') }} reads a warehouse table handed over by python_models/report_pages.py;
-- {{ query('name') }} reads an earlier query of this file, rows('name') its result; settings holds the
-- report settings (dbt vars). Column names are never written here: they come from stg_column_roles and
-- feature_encoding. Queries over many columns are written out per column with rows(): reading the wide
-- stg_students column by column is much faster at a million students than grouping the long form by id.

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

-- name: numeric_bin_counts
-- Bins per numeric column: at most 30, one per value when a column has fewer distinct values.
{% for column in rows('numeric_columns') %}
select {{ column.source_column | sql_string }} as source_column,
    least(count(distinct {{ column.source_column | sql_identifier }}), 30) as n_bins
from {{ ref('stg_students') }}
{{ "union all" if not loop.last }}
{% else %}
select null::varchar as source_column, null::bigint as n_bins where false
{% endfor %}

-- name: numeric_histograms
-- Histogram bins counted in SQL, so the page costs the same for any number of students. At most 30
-- equal-width bins between the column's min and max; a column with fewer distinct values gets one bin
-- per value, and a constant column one bin of width 1.
with bin_counts as (

    select * from {{ query('numeric_bin_counts') }}

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

-- name: shown_columns
-- Categorical features, then protected attributes (shown for composition only), in file order.
select
    column_name,
    column_position,
    role,
    declared_levels,
    case when role = 'protected' then 'protected attribute: audit only, never a model input'
         else 'categorical feature' end as role_note
from {{ ref('stg_column_roles') }}
where role = 'protected' or (role = 'feature' and kind = 'categorical')
order by role = 'protected', column_position

-- name: categorical_levels
-- Level counts of the shown columns, in declared level order, else most frequent first; clean rows
-- without a value count as "(missing)".
with level_counts as (

    {% for column in rows('shown_columns') %}
    select {{ column.column_name | sql_string }} as column_name,
        coalesce({{ column.column_name | sql_identifier }}::varchar, '(missing)') as level,
        count(*) as n_students
    from {{ ref('stg_students') }}
    group by level
    {{ "union all" if not loop.last }}
    {% else %}
    select null::varchar as column_name, null::varchar as level, null::bigint as n_students where false
    {% endfor %}

)

select
    level_counts.column_name,
    level_counts.level,
    level_counts.n_students,
    shown_columns.role_note
from level_counts
inner join {{ query('shown_columns') }} as shown_columns using (column_name)
order by
    shown_columns.role = 'protected',
    shown_columns.column_position,
    level_counts.level = '(missing)',
    list_position(shown_columns.declared_levels, level_counts.level) nulls last,
    level_counts.n_students desc,
    level_counts.level

-- name: correlation_pairs
-- Every unordered pair of numeric features used by the model, in file order.
with used_columns as (

    select source_column, column_position from {{ query('numeric_columns') }} where is_used

)

select
    x_columns.source_column as x_column,
    y_columns.source_column as y_column,
    row_number() over (order by x_columns.column_position, y_columns.column_position) as pair_index
from used_columns as x_columns
inner join used_columns as y_columns on x_columns.column_position < y_columns.column_position
order by pair_index

-- name: correlations
-- Pearson r of every pair on all clean students, with each pair's rank by strength (|r|, strongest first).
with coefficients as (

    {% for pair in rows('correlation_pairs') %}
    select {{ pair.pair_index }} as pair_index,
        regr_count({{ pair.y_column | sql_identifier }}, {{ pair.x_column | sql_identifier }}) as n_students,
        corr({{ pair.y_column | sql_identifier }}, {{ pair.x_column | sql_identifier }}) as pearson_r
    from {{ ref('stg_students') }}
    {{ "union all" if not loop.last }}
    {% else %}
    select null::bigint as pair_index, null::bigint as n_students, null::double as pearson_r where false
    {% endfor %}

)

select
    pairs.x_column,
    pairs.y_column,
    coefficients.n_students,
    coefficients.pearson_r,
    row_number() over (order by abs(coefficients.pearson_r) desc nulls last, pairs.pair_index) as strength_rank
from {{ query('correlation_pairs') }} as pairs
inner join coefficients using (pair_index)
order by pairs.pair_index

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

-- name: bivariate_statistics
-- For each drawable pair, over every clean student with both values: Pearson r, Spearman ρ (Pearson r of
-- the average ranks, ties sharing their mean rank, as scipy computes it) and the least-squares line.
{% for pair in rows('bivariate_pairs') if pair.is_drawable %}
select
    {{ pair.pair_order }} as pair_order,
    {{ pair.x_column | sql_string }} as x_column,
    {{ pair.y_column | sql_string }} as y_column,
    count(*) as n,
    corr(y, x) as pearson_r,
    corr(y_rank, x_rank) as spearman_rho,
    regr_slope(y, x) as slope,
    regr_intercept(y, x) as intercept
from (
    select
        x,
        y,
        rank() over (order by x) + (count(*) over (partition by x) - 1) / 2 as x_rank,
        rank() over (order by y) + (count(*) over (partition by y) - 1) / 2 as y_rank
    from (
        select {{ pair.x_column | sql_identifier }} as x, {{ pair.y_column | sql_identifier }} as y
        from {{ ref('stg_students') }}
    )
    where x is not null and y is not null
)
{{ "union all" if not loop.last }}
{% else %}
select null::bigint as pair_order, null::varchar as x_column, null::varchar as y_column, null::bigint as n,
    null::double as pearson_r, null::double as spearman_rho, null::double as slope, null::double as intercept
where false
{% endfor %}
order by pair_order

-- name: bivariate_sample
-- The points each scatter draws: a seeded sample of at most settings.scatter_sample_size students with
-- both values (ordered by a hash of id and seed, so the same students on every build).
{% for pair in rows('bivariate_pairs') if pair.is_drawable %}
(
    select
        {{ pair.pair_order }} as pair_order,
        {{ pair.x_column | sql_string }} as x_column,
        {{ pair.y_column | sql_string }} as y_column,
        {{ pair.x_column | sql_identifier }} as x,
        {{ pair.y_column | sql_identifier }} as y
    from {{ ref('stg_students') }}
    where {{ pair.x_column | sql_identifier }} is not null and {{ pair.y_column | sql_identifier }} is not null
    order by hash(student_id || ':' || {{ settings.sample_seed }}), student_id
    limit {{ settings.scatter_sample_size }}
)
{{ "union all" if not loop.last }}
{% else %}
select null::bigint as pair_order, null::varchar as x_column, null::varchar as y_column, null::double as x,
    null::double as y
where false
{% endfor %}

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
from {{ ref('data_quality_summary') }} as summary
left join {{ query('column_positions') }} as positions using (column_name)
where summary.check_name = 'outcome_proxy'
order by positions.column_position, summary.detail
