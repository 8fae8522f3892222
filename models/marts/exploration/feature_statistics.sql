{#-
  Centre and spread of every numeric feature column over the clean students, in file order: what the
  data-quality page's distribution table shows, so a BI tool reads the same figures.
-#}

with column_roles as (

    select column_name as source_column, column_position
    from {{ ref('stg_column_roles') }}
    where role = 'feature' and kind = 'numeric'

),

encoding as (

    select source_column, is_used, exclusion_reason
    from {{ ref('feature_encoding') }}
    where feature_kind = 'numeric'

),

numeric_values as (

    select source_column, value from {{ ref('int_student_numeric_values') }}

),

statistics as (

    select
        source_column,
        count(value) as n_students,
        {{ exact_mean('value') }} as mean,
        sqrt({{ exact_var_pop('value') }} * count(value) / nullif(count(value) - 1, 0)) as standard_deviation,
        min(value) as minimum,
        median(value) as median,
        max(value) as maximum,
        count(distinct value) as n_distinct
    from numeric_values
    group by source_column

),

described as (

    select
        column_roles.source_column,
        column_roles.column_position::bigint as column_position,
        coalesce(statistics.n_students, 0) as n_students,
        statistics.mean,
        statistics.standard_deviation,
        statistics.minimum,
        statistics.median,
        statistics.maximum,
        coalesce(statistics.n_distinct, 0) as n_distinct,
        coalesce(encoding.is_used, false) as is_used,
        encoding.exclusion_reason
    from column_roles
    left join statistics using (source_column)
    left join encoding using (source_column)

)

select *, {{ run_id() }} as run_id from described
