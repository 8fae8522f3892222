{#-
  How many students each tier of the context indicator (student_context_indicator) holds, for all students
  and per persona: every tier is listed (zero included) with its share and its range of context scores.
  Raw counts; publish context_tier_counts_published instead. Empty when no label is declared.
-#}

with indicator as (

    select persona_id, tier from {{ ref('student_context_indicator') }}

),

tiers as (

    -- The tiers of student_context_indicator, in order, with the context scores each covers.
    select * from (values
        (1, 'GREEN', null, {{ var('context_amber_at') }}),
        (2, 'AMBER', {{ var('context_amber_at') }}, {{ var('context_red_at') }}),
        (3, 'RED', {{ var('context_red_at') }}, null)
    ) as tiers (tier_order, tier, score_from, score_below)

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

select *, n_students::double / scope_students as share, {{ run_id() }} as run_id from tiered
