{#-
  For every protected attribute: how strongly persona membership is associated with the attribute.
  Pearson's chi-square on the persona × group table (expected counts from the margins), its p-value,
  Cramér's V and the bias-corrected V (Bergsma 2013). Protected attributes never trained the personas;
  this checks whether the personas nevertheless line up with protected groups.
-#}

with groups as (

    select * from {{ ref('int_student_protected_groups') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('persona_assignments') }}

),

observed as (

    select groups.protected_attribute, groups.group_value, assignments.persona_id, count(*) as observed_count
    from groups
    inner join assignments using (student_id, term)
    group by groups.protected_attribute, groups.group_value, assignments.persona_id

),

grid as (

    select attribute_groups.protected_attribute, attribute_groups.group_value, attribute_personas.persona_id
    from (select distinct protected_attribute, group_value from observed) as attribute_groups
    inner join (select distinct protected_attribute, persona_id from observed) as attribute_personas
        using (protected_attribute)

),

cells as (

    select
        grid.protected_attribute,
        grid.group_value,
        grid.persona_id,
        coalesce(observed.observed_count, 0) as observed_count
    from grid
    left join observed using (protected_attribute, group_value, persona_id)

),

with_margins as (

    select
        *,
        sum(observed_count) over (partition by protected_attribute, group_value) as group_total,
        sum(observed_count) over (partition by protected_attribute, persona_id) as persona_total,
        sum(observed_count) over (partition by protected_attribute)::bigint as n_students
    from cells

),

chi_square as (

    select
        protected_attribute,
        any_value(n_students) as n_students,
        count(distinct group_value) as n_groups,
        count(distinct persona_id) as n_personas,
        {{ exact_sum(chi_square_term('observed_count', 'group_total', 'persona_total', 'n_students')) }}::double
            as chi_square
    from with_margins
    group by protected_attribute

),

association as (

    select
        protected_attribute,
        n_students,
        n_groups,
        n_personas,
        chi_square,
        (n_groups - 1) * (n_personas - 1) as degrees_of_freedom,
        chi_square_p_value(chi_square, (n_groups - 1) * (n_personas - 1)) as p_value,
        {{ cramers_v('chi_square', 'n_students', 'n_groups', 'n_personas') }} as cramers_v,
        {{ cramers_v_corrected('chi_square', 'n_students', 'n_groups', 'n_personas') }} as cramers_v_corrected
    from chi_square

)

select *, {{ run_id() }} as run_id from association
