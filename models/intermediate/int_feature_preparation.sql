{#-
  How each feature's missing values are filled and its extreme values clipped, learned on the reference
  cohort (or, in a scoring run, loaded from the stored persona model, so new students are prepared
  exactly as the fitted ones were).

  Missing values (var missing_values, per column in int_column_roles.missing_policy): numbers take the
  median (or mean, or a constant), categories a "(not recorded)" level (or the commonest level, or a
  constant); `reject` rejects the row in staging instead. Clipping (var clip_outliers): quantile winsorising
  at the fitted cohort's quantiles, or Tukey's fences Q1 - m·IQR, Q3 + m·IQR (none when the IQR is 0, since
  fences at a single value would clip every other value).
-#}
{%- set missing = configured('missing_values') -%}
{%- set clipping = configured('clip_outliers') -%}
{%- set quantiles = clipping.get('quantiles', [0.001, 0.999]) -%}

{%- if is_scoring_run() %}

with stored as (

    select * from {{ source('persona_registry', 'persona_model_preparation') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

)

select * exclude (model_version, run_id) from stored

{%- else %}

with roles as (

    select * from {{ ref('int_column_roles') }}
    where role = 'feature'

),

numeric_values as (

    select * from {{ ref('int_student_numeric_values') }}
    where is_fitted

),

category_values as (

    select * from {{ ref('int_student_category_values') }}
    where is_fitted

),

numeric_stats as (

    select
        source_column,
        count(*) as n_records,
        count(value) as n_present,
        median(value) as median_value,
        {{ exact_mean('value') }} as mean_value,
        quantile_cont(value, {{ sql_number(quantiles[0]) }}) as quantile_low,
        quantile_cont(value, {{ sql_number(quantiles[1]) }}) as quantile_high,
        quantile_cont(value, 0.25) as first_quartile,
        quantile_cont(value, 0.75) as third_quartile
    from numeric_values
    group by source_column

),

level_counts as (

    select source_column, level, count(*) as n_records
    from category_values
    where level is not null
    group by source_column, level

),

category_stats as (

    select
        category_values.source_column,
        count(*) as n_records,
        count(category_values.level) as n_present,
        (select first(level_counts.level order by level_counts.n_records desc, level_counts.level)
         from level_counts where level_counts.source_column = category_values.source_column) as commonest_level
    from category_values
    group by category_values.source_column

),

numeric_preparation as (

    select
        roles.column_name as source_column,
        'numeric' as kind,
        roles.missing_policy,
        roles.missing_constant,
        case roles.missing_policy
            when 'median' then numeric_stats.median_value
            when 'mean' then numeric_stats.mean_value
            when 'constant' then try_cast(roles.missing_constant as double)
        end as fill_value,
        null::varchar as fill_level,
        roles.clip_method,
        case roles.clip_method
            when 'quantile' then numeric_stats.quantile_low
            when 'iqr' then case when numeric_stats.third_quartile > numeric_stats.first_quartile then
                numeric_stats.first_quartile - {{ sql_number(clipping.get('iqr_multiplier', 3.0)) }}
                    * (numeric_stats.third_quartile - numeric_stats.first_quartile) end
        end as clip_low,
        case roles.clip_method
            when 'quantile' then numeric_stats.quantile_high
            when 'iqr' then case when numeric_stats.third_quartile > numeric_stats.first_quartile then
                numeric_stats.third_quartile + {{ sql_number(clipping.get('iqr_multiplier', 3.0)) }}
                    * (numeric_stats.third_quartile - numeric_stats.first_quartile) end
        end as clip_high,
        numeric_stats.n_records,
        numeric_stats.n_present
    from roles
    inner join numeric_stats on numeric_stats.source_column = roles.column_name
    where roles.kind = 'numeric'

),

category_preparation as (

    select
        roles.column_name as source_column,
        'categorical' as kind,
        roles.missing_policy,
        roles.missing_constant,
        null::double as fill_value,
        case roles.missing_policy
            when 'level' then '(not recorded)'
            when 'mode' then category_stats.commonest_level
            when 'constant' then roles.missing_constant
        end as fill_level,
        null::varchar as clip_method,
        null::double as clip_low,
        null::double as clip_high,
        category_stats.n_records,
        category_stats.n_present
    from roles
    inner join category_stats on category_stats.source_column = roles.column_name
    where roles.kind = 'categorical'

),

preparation as (

    select
        *,
        {{ 'true' if missing.get('indicator', false) else 'false' }} and n_present < n_records as has_missing_indicator
    from (
        select * from numeric_preparation
        union all
        select * from category_preparation
    )

)

select * from preparation

{%- endif %}
