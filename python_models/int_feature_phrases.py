"""How each feature value reads in a student's reasons: one phrase per numeric feature column and
direction, and one per level of each categorical feature column (student_personas.naming)."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import naming, warehouse

    column_phrases = warehouse.settings(dbt.ref("stg_settings"))["column_phrases"] or {}
    numeric = [row[0] for row in dbt.ref("int_column_roles")
               .filter("role = 'feature' and kind = 'numeric'").order("column_position")
               .project("column_name").fetchall()]
    levels = dbt.ref("int_student_category_values").filter("is_reference and level is not null") \
        .project("source_column, level").distinct() \
        .order("source_column, level").fetchall()
    rows = [(column, None, direction, naming.student_value_phrase(column, None, direction == "above", column_phrases))
            for column in numeric for direction in ("below", "above")]
    rows += [(column, level, None, naming.student_value_phrase(column, level, False, column_phrases))
             for column, level in levels]
    return pa.table({
        "source_column": pa.array([row[0] for row in rows], pa.string()),
        "level": pa.array([row[1] for row in rows], pa.string()),
        "direction": pa.array([row[2] for row in rows], pa.string()),
        "phrase": pa.array([row[3] for row in rows], pa.string()),
    })
