{#-
  What the encoding learned, so that new students can be encoded identically later: min and max of every
  numeric feature, the levels of every categorical feature and the weight of its one-hot indicators.

  Weights (macro variance_matching_weight, CTE reference_variance): a block of features with few values
  has far more variance than a min-max scaled continuous number (a 3-level column's indicators about 0.63,
  a number 10/11/12 scaled to 0/0.5/1 about 0.17, a continuous number about 0.02-0.08), and its few values
  form separate slabs that the factorisation and K-Means pick up whatever the other columns say. So each
  categorical column's indicators, and each number with at most discrete_max_levels distinct values, are
  weighted to carry at most the variance of the median continuous number (one with more values):
  weight = min(1, sqrt(reference variance / block variance)). Such a column then shapes the personas only
  as far as other columns vary with it. Continuous numbers keep weight 1.
-#}
with column_roles as (

    select * from {{ ref('stg_column_roles') }}

),

numeric_values as (

    select * from {{ ref('int_student_numeric_values') }}

),

category_values as (

    select * from {{ ref('int_student_category_values') }}

),

declared_levels as (

    select column_name as source_column, unnest(declared_levels) as level,
        generate_subscripts(declared_levels, 1) as level_order
    from column_roles
    where declared_levels is not null

),

numeric_stats as (

    select
        source_column,
        count(*) as n_students,
        min(value) as min_value,
        max(value) as max_value,
        count(distinct value) as n_levels,
        {{ exact_var_pop('value') }} / nullif((max(value) - min(value)) ^ 2, 0) as scaled_variance
    from numeric_values
    group by source_column

),

reference_variance as (

    -- What a typical continuous feature carries: the median scaled variance of the numbers with more than
    -- discrete_max_levels values (of every non-constant number when there are none).
    select coalesce(
        median(scaled_variance) filter (where n_levels > {{ var('discrete_max_levels') }}),
        median(scaled_variance)
    ) as reference_variance
    from numeric_stats
    where scaled_variance is not null

),

observed_levels as (

    select source_column, level, count(*) as n_students
    from category_values
    group by source_column, level

),

category_levels as (

    select
        source_column,
        coalesce(observed_levels.level, declared_levels.level) as level,
        coalesce(observed_levels.n_students, 0) as n_students,
        declared_levels.level_order
    from observed_levels
    full outer join declared_levels using (source_column, level)

),

level_shares as (

    select
        source_column,
        n_students,
        n_students::double / sum(n_students) over (partition by source_column) as share
    from category_levels

),

category_blocks as (

    select
        source_column,
        count(*) filter (where n_students > 0) as n_levels_present,
        sum(share * (1 - share)) as block_variance
    from level_shares
    group by source_column

),

numeric_features as (

    select
        numeric_stats.source_column as feature,
        'numeric' as feature_kind,
        numeric_stats.source_column,
        null::varchar as level,
        null::bigint as level_order,
        numeric_stats.n_students,
        numeric_stats.min_value,
        numeric_stats.max_value,
        numeric_stats.n_levels,
        numeric_stats.n_levels <= {{ var('discrete_max_levels') }} as is_discrete,
        case
            when numeric_stats.n_levels <= {{ var('discrete_max_levels') }} then {{ variance_matching_weight(
                'reference_variance.reference_variance', 'numeric_stats.scaled_variance') }}
            else 1.0
        end::double as weight,
        case
            when numeric_stats.max_value = numeric_stats.min_value then format(
                'constant: every clean row has the value {}', numeric_stats.min_value)
        end as exclusion_reason
    from numeric_stats
    cross join reference_variance

),

one_hot_features as (

    select
        category_levels.source_column || '=' || category_levels.level as feature,
        'one_hot' as feature_kind,
        category_levels.source_column,
        category_levels.level,
        coalesce(
            category_levels.level_order,
            dense_rank() over (partition by category_levels.source_column order by category_levels.level)
        ) as level_order,
        category_levels.n_students,
        0.0::double as min_value,
        1.0::double as max_value,
        category_blocks.n_levels_present as n_levels,
        category_blocks.n_levels_present <= {{ var('discrete_max_levels') }} as is_discrete,
        {{ variance_matching_weight('reference_variance.reference_variance', 'category_blocks.block_variance') }}
            as weight,
        case
            when category_blocks.n_levels_present > {{ var('max_category_levels', 50) }} then format(
                'column has {} levels, more than max_category_levels ({})',
                category_blocks.n_levels_present, {{ var('max_category_levels', 50) }})
            when category_blocks.n_levels_present <= 1 then 'constant: every clean row has the same level'
            when category_levels.n_students = 0 then 'declared level not present in the clean rows'
        end as exclusion_reason
    from category_levels
    inner join category_blocks using (source_column)
    cross join reference_variance

),

all_features as (

    select * from numeric_features
    union all
    select * from one_hot_features

),

indexed as (

    select
        case when all_features.exclusion_reason is null then row_number() over (
            partition by all_features.exclusion_reason is null
            order by column_roles.column_position, all_features.level_order
        ) end as feature_index,
        all_features.feature,
        all_features.feature_kind,
        all_features.source_column,
        all_features.level,
        all_features.level_order,
        all_features.n_students,
        all_features.min_value,
        all_features.max_value,
        all_features.n_levels,
        all_features.is_discrete,
        all_features.weight,
        all_features.exclusion_reason is null as is_used,
        all_features.exclusion_reason
    from all_features
    inner join column_roles on column_roles.column_name = all_features.source_column

)

select *, {{ run_id() }} as run_id from indexed
