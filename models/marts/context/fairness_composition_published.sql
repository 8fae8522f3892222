{{ config(materialized='view') }}
{#- fairness_composition for publication: small counts, and the complementary counts that would reveal them,
    read 'suppressed', and no share is derived from them. -#}

with composition as (

    select * from {{ ref('fairness_composition') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

published as (

    select
        composition.protected_attribute,
        composition.group_value,
        composition.persona_id,
        composition.persona_name,
        {{ published_count('composition.n_students', 'cell.suppression') }} as n_students,
        {{ published_count('composition.group_total', 'group_total.suppression') }} as group_total,
        {{ published_value('composition.share_of_persona', 'cell.suppression') }} as share_of_persona,
        {{ published_value('composition.cohort_share', 'group_total.suppression') }} as cohort_share,
        {{ published_value('composition.share_difference', 'cell.suppression', 'group_total.suppression') }}
            as share_difference,
        {{ published_value('composition.representation_ratio', 'cell.suppression', 'group_total.suppression') }}
            as representation_ratio,
        coalesce(cell.suppression, group_total.suppression) is not null as is_suppressed,
        composition.run_id
    from composition
    left join suppression as cell
        on cell.cell_id = {{ cell_key("'composition'", 'composition.protected_attribute', 'composition.group_value',
            'composition.persona_id') }}
    left join suppression as group_total
        on group_total.cell_id = {{ cell_key("'group'", 'composition.protected_attribute', 'composition.group_value') }}

)

select * from published
