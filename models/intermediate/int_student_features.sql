{#-
  The model input, long form: one row per student record and used feature. Numbers are min-max scaled to
  [0, 1] with the fitted cohort's min and max and, for discrete numbers, weighted; categorical levels are
  weighted one-hot indicators (see int_feature_encoding). A value outside the fitted range (a later term, a scored batch) is flagged in
  is_outside_fitted_range: it is scaled to the nearest end, and counted wherever records are summarised.
  No id, label or protected column can appear here: only feature columns are encoded.
-#}

with encoding as (

    select * from {{ ref('int_feature_encoding') }}
    where is_used

),

prepared_values as (

    select * from {{ ref('int_student_prepared_values') }}

),

scaled_numbers as (

    select
        prepared_values.student_id,
        prepared_values.term,
        prepared_values.is_reference,
        prepared_values.is_fitted,
        encoding.feature_index,
        encoding.feature,
        encoding.weight * {{ min_max_scale('prepared_values.value', 'encoding.min_value', 'encoding.max_value') }}
            as value,
        prepared_values.value < encoding.min_value or prepared_values.value > encoding.max_value
            as is_outside_fitted_range
    from prepared_values
    inner join encoding
        on encoding.feature_kind = 'numeric'
        and encoding.feature = prepared_values.feature_column

),

one_hot_indicators as (

    select
        prepared_values.student_id,
        prepared_values.term,
        prepared_values.is_reference,
        prepared_values.is_fitted,
        encoding.feature_index,
        encoding.feature,
        case when prepared_values.level = encoding.level then encoding.weight else 0.0 end as value,
        false as is_outside_fitted_range
    from prepared_values
    inner join encoding
        on encoding.feature_kind = 'one_hot'
        and encoding.source_column = prepared_values.feature_column

)

select * from scaled_numbers
union all
select * from one_hot_indicators
