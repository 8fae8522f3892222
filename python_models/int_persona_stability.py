"""Bootstrap and seed stability of the personas on a seeded sample, next to the bootstrap stability the same
pipeline reaches on shuffled reference data."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import personas, structure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    rank = warehouse.chosen_value(dbt.ref("int_factor_rank_selection"))
    k = warehouse.chosen_value(dbt.ref("int_persona_k_selection"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    assignments = dbt.ref("int_persona_assignments").filter("is_fitted").order("student_id, term").to_arrow_table()
    labels = assignments.column("persona_id").to_numpy() - 1
    sample = personas.seeded_sample(len(keys), settings["stability_sample_size"], settings["random_seed"])
    draws, reference_resamples = settings["structure_reference_draws"], settings["structure_reference_resamples"]
    warehouse.progress(
        f"stability: {settings['stability_resamples']} bootstrap refits and {settings['stability_seed_runs']} "
        f"seeded refits on {sample.size:,} students; {draws} reference draws x {reference_resamples} refits")
    result, reference = warehouse.in_own_processes(
        (personas.persona_stability, x[sample], labels[sample], rank, k, settings["kmeans_restarts"],
         settings["random_seed"], settings["stability_resamples"], settings["stability_seed_runs"]),
        (structure.reference_stability, x[sample], rank, k, settings["kmeans_restarts"], settings["random_seed"],
         draws, reference_resamples))
    seed_ari = result.seed_ari if result.seed_ari.size else np.array([np.nan])
    run_level = lambda value, kind=pa.float64(): pa.array(np.full(k, value), kind)  # noqa: E731
    return pa.table({
        "persona_id": pa.array(np.arange(1, k + 1), pa.int32()),
        "bootstrap_jaccard_mean": pa.array(result.jaccard.mean(axis=0)),
        "bootstrap_jaccard_min": pa.array(result.jaccard.min(axis=0)),
        "n_resamples": run_level(result.jaccard.shape[0], pa.int32()),
        "seed_ari_mean": run_level(seed_ari.mean()),
        "seed_ari_min": run_level(seed_ari.min()),
        "n_seed_runs": run_level(settings["stability_seed_runs"], pa.int32()),
        "sample_size": run_level(sample.size, pa.int32()),
        "reference_jaccard_mean": run_level(reference.mean()),
        "reference_jaccard_sd": run_level(reference.std(ddof=1) if reference.size > 1 else 0.0),
        "stability_bar": run_level(structure.stability_bar(reference)),
        "n_reference_draws": run_level(draws, pa.int32()),
    })
