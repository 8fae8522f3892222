"""Exact nearest neighbours of every fitted student record by cosine similarity of factor scores, among the
records of the same term (rows as in int_student_rows)."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import neighbours, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, scores = warehouse.record_matrix(dbt.ref("int_student_factor_scores"), "factor_", reference_only=True)
    k = settings["neighbours_k"]
    warehouse.require_students(len(keys), k + 1, f"finding {k} neighbours per student")
    warehouse.progress(f"{k} nearest neighbours for {len(keys):,} students")
    terms = keys.column("term").to_numpy(zero_copy_only=False)
    found = neighbours.nearest_by_cosine_within_groups(scores, terms, k)
    return pa.table({
        "student_row": pa.array(np.repeat(np.arange(len(keys), dtype=np.int32), k)),
        "neighbour_rank": pa.array(np.tile(np.arange(1, k + 1, dtype=np.int16), len(keys))),
        "neighbour_row": pa.array(found.rows.ravel()),
        "similarity": pa.array(found.similarities.ravel()),
    })
