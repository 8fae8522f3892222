"""Rank sweep for NMF on a seeded sample: training error and masked-entry held-out error per rank, the
held-out error the same fit reaches on shuffled reference data, and the flat-curve rule."""


def model(dbt, session):
    from student_personas import personas, structure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    warehouse.require_features(x.shape[1])
    sample = personas.seeded_sample(len(keys), settings["selection_sample_size"], settings["random_seed"])
    low, high = settings["factor_rank_range"]
    draws = settings["structure_reference_draws"]
    warehouse.progress(f"rank sweep {low}-{high} on {sample.size:,} of {len(keys):,} students, {draws} reference draws")
    result = warehouse.in_own_process(
        structure.choose_rank, x[sample], range(low, high + 1), settings["heldout_folds"], settings["random_seed"],
        draws)
    sweep = result.sweep
    return warehouse.selection_table(
        "nmf_rank", "rank", sweep.ranks,
        {"training_error": sweep.training_error, "heldout_mse": sweep.heldout_mse, "heldout_mse_se": sweep.heldout_se},
        result.choice, sweep.rule if sweep.direct else sweep.rule + "; the smallest rank within one reference SD of it",
        sample.size, "heldout_mse")
