"""Every student's placement gap split exactly into one part per encoded feature plus a baseline
(student_personas.explanations): wide, one row per student, contribution_j for feature_index j."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import explanations, warehouse

    ids, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"))
    components = warehouse.loadings_matrix(dbt.ref("int_factor_components"))
    score_ids, scores = warehouse.wide_matrix(dbt.ref("int_student_factor_scores"), "student_id", "factor_")
    persona_ids, centroids = warehouse.wide_matrix(dbt.ref("int_persona_centroids"), "persona_id", "factor_")
    assigned = dbt.ref("int_persona_assignments").order("student_id").to_arrow_table()
    assigned_ids = assigned.column("student_id").to_numpy(zero_copy_only=False)
    if not (np.array_equal(ids, score_ids) and np.array_equal(ids, assigned_ids)):
        raise ValueError("features, factor scores and persona assignments do not list the same students")
    own = np.searchsorted(persona_ids, assigned.column("persona_id").to_numpy())
    warehouse.progress(f"placement explanations for {len(ids):,} students")
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    table = warehouse.wide_table("student_id", ids, placed.parts, "contribution_")
    return table.add_column(1, "persona_id", pa.array(persona_ids[own], pa.int32())) \
        .add_column(2, "next_persona_id", pa.array(persona_ids[placed.next_persona], pa.int32())) \
        .add_column(3, "squared_distance_gap", pa.array(placed.gap, pa.float64())) \
        .add_column(4, "baseline", pa.array(placed.baseline, pa.float64()))
