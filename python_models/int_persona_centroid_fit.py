"""Persona centroids fitted on the reference cohort: best of the restarts on the selection sample, refined on every student."""


def model(dbt, session):
    from sklearn.cluster import KMeans

    from student_personas import personas, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    k = warehouse.chosen_value(dbt.ref("int_persona_k_selection"))
    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", fitted_only=True)
    sample = personas.seeded_sample(len(keys), settings["selection_sample_size"], settings["random_seed"])
    start = KMeans(n_clusters=k, n_init=settings["kmeans_restarts"], random_state=settings["random_seed"])
    start.fit(scores[sample])
    warehouse.progress(f"K-Means k={k} refined on {len(keys):,} students")
    centroids = personas.fit_centroids(scores, k, start.cluster_centers_)
    return warehouse.wide_table("persona_id", list(range(1, k + 1)), centroids, "factor_")
