"""K-Means sweep over k on a seeded sample of factor scores (silhouette, Davies-Bouldin, Calinski-Harabasz),
the silhouette the whole pipeline reaches on shuffled reference data, and the flat-curve rule."""


def model(dbt, session):
    import numpy as np

    from student_personas import personas, structure, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    ids, scores = warehouse.wide_matrix(dbt.ref("int_student_factor_scores"), "student_id", "factor_")
    feature_ids, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"))
    if not np.array_equal(ids, feature_ids):
        raise ValueError("int_persona_k_selection: factor scores and features do not list the same students")
    rank = warehouse.chosen_value(dbt.ref("int_factor_rank_selection"))
    low, high = settings["persona_k_range"]
    warehouse.require_students(len(ids), low + 1, f"sweeping k from {low}")
    sample = personas.seeded_sample(len(ids), settings["selection_sample_size"], settings["random_seed"])
    draws = settings["structure_reference_draws"]
    warehouse.progress(f"k sweep {low}-{high} on {sample.size:,} of {len(ids):,} students, {draws} reference draws")
    result = warehouse.in_own_process(
        structure.choose_k, x[sample], scores[sample], rank, range(low, high + 1), settings["kmeans_restarts"],
        settings["random_seed"], settings["silhouette_sample_size"], draws)
    sweep = result.sweep
    return warehouse.selection_table(
        "kmeans_k", "k", sweep.ks,
        {"silhouette": sweep.silhouette, "davies_bouldin": sweep.davies_bouldin,
         "calinski_harabasz": sweep.calinski_harabasz, "inertia": sweep.inertia},
        result.choice, sweep.rule + "; the smallest k within one reference SD of it", sample.size, "silhouette")
