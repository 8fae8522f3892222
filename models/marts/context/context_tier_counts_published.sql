{{ config(materialized='view') }}
{#- context_tier_counts for publication: a tier count from 1 to min_cell_size - 1, and the complementary
    counts that would reveal it, read 'suppressed', and no share is derived from either. -#}

with tier_counts as (

    select * from {{ ref('context_tier_counts') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

published as (

    select
        tier_counts.scope,
        tier_counts.persona_id,
        tier_counts.tier,
        tier_counts.tier_order,
        tier_counts.score_from,
        tier_counts.score_below,
        {{ published_count('tier_counts.n_students', 'suppression.suppression') }} as n_students,
        tier_counts.scope_students,
        {{ published_value('tier_counts.share', 'suppression.suppression') }} as share,
        tier_counts.holds_nearly_everyone,
        suppression.suppression is not null as is_suppressed,
        tier_counts.run_id
    from tier_counts
    left join suppression
        on suppression.cell_id = case
            when tier_counts.scope = 'all students' then {{ cell_key("'tier'", 'tier_counts.tier') }}
            else {{ cell_key("'tier'", 'tier_counts.tier', "'persona'", 'tier_counts.persona_id') }}
        end

)

select * from published
