{#-
  How each persona stands out, ranked: every persona × feature of persona_profiles with its rank by the
  size of the standardized difference (largest first, over all features, and over numeric columns
  alone), whether it distinguishes the persona (|difference| of at least var name_min_contrast, the
  threshold names use), and its direction for the support playbook: a numeric column is below or above
  the cohort by its sign; an ordered categorical column is 'below' when its first declared level is more
  common in the persona than in the cohort and 'above' when its last one is (unordered categories have no
  direction).
-#}

with profiles as (

    select * from {{ ref('persona_profiles') }}
    where standardized_difference is not null

),

column_roles as (

    select column_name as source_column, allowed_levels as declared_levels from {{ ref('int_column_roles') }}

),

ranked as (

    select
        profiles.persona_id,
        profiles.feature,
        profiles.source_column,
        profiles.level,
        case when profiles.level is null then 'number' else 'percent' end as value_kind,
        profiles.persona_mean,
        profiles.cohort_mean,
        profiles.standardized_difference,
        row_number() over (
            partition by profiles.persona_id
            order by abs(profiles.standardized_difference) desc, profiles.feature
        ) as contrast_rank,
        case when profiles.level is null then row_number() over (
            partition by profiles.persona_id, profiles.level is null
            order by abs(profiles.standardized_difference) desc, profiles.feature
        ) end as numeric_contrast_rank,
        abs(profiles.standardized_difference) >= {{ configured('name_min_contrast') }} as is_distinguishing,
        case
            when profiles.level is null
                then case when profiles.standardized_difference < 0 then 'below' else 'above' end
            when profiles.standardized_difference > 0 and profiles.level = column_roles.declared_levels[1] then 'below'
            when profiles.standardized_difference > 0 and profiles.level = column_roles.declared_levels[-1] then 'above'
        end as direction
    from profiles
    left join column_roles using (source_column)

)

select *, {{ run_id() }} as run_id from ranked
