{#-
  Sub-groups inside the personas, one row per persona: whether its students hold a group of their own that
  the personas keep together (student_personas.subgroups: a split in two much cleaner than on copies of the
  persona with its columns shuffled), its size, the evidence, the features that set it apart (the largest
  contrasts of persona_subgroup_profiles, of at least name_min_contrast persona SDs) and one plain sentence.
  A sub-group found so far differed from the rest of its persona on a few columns only (docs/events.md),
  which is why the personas, chosen for the whole cohort, did not separate it.
-#}

with checks as (

    select * from {{ ref('int_persona_subgroup_fit') }}

),

names as (

    select persona_id, persona_name from {{ ref('int_persona_names') }}

),

sizes as (

    select
        persona_id,
        count(*) as persona_students,
        count(*) filter (where subgroup_id = 2) as subgroup_students
    from {{ ref('int_student_subgroups') }}
    where is_reference
    group by persona_id

),

phrases as (

    select * from {{ ref('int_feature_phrases') }}

),

-- The contrasts a sentence can name: at least name_min_contrast persona SDs; a categorical level only when
-- the sub-group has more of it (its other levels then have less), re-ranked after that filter.
contrasts as (

    select
        *,
        row_number() over (
            partition by persona_id order by abs(standardized_difference) desc, feature) as phrase_rank
    from {{ ref('persona_subgroup_profiles') }}
    where abs(standardized_difference) >= {{ configured('name_min_contrast') }}
        and (level is null or standardized_difference > 0)

),

-- A numeric column's phrase by direction, a level's phrase by level; a feature without a phrase of its own
-- (a "<column> is missing" indicator) by its name.
phrased as (

    select
        contrasts.persona_id,
        contrasts.phrase_rank,
        case
            when contrasts.level is not null then 'more often ' || coalesce(phrases.phrase, contrasts.feature)
            when phrases.phrase is not null then phrases.phrase
            else case when contrasts.standardized_difference > 0 then 'more often ' else 'less often ' end
                || contrasts.feature
        end as phrase
    from contrasts
    left join phrases
        on (contrasts.level is null and phrases.level is null and phrases.source_column = contrasts.feature
            and phrases.direction = case when contrasts.standardized_difference < 0 then 'below' else 'above' end)
        or (contrasts.level is not null and phrases.source_column = contrasts.source_column
            and phrases.level = contrasts.level)

),

leading_phrases as (

    select persona_id, {{ english_list('list(phrase order by phrase_rank)') }} as distinguishing_features
    from phrased
    where phrase_rank <= 3
    group by persona_id

),

measured as (

    select
        checks.*,
        names.persona_name,
        sizes.persona_students,
        case when checks.has_subgroup then sizes.subgroup_students end as subgroup_students,
        case when checks.has_subgroup then sizes.subgroup_students / sizes.persona_students end as subgroup_share,
        leading_phrases.distinguishing_features
    from checks
    inner join names using (persona_id)
    inner join sizes using (persona_id)
    left join leading_phrases using (persona_id)

),

described as (

    select
        persona_id,
        persona_name,
        persona_students,
        has_subgroup,
        subgroup_students,
        subgroup_share,
        students_checked,
        split_share,
        reference_split_share,
        split_gap,
        split_gap_reference_sd,
        reference_draws,
        distinguishing_features,
        case
            when has_subgroup then format(
                '{:,} of the {:,} students of "{}" ({:.0f}%) form a sub-group of their own{}. The personas, '
                || 'chosen for the whole cohort, keep them together; the sub-group is subgroup_id 2 in '
                || 'persona_assignments.',
                subgroup_students, persona_students, persona_name, 100.0 * subgroup_share,
                coalesce(', with ' || distinguishing_features || ' than the rest of the persona', ''))
            when split_share is null then format('"{}" was not checked for a sub-group: {}.', persona_name,
                regexp_replace(check_note, '^not checked: ', ''))
            else format('"{}" holds no distinct sub-group: its best split in two is not much cleaner than on '
                || 'copies with its columns shuffled.', persona_name)
        end as description,
        check_note
    from measured

)

select *, {{ run_id() }} as run_id from described
