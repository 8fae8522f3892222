"""Persona names and one-line descriptions from the profiles, with codebook labels and analyst overrides."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import naming, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    profiles = dbt.ref("persona_profiles").order("persona_id, feature").to_arrow_table().to_pylist()
    overrides = {row["persona_id"]: row["persona_name"]
                 for row in dbt.ref("persona_name_overrides").to_arrow_table().to_pylist()}
    codebook = dbt.ref("stg_codebook").to_arrow_table().to_pylist()
    labels = naming.Labels(
        columns={row["column_name"]: row["label"] for row in codebook if row["code"] is None},
        levels={(row["column_name"], row["code"]): row["label"] for row in codebook if row["code"] is not None})
    # Numeric features with only two values in the fitted cohort (0/1 codes, the no-activity indicator of
    # an event log) read as the value that is more common.
    binary = {row["source_column"]: (row["min_value"], row["max_value"])
              for row in dbt.ref("int_feature_encoding").filter("is_used and feature_kind = 'numeric' and n_levels = 2")
              .to_arrow_table().to_pylist()}
    # A categorical column with exactly two levels: a level less common reads as the other more common.
    levels: dict[str, set] = {}
    for row in profiles:
        if row["level"] is not None:
            levels.setdefault(row["source_column"], set()).add(row["level"])
    other = {column: values for column, values in levels.items() if len(values) == 2}
    contrasts = {}
    for row in profiles:
        persona_contrasts = contrasts.setdefault(row["persona_id"], [])
        if row["standardized_difference"] is None:
            continue
        persona_contrasts.append(naming.Contrast(
            row["source_column"], row["level"], row["standardized_difference"], row["persona_mean"],
            row["cohort_mean"], binary.get(row["source_column"]) if row["level"] is None else None,
            next(iter(other[row["source_column"]] - {row["level"]})) if row["source_column"] in other
            and row["level"] is not None else None))
    phrases, min_contrast = settings["column_phrases"], settings["name_min_contrast"]
    generated = naming.persona_names(contrasts, phrases, min_contrast, labels=labels)
    names = naming.apply_overrides(generated, overrides)
    personas = sorted(generated)
    return pa.table({
        "persona_id": pa.array(personas, pa.int32()),
        "generated_name": [generated[p] for p in personas],
        "persona_name": [names[p] for p in personas],
        "name_source": ["override" if p in overrides else "generated" for p in personas],
        "description": [naming.persona_description(contrasts[p], phrases, min_contrast, labels=labels)
                        for p in personas],
        "distinguishing_columns": [naming.distinguishing_columns(contrasts[p], min_contrast) for p in personas],
    })
