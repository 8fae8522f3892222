"""Every student's persona: the nearest centroid, the distance to it and the margin to the next one."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import personas, warehouse

    ids, scores = warehouse.wide_matrix(dbt.ref("int_student_factor_scores"), "student_id", "factor_")
    persona_ids, centroids = warehouse.wide_matrix(dbt.ref("int_persona_centroids"), "persona_id", "factor_")
    nearest, distance, margin = personas.nearest_centroids(scores, centroids)
    return pa.table({
        "student_id": pa.array(ids),
        "persona_id": pa.array(persona_ids[nearest], pa.int32()),
        "distance_to_centroid": pa.array(distance, pa.float64()),
        "margin_to_next": pa.array(margin, pa.float64()),
    })
