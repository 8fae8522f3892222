"""Every student record's persona: the nearest centroid (fitted or stored), the distance to it and the margin to the next."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import personas, warehouse

    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_")
    persona_ids, centroids = warehouse.wide_matrix(dbt.ref("int_persona_centroids"), "persona_id", "factor_")
    nearest, distance, margin = personas.nearest_centroids(scores, centroids)
    return warehouse.with_keys(keys, {
        "persona_id": pa.array(persona_ids[nearest], pa.int32()),
        "distance_to_centroid": pa.array(distance, pa.float64()),
        "margin_to_next": pa.array(margin, pa.float64()),
    })
