{#-
  How the sub-group of a persona that holds one (persona_subgroups) differs from the rest of its persona,
  on the original (unscaled) feature columns: both means, and the standardized difference in the persona's
  own standard deviations, ranked by its size. Categorical levels appear as shares, as in persona_profiles.
-#}

with subgroups as (

    select student_id, term, persona_id, subgroup_id from {{ ref('int_student_subgroups') }}
    where is_reference and subgroup_id is not null

),

feature_values as (

    select student_id, term, feature, source_column, level, value from {{ ref('int_student_feature_values') }}
    where is_reference

),

grouped_values as (

    select subgroups.persona_id, subgroups.subgroup_id, feature_values.*
    from feature_values
    inner join subgroups using (student_id, term)

),

by_side as (

    select
        persona_id,
        feature,
        any_value(source_column) as source_column,
        any_value(level) as level,
        count(*) filter (where subgroup_id = 2) as subgroup_students,
        count(*) filter (where subgroup_id = 1) as rest_students,
        {{ exact_mean('case when subgroup_id = 2 then value end') }} as subgroup_mean,
        {{ exact_mean('case when subgroup_id = 1 then value end') }} as rest_mean,
        sqrt({{ exact_var_pop('value') }}) as persona_sd
    from grouped_values
    group by persona_id, feature

),

ranked as (

    select
        *,
        {{ standardized_difference('subgroup_mean', 'rest_mean', 'persona_sd') }} as standardized_difference,
        row_number() over (
            partition by persona_id
            order by abs(coalesce({{ standardized_difference('subgroup_mean', 'rest_mean', 'persona_sd') }}, 0)) desc,
                feature
        ) as contrast_rank
    from by_side

)

select *, {{ run_id() }} as run_id from ranked
