{{ config(materialized='ephemeral') }}
{#- Every student record's value of every used feature on the original (unscaled) scale, long: a numeric
    feature's prepared value, and 0/1 for each level of a categorical column (the mean is then the level's
    share). What the persona and sub-group profiles average. -#}

with prepared_values as (

    select * from {{ ref('int_student_prepared_values') }}

),

encoding as (

    select * from {{ ref('int_feature_encoding') }}
    where is_used

),

numeric_values as (

    select prepared_values.student_id, prepared_values.term, prepared_values.is_reference, encoding.feature,
        encoding.source_column, encoding.level, prepared_values.value
    from prepared_values
    inner join encoding
        on encoding.feature_kind = 'numeric' and encoding.feature = prepared_values.feature_column

),

level_indicators as (

    select prepared_values.student_id, prepared_values.term, prepared_values.is_reference, encoding.feature,
        encoding.source_column, encoding.level, (prepared_values.level = encoding.level)::double as value
    from prepared_values
    inner join encoding
        on encoding.feature_kind = 'one_hot' and encoding.source_column = prepared_values.feature_column

)

select * from numeric_values
union all
select * from level_indicators
