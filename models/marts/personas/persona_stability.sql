{#-
  How reliably each persona reappears when the whole pipeline is refitted (bootstrap Jaccard, seed ARI),
  against what the same pipeline reaches on shuffled reference data. A persona is stable when its Jaccard
  reaches stability_threshold and exceeds the reference clusters' (stability_bar): more stable than noise.
-#}

with stability as (

    select * from {{ ref('int_persona_stability') }}

),

judged as (

    select
        persona_id,
        bootstrap_jaccard_mean,
        bootstrap_jaccard_min,
        n_resamples,
        seed_ari_mean,
        seed_ari_min,
        n_seed_runs,
        sample_size,
        reference_jaccard_mean,
        reference_jaccard_sd,
        stability_bar,
        n_reference_draws,
        bootstrap_jaccard_mean > stability_bar as is_above_reference,
        {{ configured('stability_threshold') }}::double as stability_threshold,
        bootstrap_jaccard_mean >= {{ configured('stability_threshold') }} and bootstrap_jaccard_mean > stability_bar
            as is_stable
    from stability

)

select *, {{ run_id() }} as run_id from judged
