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

contrasts as (

    select * from {{ ref('persona_subgroup_profiles') }}
    where abs(standardized_difference) >= {{ var('name_min_contrast') }}
        and (level is null or standardized_difference > 0)

),

phrased as (

    select
        contrasts.persona_id,
        contrasts.contrast_rank,
        case when contrasts.level is null then phrases.phrase else 'more often ' || phrases.phrase end as phrase
    from contrasts
    inner join phrases
        on phrases.source_column = contrasts.source_column
        and (
            (contrasts.level is null and phrases.level is null
                and phrases.direction = case when contrasts.standardized_difference < 0 then 'below' else 'above' end)
            or phrases.level = contrasts.level
        )

),

leading_phrases as (

    select persona_id, list(phrase order by contrast_rank) as phrases
    from phrased
    where contrast_rank <= 3
    group by persona_id

),

described as (

    select
        checks.persona_id,
        names.persona_name,
        sizes.persona_students,
        checks.has_subgroup,
        case when checks.has_subgroup then sizes.subgroup_students end as subgroup_students,
        case when checks.has_subgroup then sizes.subgroup_students / sizes.persona_students end as subgroup_share,
        checks.students_checked,
        checks.split_share,
        checks.reference_split_share,
        checks.split_gap,
        checks.split_gap_reference_sd,
        checks.reference_draws,
        {{ english_list('leading_phrases.phrases') }} as distinguishing_features,
        case
            when checks.has_subgroup then format(
                '{} of the {} students of "{}" ({:.0f}%) form a sub-group of their own{}. The personas, '
                || 'chosen for the whole cohort, keep them together; the sub-group is subgroup_id 2 in '
                || 'persona_assignments.',
                sizes.subgroup_students, sizes.persona_students, names.persona_name,
                100.0 * sizes.subgroup_students / sizes.persona_students,
                coalesce(', with ' || {{ english_list('leading_phrases.phrases') }} || ' than the rest of the persona', ''))
            when checks.split_share is null then format(
                '"{}" was not checked for a sub-group: it has too few students.', names.persona_name)
            else format('"{}" holds no distinct sub-group: its best split in two is not much cleaner than on '
                || 'copies with its columns shuffled.', names.persona_name)
        end as description,
        checks.check_note
    from checks
    inner join names using (persona_id)
    inner join sizes using (persona_id)
    left join leading_phrases using (persona_id)

)

select *, {{ run_id() }} as run_id from described
