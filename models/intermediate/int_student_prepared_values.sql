{#-
  Every feature value of every student record after the learned preparation (int_feature_preparation):
  missing values filled, extreme numbers clipped to the fitted cohort's bounds, each filled or clipped cell
  flagged so data_quality_summary (and a scoring batch's summary) can count them. With
  missing_values.indicator, a "<column> is missing" 0/1 feature is added for each column that had missing
  values in the fitted cohort.
-#}

with numeric_values as (

    select * from {{ ref('int_student_numeric_values') }}

),

category_values as (

    select * from {{ ref('int_student_category_values') }}

),

preparation as (

    select * from {{ ref('int_feature_preparation') }}

),

prepared_numbers as (

    select
        numeric_values.student_id,
        numeric_values.term,
        numeric_values.is_reference,
        numeric_values.is_fitted,
        numeric_values.source_column,
        numeric_values.source_column as feature_column,
        numeric_values.value as original_value,
        case
            when numeric_values.value is null then preparation.fill_value
            when numeric_values.value < preparation.clip_low then preparation.clip_low
            when numeric_values.value > preparation.clip_high then preparation.clip_high
            else numeric_values.value
        end as value,
        null::varchar as level,
        numeric_values.value is null as is_imputed,
        coalesce(numeric_values.value < preparation.clip_low or numeric_values.value > preparation.clip_high, false)
            as is_clipped
    from numeric_values
    inner join preparation using (source_column)

),

prepared_levels as (

    select
        category_values.student_id,
        category_values.term,
        category_values.is_reference,
        category_values.is_fitted,
        category_values.source_column,
        category_values.source_column as feature_column,
        null::double as original_value,
        null::double as value,
        coalesce(category_values.level, preparation.fill_level) as level,
        category_values.level is null as is_imputed,
        false as is_clipped
    from category_values
    inner join preparation using (source_column)

),

missing_indicators as (

    select
        numeric_values.student_id,
        numeric_values.term,
        numeric_values.is_reference,
        numeric_values.is_fitted,
        numeric_values.source_column,
        numeric_values.source_column || ' is missing' as feature_column,
        null::double as original_value,
        (numeric_values.value is null)::double as value,
        null::varchar as level,
        false as is_imputed,
        false as is_clipped
    from numeric_values
    inner join preparation using (source_column)
    where preparation.has_missing_indicator
    union all
    select
        category_values.student_id,
        category_values.term,
        category_values.is_reference,
        category_values.is_fitted,
        category_values.source_column,
        category_values.source_column || ' is missing',
        null::double,
        (category_values.level is null)::double,
        null::varchar,
        false,
        false
    from category_values
    inner join preparation using (source_column)
    where preparation.has_missing_indicator

)

select * from prepared_numbers
union all
select * from prepared_levels
union all
select * from missing_indicators
