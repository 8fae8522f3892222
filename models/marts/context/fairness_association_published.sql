{#-
  fairness_association for publication: the same statistics computed on the composition table as it is
  published. Every group with a withheld cell (fairness_composition_published) is pooled into one column,
  whose counts per persona are the persona's size minus its published cells, so every number the statistic
  uses can be worked out from published numbers and the statistic reveals nothing the table does not. When
  no or one group keeps all its cells, fewer than two columns remain and the statistics are null.
-#}

with composition as (

    select * from {{ ref('fairness_composition') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

withheld_groups as (

    select distinct composition.protected_attribute, composition.group_value
    from composition
    inner join suppression
        on suppression.cell_id = {{ cell_key("'composition'", 'composition.protected_attribute',
            'composition.group_value', 'composition.persona_id') }}
    where suppression.suppression is not null

),

pooled_cells as (

    select
        composition.protected_attribute,
        case when withheld_groups.group_value is null then composition.group_value end as group_value,
        composition.persona_id,
        sum(composition.n_students) as observed_count
    from composition
    left join withheld_groups using (protected_attribute, group_value)
    group by all

),

with_margins as (

    select
        *,
        sum(observed_count) over (partition by protected_attribute, group_value) as group_total,
        sum(observed_count) over (partition by protected_attribute, persona_id) as persona_total,
        sum(observed_count) over (partition by protected_attribute)::bigint as n_students
    from pooled_cells

),

chi_square as (

    select
        protected_attribute,
        any_value(n_students) as n_students,
        count(distinct coalesce(group_value, '')) as n_groups,
        count(*) filter (where group_value is null) > 0 as has_pooled_group,
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
        n_groups::bigint as n_groups,
        has_pooled_group,
        n_personas::bigint as n_personas,
        case when n_groups >= 2 then chi_square end as chi_square,
        case when n_groups >= 2 then (n_groups - 1) * (n_personas - 1) end as degrees_of_freedom,
        case when n_groups >= 2 then chi_square_p_value(chi_square, (n_groups - 1) * (n_personas - 1)) end as p_value,
        case when n_groups >= 2 then {{ cramers_v('chi_square', 'n_students', 'n_groups', 'n_personas') }} end
            as cramers_v,
        case when n_groups >= 2 then {{ cramers_v_corrected('chi_square', 'n_students', 'n_groups', 'n_personas') }} end
            as cramers_v_corrected
    from chi_square

)

select *, {{ run_id() }} as run_id from association
