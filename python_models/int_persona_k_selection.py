"""K-Means sweep over k on a seeded sample of reference factor scores: silhouette, Davies-Bouldin, Calinski-Harabasz."""


def model(dbt, session):
    from student_personas import personas, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", reference_only=True)
    low, high = settings["persona_k_range"]
    warehouse.require_students(len(keys), low + 1, f"sweeping k from {low}")
    sample = personas.seeded_sample(len(keys), settings["selection_sample_size"], settings["random_seed"])
    warehouse.progress(f"k sweep {low}-{high} on {sample.size:,} of {len(keys):,} students")
    sweep = warehouse.in_own_process(personas.sweep_k, scores[sample], range(low, high + 1),
                                     settings["kmeans_restarts"], settings["random_seed"],
                                     settings["silhouette_sample_size"])
    return warehouse.selection_table(
        "kmeans_k", "k", sweep.ks,
        {"silhouette": sweep.silhouette, "davies_bouldin": sweep.davies_bouldin,
         "calinski_harabasz": sweep.calinski_harabasz, "inertia": sweep.inertia},
        sweep.chosen_k, sweep.rule, sample.size)
