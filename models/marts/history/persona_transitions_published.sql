{{ config(materialized='view', tags=['scoring']) }}
{#- persona_transitions for publication: a count from 1 to min_cell_size - 1, and the complementary counts
    that would reveal it, read 'suppressed', and no share is derived from either. -#}

with transitions as (

    select * from {{ ref('persona_transitions') }}

),

suppression as (

    select * from {{ ref('int_transition_suppression') }}

),

published as (

    select
        transitions.model_version,
        transitions.step,
        transitions.term_from,
        transitions.term_to,
        transitions.persona_from,
        transitions.persona_from_name,
        transitions.persona_to,
        transitions.persona_to_name,
        {{ published_count('transitions.students', 'suppression.suppression') }} as students,
        {{ published_value('transitions.share_of_from', 'suppression.suppression') }} as share_of_from,
        suppression.suppression is not null as is_suppressed,
        transitions.run_id
    from transitions
    left join suppression
        on suppression.cell_id = transitions.model_version || '|' || transitions.term_from || '|' || transitions.term_to
            || '|' || transitions.persona_from || '|' || transitions.persona_to

)

select * from published
