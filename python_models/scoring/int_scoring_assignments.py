"""New students scored with a stored persona model: factor scores and nearest persona, never a refit."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import factors, personas, warehouse

    # dbt finds refs by parsing this file; one nested inside a subscripted chain is missed, so assign it.
    scoring_model = dbt.ref("stg_scoring_model")
    version = scoring_model.to_arrow_table().column("model_version")[0].as_py()
    of_version = f"model_version = '{version}'"
    ids, x = warehouse.feature_matrix(dbt.ref("int_scoring_feature_vectors"))
    loadings = warehouse.long_matrix(
        dbt.ref("persona_model_loadings").filter(of_version), "factor_id", "feature_index", "loading")[1]
    persona_ids, centroids = warehouse.long_matrix(
        dbt.ref("persona_model_centroids").filter(of_version), "persona_id", "factor_id", "centroid_value")
    warehouse.progress(f"scoring {len(ids):,} students with stored persona model {version}")
    nearest, distance, margin = personas.nearest_centroids(factors.factor_scores(x, loadings), centroids)
    return pa.table({
        "student_id": pa.array(ids),
        "persona_id": pa.array(persona_ids[nearest], pa.int32()),
        "distance_to_centroid": pa.array(distance, pa.float64()),
        "margin_to_next": pa.array(margin, pa.float64()),
        "model_version": pa.array([version] * len(ids), pa.string()),
    })
