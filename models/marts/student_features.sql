{#-
  The model input, long form: one row per clean student and used feature. Numbers are min-max scaled
  to [0, 1]; categorical levels are weighted one-hot indicators (see feature_encoding). No id, label or
  protected column can appear here: only feature columns are encoded.
-#}

with encoding as (

    select * from {{ ref('feature_encoding') }}
    where is_used

),

numeric_values as (

    select * from {{ ref('int_student_numeric_values') }}

),

category_values as (

    select * from {{ ref('int_student_category_values') }}

),

scaled_numbers as (

    select
        numeric_values.student_id,
        encoding.feature_index,
        encoding.feature,
        {{ min_max_scale('numeric_values.value', 'encoding.min_value', 'encoding.max_value') }} as value
    from numeric_values
    inner join encoding
        on encoding.feature_kind = 'numeric'
        and encoding.source_column = numeric_values.source_column

),

one_hot_indicators as (

    select
        category_values.student_id,
        encoding.feature_index,
        encoding.feature,
        case when category_values.level = encoding.level then encoding.weight else 0.0 end as value
    from category_values
    inner join encoding
        on encoding.feature_kind = 'one_hot'
        and encoding.source_column = category_values.source_column

),

features as (

    select * from scaled_numbers
    union all
    select * from one_hot_indicators

)

select *, {{ run_id() }} as run_id from features
