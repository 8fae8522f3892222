{#-
  How many students each tier of the context indicator (student_context_indicator) holds, for all students
  and per persona: every tier is listed (zero included) with its share and its range of context scores.
  Raw counts; publish context_tier_counts_published instead. Empty when no label is declared.
-#}

with indicator as (

    select persona_id, tier, amber_at, red_at from {{ ref('student_context_indicator') }}

),

thresholds as (

    select any_value(amber_at) as amber_at, any_value(red_at) as red_at from indicator

),

tiers as (

    -- The tiers of student_context_indicator, in order, with the context scores each covers.
    select 1 as tier_order, 'GREEN' as tier, null::double as score_from, amber_at as score_below from thresholds
    union all
    select 2, 'AMBER', amber_at, red_at from thresholds
    union all
    select 3, 'RED', red_at, null::double from thresholds

),

counts as (

    select
        case when grouping(persona_id) = 1 then 'all students' else 'persona' end as scope,
        persona_id,
        tier,
        count(*) as n_students
    from indicator
    group by grouping sets ((tier), (persona_id, tier))

),

scopes as (

    select distinct scope, persona_id from counts

),

tiered as (

    select
        scopes.scope,
        scopes.persona_id,
        tiers.tier,
        tiers.tier_order,
        tiers.score_from::double as score_from,
        tiers.score_below::double as score_below,
        coalesce(counts.n_students, 0) as n_students,
        sum(coalesce(counts.n_students, 0)) over (partition by scopes.scope, scopes.persona_id)::bigint as scope_students
    from scopes
    cross join tiers
    left join counts
        on counts.scope = scopes.scope
        and counts.persona_id is not distinct from scopes.persona_id
        and counts.tier = tiers.tier

)

select
    *,
    n_students::double / scope_students as share,
    -- A tier holding more than 90% of its scope is a warning sign: the indicator does not discriminate.
    n_students > 0.9 * scope_students as holds_nearly_everyone,
    {{ run_id() }} as run_id
from tiered
