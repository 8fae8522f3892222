"""Exact nearest neighbours of every student by cosine similarity of factor scores."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import neighbours, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    ids, scores = warehouse.wide_matrix(dbt.ref("int_student_factor_scores"), "student_id", "factor_")
    k = settings["neighbours_k"]
    warehouse.require_students(len(ids), k + 1, f"finding {k} neighbours per student")
    warehouse.progress(f"{k} nearest neighbours for {len(ids):,} students")
    found = neighbours.nearest_by_cosine(scores, k)
    return pa.table({
        "student_row": pa.array(np.repeat(np.arange(len(ids), dtype=np.int32), k)),
        "neighbour_rank": pa.array(np.tile(np.arange(1, k + 1, dtype=np.int16), len(ids))),
        "neighbour_row": pa.array(found.rows.ravel()),
        "similarity": pa.array(found.similarities.ravel()),
    })
