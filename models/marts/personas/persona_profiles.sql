{#-
  How each persona differs from the whole cohort on the original (unscaled) feature columns: mean and
  median per persona against the cohort, and the standardized difference in cohort standard deviations.
  Categorical levels appear as shares (mean of the indicator; standard deviation sqrt(p(1 - p))).
  Labels and protected attributes are not features, so they never appear here.
-#}

with assignments as (

    select student_id, term, persona_id from {{ ref('int_persona_assignments') }}
    where is_reference

),

feature_values as (

    select student_id, term, feature, source_column, level, value from {{ ref('int_student_feature_values') }}
    where is_reference

),

cohort as (

    select feature, {{ exact_mean('value') }} as cohort_mean, sqrt({{ exact_var_pop('value') }}) as cohort_sd
    from feature_values
    group by feature

),

by_persona as (

    select
        assignments.persona_id,
        feature_values.feature,
        any_value(feature_values.source_column) as source_column,
        any_value(feature_values.level) as level,
        count(*) as n_students,
        {{ exact_mean('feature_values.value') }} as persona_mean,
        case when any_value(feature_values.level) is null then median(feature_values.value) end as persona_median
    from feature_values
    inner join assignments using (student_id, term)
    group by assignments.persona_id, feature_values.feature

),

profiles as (

    select
        by_persona.persona_id,
        by_persona.source_column,
        by_persona.level,
        by_persona.feature,
        by_persona.n_students,
        by_persona.persona_mean,
        by_persona.persona_median,
        cohort.cohort_mean,
        cohort.cohort_sd,
        {{ standardized_difference('by_persona.persona_mean', 'cohort.cohort_mean', 'cohort.cohort_sd') }}
            as standardized_difference
    from by_persona
    inner join cohort using (feature)

)

select *, {{ run_id() }} as run_id from profiles
