"""Persona names and one-line descriptions from the profiles, with analyst overrides from the seed."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import naming, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    profiles = dbt.ref("persona_profiles").order("persona_id, feature").to_arrow_table().to_pylist()
    overrides = {row["persona_id"]: row["persona_name"]
                 for row in dbt.ref("persona_name_overrides").to_arrow_table().to_pylist()}
    contrasts = {}
    for row in profiles:
        persona_contrasts = contrasts.setdefault(row["persona_id"], [])
        if row["standardized_difference"] is None:
            continue
        persona_contrasts.append(naming.Contrast(
            row["source_column"], row["level"], row["standardized_difference"], row["persona_mean"],
            row["cohort_mean"]))
    phrases, min_contrast = settings["column_phrases"], settings["name_min_contrast"]
    generated = naming.persona_names(contrasts, phrases, min_contrast)
    names = naming.apply_overrides(generated, overrides)
    personas = sorted(generated)
    return pa.table({
        "persona_id": pa.array(personas, pa.int32()),
        "generated_name": [generated[p] for p in personas],
        "persona_name": [names[p] for p in personas],
        "name_source": ["override" if p in overrides else "generated" for p in personas],
        "description": [naming.persona_description(contrasts[p], phrases, min_contrast) for p in personas],
        "distinguishing_columns": [naming.distinguishing_columns(contrasts[p], min_contrast) for p in personas],
    })
