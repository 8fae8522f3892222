"""Each persona checked for a sub-group of its own (student_personas.subgroups): a K-Means split in two of
its students on the continuous encoded features, on a seeded sample, against block-shuffled reference
copies, and for a persona that holds one, the two centres refined on all its students (written into the full
feature space, 0 in the features left out)."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import personas, subgroups, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), reference_only=True)
    assignments = dbt.ref("int_persona_assignments").filter("is_reference").order("student_id, term").to_arrow_table()
    if not keys.select(["student_id", "term"]).equals(assignments.select(["student_id", "term"])):
        raise ValueError("int_persona_subgroup_fit: features and assignments do not list the same students")
    persona_of = assignments.column("persona_id").to_numpy()
    encoding = dbt.ref("int_feature_encoding").filter("is_used").order("feature_index") \
        .project("source_column, feature_kind, is_discrete").fetchall()
    checked = subgroups.continuous_columns([row[1] for row in encoding], [row[2] for row in encoding])
    column_groups = np.unique([encoding[column][0] for column in checked], return_inverse=True)[1]
    x_checked = x[:, checked]
    persona_ids = np.unique(persona_of)
    members = [np.flatnonzero(persona_of == persona_id) for persona_id in persona_ids]
    samples = [rows[personas.seeded_sample(rows.size, settings["selection_sample_size"], settings["random_seed"])]
               for rows in members]
    rules = subgroups.Rules(settings["subgroup_min_gap_sd"], settings["subgroup_min_gap"],
                            settings["subgroup_min_share"], settings["subgroup_min_students"])
    draws = settings["structure_reference_draws"]
    warehouse.progress(f"sub-group check of {persona_ids.size} personas on {checked.size} continuous features, "
                       f"{draws} reference draws each")
    checks = warehouse.in_own_process(subgroups.check_personas, [x_checked[rows] for rows in samples],
                                      column_groups, settings["kmeans_restarts"], settings["random_seed"], draws,
                                      rules)
    centres = [subgroups.embedded(subgroups.refined_centres(x_checked[rows], check.split.centres), checked,
                                  x.shape[1]) if check.has_subgroup else None
               for rows, check in zip(members, checks)]
    centre_type = pa.list_(pa.float64())
    return pa.table({
        "persona_id": pa.array(persona_ids, pa.int32()),
        "students": pa.array([rows.size for rows in members], pa.int64()),
        "students_checked": pa.array([check.students_checked for check in checks], pa.int64()),
        "has_subgroup": pa.array([check.has_subgroup for check in checks], pa.bool_()),
        "split_share": pa.array([check.split.split_share if check.split else None for check in checks],
                                pa.float64()),
        "reference_split_share": pa.array([check.reference.mean if check.reference else None for check in checks],
                                          pa.float64()),
        "split_gap": pa.array([check.gap for check in checks], pa.float64()),
        "split_gap_reference_sd": pa.array([check.gap_sd for check in checks], pa.float64()),
        "reference_draws": pa.array([draws if check.reference else None for check in checks], pa.int32()),
        "smaller_side_share": pa.array([check.split.smaller_share if check.split else None for check in checks],
                                       pa.float64()),
        "check_note": pa.array([check.note for check in checks], pa.string()),
        "major_centre": pa.array([None if c is None else c[0].tolist() for c in centres], centre_type),
        "minor_centre": pa.array([None if c is None else c[1].tolist() for c in centres], centre_type),
    })
