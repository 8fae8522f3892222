"""Other clusterers on a seeded sample of the same factor scores, against the K-Means personas."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import comparison, personas, structure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", fitted_only=True)
    assignments = dbt.ref("int_persona_assignments").filter("is_fitted").order("student_id, term").to_arrow_table()
    labels = assignments.column("persona_id").to_numpy()
    k = warehouse.chosen_value(dbt.ref("int_persona_k_selection"))
    sample = personas.seeded_sample(len(keys), settings["comparison_sample_size"], settings["random_seed"])
    low, high = settings["persona_k_range"]
    warehouse.progress(f"clustering comparison on {sample.size:,} of {len(keys):,} students")
    result = warehouse.in_own_process(comparison.compare, scores[sample], labels[sample], range(low, high + 1),
                                      settings["random_seed"])
    agreement = structure.Rules().agreement_ari
    methods = ["kmeans", *(r.method for r in result.results)]
    rules = ["highest silhouette of the K-Means sweep (the personas)", *(r.k_rule for r in result.results)]
    chosen = [k, *(r.chosen_k for r in result.results)]
    ari = [1.0, *(result.ari[r.method] for r in result.results)]
    return pa.table({
        "method": methods,
        "k_rule": rules,
        "chosen_k": pa.array(chosen, pa.int32()),
        "silhouette": pa.array([result.silhouettes[m] for m in methods], pa.float64()),
        "ari_with_personas": pa.array(ari, pa.float64()),
        "agrees_with_personas": pa.array(np.array(ari) >= agreement),
        "agreement_ari": pa.array(np.full(len(methods), agreement)),
        "sample_size": pa.array(np.full(len(methods), sample.size), pa.int32()),
    })
