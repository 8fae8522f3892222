"""Opt-in label-signal audit: cross-validated label models next to the context indicator. The model always
runs (so every model that reads it can ref it); without the setting label_signal_audit it trains nothing
and returns no rows."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import audit, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    if not settings["label_signal_audit"]:
        return audit.empty_result_table()
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), reference_only=True)
    indicator = dbt.ref("student_context_indicator").order("student_id, term").to_arrow_table()
    labels = dbt.ref("int_student_labels").order("student_id, term").to_arrow_table()
    if indicator.num_rows == 0:
        raise ValueError("label_signal_audit needs a label (var label_column or label_expression) and the context indicator")
    if not (labels.select(list(warehouse.KEY_COLUMNS)).equals(keys.select(list(warehouse.KEY_COLUMNS)))
            and indicator.select(list(warehouse.KEY_COLUMNS)).equals(keys.select(list(warehouse.KEY_COLUMNS)))):
        raise ValueError("label_signal_audit: students in the features, labels and indicator do not line up")
    y = labels.column("label_value").to_numpy().astype(int)
    flagged = int(np.sum(indicator.column("tier").to_numpy(zero_copy_only=False) == "RED"))
    leave_one_out = audit.leave_one_out_context_scores(
        indicator.column("persona_id").to_numpy(), y, indicator.column("neighbour_rate_smoothed").to_numpy(),
        settings["context_persona_weight"], settings["context_neighbour_weight"])
    warehouse.progress(f"label-signal audit: {settings['label_audit_folds']}-fold models on {len(keys):,} students")
    results = audit.label_signal_audit(x, y, indicator.column("context_score").to_numpy(), leave_one_out, flagged,
                                       settings["label_audit_folds"], settings["random_seed"])
    return audit.result_table(results)
