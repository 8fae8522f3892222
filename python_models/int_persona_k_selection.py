"""K-Means sweep over k on a seeded sample of factor scores (silhouette, Davies-Bouldin, Calinski-Harabasz),
the silhouette the whole pipeline reaches on shuffled reference data, and the flat-curve rule."""


def model(dbt, session):
    from student_personas import personas, structure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", fitted_only=True)
    feature_keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    if not keys.equals(feature_keys):
        raise ValueError("int_persona_k_selection: factor scores and features do not list the same students")
    rank = warehouse.chosen_value(dbt.ref("int_factor_rank_selection"))
    low, high = settings["persona_k_range"]
    warehouse.require_students(len(keys), low + 1, f"sweeping k from {low}")
    sample = personas.seeded_sample(len(keys), settings["selection_sample_size"], settings["random_seed"])
    draws = settings["structure_reference_draws"]
    warehouse.progress(f"k sweep {low}-{high} on {sample.size:,} of {len(keys):,} students, {draws} reference draws")
    result = warehouse.in_own_process(
        structure.choose_k, x[sample], scores[sample], rank, range(low, high + 1), settings["kmeans_restarts"],
        settings["random_seed"], settings["silhouette_sample_size"], draws)
    sweep = result.sweep
    return warehouse.selection_table(
        "kmeans_k", "k", sweep.ks,
        {"silhouette": sweep.silhouette, "davies_bouldin": sweep.davies_bouldin,
         "calinski_harabasz": sweep.calinski_harabasz, "inertia": sweep.inertia},
        result.choice, sweep.rule + "; the smallest k within one reference SD of it", sample.size, "silhouette")
