{#-
  Who is in each persona: for every protected attribute, persona × group counts, the group's share of
  the persona against its share of the cohort, and the ratio of the two (1 = represented as in the
  cohort). Raw counts; the published view suppresses small cells.
-#}

with groups as (

    select * from {{ ref('int_student_protected_groups') }}

),

assignments as (

    select student_id, term, persona_id, persona_name from {{ ref('persona_assignments') }}

),

observed as (

    select
        groups.protected_attribute,
        groups.group_value,
        assignments.persona_id,
        any_value(assignments.persona_name) as persona_name,
        count(*) as n_students
    from groups
    inner join assignments using (student_id, term)
    group by groups.protected_attribute, groups.group_value, assignments.persona_id

),

grid as (

    select attribute_groups.protected_attribute, attribute_groups.group_value, personas.persona_id,
        personas.persona_name
    from (select distinct protected_attribute, group_value from observed) as attribute_groups
    cross join (select distinct persona_id, persona_name from assignments) as personas

),

cells as (

    select grid.*, coalesce(observed.n_students, 0) as n_students
    from grid
    left join observed using (protected_attribute, group_value, persona_id)

),

composition as (

    select
        protected_attribute,
        group_value,
        persona_id,
        persona_name,
        n_students,
        sum(n_students) over (partition by protected_attribute, persona_id)::bigint as persona_total,
        sum(n_students) over (partition by protected_attribute, group_value)::bigint as group_total,
        sum(n_students) over (partition by protected_attribute)::bigint as cohort_total
    from cells

),

shares as (

    select
        *,
        n_students::double / persona_total as share_of_persona,
        group_total::double / cohort_total as cohort_share,
        n_students::double / persona_total - group_total::double / cohort_total as share_difference,
        (n_students::double / persona_total) / (group_total::double / cohort_total) as representation_ratio
    from composition

)

select *, {{ run_id() }} as run_id from shares
