"""Rank sweep for NMF on a seeded sample of the reference cohort: training and masked-entry held-out error."""


def model(dbt, session):
    from student_personas import factors, personas, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), reference_only=True)
    warehouse.require_features(x.shape[1])
    sample = personas.seeded_sample(len(keys), settings["selection_sample_size"], settings["random_seed"])
    low, high = settings["factor_rank_range"]
    warehouse.progress(f"rank sweep {low}-{high} on {sample.size:,} of {len(keys):,} students")
    sweep = warehouse.in_own_process(
        factors.sweep_ranks, x[sample], range(low, high + 1), settings["heldout_folds"], settings["random_seed"])
    return warehouse.selection_table(
        "nmf_rank", "rank", sweep.ranks,
        {"training_error": sweep.training_error, "heldout_mse": sweep.heldout_mse, "heldout_mse_se": sweep.heldout_se},
        sweep.chosen_rank, sweep.rule, sample.size)
