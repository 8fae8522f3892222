"""Every student's placement gap split exactly into one part per feature column plus a baseline
(student_personas.explanations), long: one row per student and feature column, ranked by pull, and one
baseline row per student (feature null), which also carries the whole gap."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import explanations, warehouse

    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), reference_only=True)
    components = warehouse.loadings_matrix(dbt.ref("int_factor_loadings"))
    score_keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", reference_only=True)
    persona_ids, centroids = warehouse.wide_matrix(dbt.ref("int_persona_centroids"), "persona_id", "factor_")
    assigned = dbt.ref("int_persona_assignments").filter("is_reference").order("student_id, term").to_arrow_table()
    encoding = dbt.ref("int_feature_encoding").filter("is_used").order("feature_index") \
        .project("source_column").fetchall()
    if not (keys.equals(score_keys) and keys.select(list(warehouse.KEY_COLUMNS)).equals(
            assigned.select(list(warehouse.KEY_COLUMNS)))):
        raise ValueError("features, factor scores and persona assignments do not list the same students")
    ids = keys.column("student_id").to_numpy(zero_copy_only=False)
    terms = keys.column("term").to_numpy(zero_copy_only=False)
    own = np.searchsorted(persona_ids, assigned.column("persona_id").to_numpy())
    warehouse.progress(f"placement explanations for {len(ids):,} students")
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    columns, parts = explanations.column_parts(placed.parts, [row[0] for row in encoding])
    n_students, n_columns = parts.shape
    rows_per_student = n_columns + 1
    student = np.repeat(np.arange(n_students), rows_per_student)
    is_baseline = np.tile(np.arange(rows_per_student) == n_columns, n_students)
    values = np.column_stack([parts, placed.baseline]).ravel()
    ranks = np.column_stack([explanations.ranks_by_pull(parts), np.zeros(n_students, dtype=np.int64)]).ravel()
    # Repeated text as dictionaries (indices into the distinct values): a fraction of the memory of
    # 17 strings per student; DuckDB stores them as plain text.
    column_index = np.tile(np.arange(rows_per_student), n_students)
    return pa.table({
        "student_id": pa.DictionaryArray.from_arrays(pa.array(student, pa.int32()), pa.array(ids, pa.string())),
        "term": pa.DictionaryArray.from_arrays(pa.array(student, pa.int32()), pa.array(terms, pa.string())),
        "persona_id": pa.array(persona_ids[own][student], pa.int32()),
        "next_persona_id": pa.array(persona_ids[placed.next_persona][student], pa.int32()),
        "part": pa.DictionaryArray.from_arrays(pa.array(is_baseline.astype(np.int8)),
                                               pa.array(["feature", "baseline"])),
        "feature": pa.DictionaryArray.from_arrays(
            pa.array(column_index, pa.int32(), mask=is_baseline), pa.array(columns, pa.string())),
        "contribution": pa.array(values, pa.float64()),
        "rank": pa.array(ranks, pa.int32(), mask=is_baseline),
        "squared_distance_gap": pa.array(np.repeat(placed.gap, rows_per_student), pa.float64(), mask=~is_baseline),
    })
