{#- How reliably each persona reappears when the whole pipeline is refitted (bootstrap Jaccard, seed ARI). -#}

with stability as (

    select * from {{ ref('int_persona_stability') }}

),

judged as (

    select
        *,
        {{ var('stability_threshold') }}::double as stability_threshold,
        bootstrap_jaccard_mean >= {{ var('stability_threshold') }} as is_stable
    from stability

)

select *, {{ run_id() }} as run_id from judged
