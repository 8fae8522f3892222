{#-
  Every student's own value on every feature column against the cohort, in cohort standard deviations:
  the contrast that student-level reasons and supportive actions are phrased and ordered by.
  Numbers: (value - cohort mean) / cohort SD. Ordered categorical columns (levels declared in order):
  the level's position (1 = first declared level) standardized the same way, so a student at the first
  level of a column most of the cohort is above sits "below". Unordered categorical columns have no
  direction: their standardized value is null. A constant column's standardized value is null.
-#}

with column_roles as (

    select column_name as source_column, column_position, allowed_levels as declared_levels
    from {{ ref('int_column_roles') }}
    where role = 'feature'

),

prepared_values as (

    -- The fitted cohort's values as the model saw them (missing values filled, extremes clipped).
    select * from {{ ref('int_student_prepared_values') }}
    where is_reference and feature_column = source_column

),

numeric_values as (

    select student_id, term, source_column, value from prepared_values
    where level is null

),

category_values as (

    select student_id, term, source_column, level from prepared_values
    where level is not null

),

ordinal_values as (

    select
        category_values.student_id,
        category_values.term,
        category_values.source_column,
        category_values.level,
        list_position(column_roles.declared_levels, category_values.level)::double as level_position
    from category_values
    inner join column_roles using (source_column)

),

student_values as (

    select student_id, term, source_column, value as numeric_value, null::varchar as level, value as ordered_value
    from numeric_values
    union all
    select student_id, term, source_column, null::double as numeric_value, level, level_position as ordered_value
    from ordinal_values

),

cohort as (

    select
        source_column,
        {{ exact_mean('ordered_value') }} as cohort_mean,
        sqrt({{ exact_var_pop('ordered_value') }}) as cohort_sd
    from student_values
    group by source_column

),

standardized as (

    select
        student_values.student_id,
        student_values.term,
        student_values.source_column,
        column_roles.column_position,
        student_values.numeric_value,
        student_values.level,
        cohort.cohort_mean,
        cohort.cohort_sd,
        {{ standardized_difference('student_values.ordered_value', 'cohort.cohort_mean', 'cohort.cohort_sd') }}
            as standardized_value
    from student_values
    inner join cohort using (source_column)
    inner join column_roles using (source_column)

)

select
    *,
    case when standardized_value < 0 then 'below' when standardized_value > 0 then 'above' end as direction
from standardized
