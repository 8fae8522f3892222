{{ config(post_hook="{{ stop_without_usable_features() }}") }}
{#-
  What the encoding learned on the reference cohort's prepared values (or, when scoring, the stored
  persona model's encoding): min and max of every numeric feature for min-max scaling, the levels of every
  categorical feature and the weight of its one-hot indicators, and each feature's cohort mean and standard
  deviation (for drift reports).

  Weights (macro variance_matching_weight, CTE reference_variance): a block of features with few values
  has far more variance than a min-max scaled continuous number (a 3-level column's indicators about 0.63,
  a number 10/11/12 scaled to 0/0.5/1 about 0.17, a continuous number about 0.02-0.08), and its few values
  form separate slabs that the factorisation and K-Means pick up whatever the other columns say. So each
  categorical column's indicators, and each number with at most discrete_max_levels distinct values, are
  weighted to carry at most the variance of the median continuous number (one with more values):
  weight = min(1, sqrt(reference variance / block variance)). Such a column then shapes the personas only
  as far as other columns vary with it. Continuous numbers keep weight 1.
-#}

{%- if is_scoring_run() %}

with stored as (

    select * from {{ source('persona_registry', 'persona_model_features') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

)

select * exclude (model_version, run_id), true as is_used, null::varchar as exclusion_reason from stored

{%- else %}

with column_roles as (

    select * from {{ ref('int_column_roles') }}

),

prepared_values as (

    select * from {{ ref('int_student_prepared_values') }}
    where is_fitted

),

declared_levels as (

    select column_name as source_column, unnest(allowed_levels) as level,
        generate_subscripts(allowed_levels, 1) as level_order
    from column_roles
    where role = 'feature' and kind = 'categorical' and allowed_levels is not null

),

numeric_stats as (

    select
        feature_column,
        any_value(source_column) as source_column,
        count(*) as n_students,
        count(value) as n_values,
        min(value) as min_value,
        max(value) as max_value,
        count(distinct value) as n_levels,
        {{ exact_mean('value') }} as mean_value,
        sqrt({{ exact_var_pop('value') }}) as sd_value,
        {{ exact_var_pop('value') }} / nullif((max(value) - min(value)) ^ 2, 0) as scaled_variance
    from prepared_values
    where level is null
    group by feature_column

),

reference_variance as (

    -- What a typical continuous feature carries: the median scaled variance of the numbers with more than
    -- discrete_max_levels values (of every non-constant number when there are none).
    select coalesce(
        median(scaled_variance) filter (where n_levels > {{ setting('discrete_max_levels') }}),
        median(scaled_variance)
    ) as reference_variance
    from numeric_stats
    where scaled_variance is not null

),

observed_levels as (

    select source_column, level, count(*) as n_students
    from prepared_values
    where level is not null
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
        level,
        n_students,
        n_students::double / nullif(sum(n_students) over (partition by source_column), 0) as share
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
        numeric_stats.feature_column as feature,
        'numeric' as feature_kind,
        numeric_stats.source_column,
        null::varchar as level,
        null::bigint as level_order,
        numeric_stats.n_students,
        numeric_stats.min_value,
        numeric_stats.max_value,
        numeric_stats.n_levels,
        numeric_stats.n_levels <= {{ setting('discrete_max_levels') }} as is_discrete,
        case
            when numeric_stats.n_levels <= {{ setting('discrete_max_levels') }} then {{ variance_matching_weight(
                'reference_variance.reference_variance', 'numeric_stats.scaled_variance') }}
            else 1.0
        end::double as weight,
        numeric_stats.mean_value,
        numeric_stats.sd_value,
        numeric_stats.feature_column <> numeric_stats.source_column as is_missing_indicator,
        case
            when numeric_stats.n_values = 0 then 'no values: every fitted record is missing this feature'
            when numeric_stats.n_values < numeric_stats.n_students then
                'missing values could not be filled (the missing-value constant is not a number)'
            when numeric_stats.max_value = numeric_stats.min_value then format(
                'constant: every record has the value {}', numeric_stats.min_value)
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
        category_blocks.n_levels_present <= {{ setting('discrete_max_levels') }} as is_discrete,
        {{ variance_matching_weight('reference_variance.reference_variance', 'category_blocks.block_variance') }}
            as weight,
        level_shares.share as mean_value,
        sqrt(level_shares.share * (1 - level_shares.share)) as sd_value,
        false as is_missing_indicator,
        case
            when category_blocks.n_levels_present > {{ setting('max_category_levels') }} then format(
                'column has {} levels, more than max_category_levels ({})',
                category_blocks.n_levels_present, {{ setting('max_category_levels') }})
            when category_blocks.n_levels_present <= 1 then 'constant: every record has the same level'
            when category_levels.n_students = 0 then 'declared level not present in the fitted records'
        end as exclusion_reason
    from category_levels
    inner join category_blocks using (source_column)
    inner join level_shares using (source_column, level)
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
            order by column_roles.column_position, all_features.is_missing_indicator, all_features.level_order
        ) end as feature_index,
        all_features.feature,
        all_features.feature_kind,
        all_features.source_column,
        all_features.level,
        all_features.level_order,
        case when all_features.is_missing_indicator then 'missing_indicator' else column_roles.origin end as origin,
        case when all_features.is_missing_indicator then all_features.source_column || ' is missing (1) or not (0)'
            else column_roles.formula end as formula,
        all_features.n_students,
        all_features.min_value,
        all_features.max_value,
        all_features.n_levels,
        all_features.is_discrete,
        all_features.weight,
        all_features.mean_value,
        all_features.sd_value,
        all_features.exclusion_reason is null as is_used,
        all_features.exclusion_reason
    from all_features
    inner join column_roles on column_roles.column_name = all_features.source_column

)

select * from indexed

{%- endif %}
