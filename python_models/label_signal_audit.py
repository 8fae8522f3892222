"""Opt-in label-signal audit: cross-validated label models next to the context indicator."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import audit, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
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
    names = list(results)
    column = lambda attribute: [getattr(results[name], attribute) for name in names]  # noqa: E731
    return pa.table({
        "model": names,
        "roc_auc": pa.array(column("roc_auc"), pa.float64()),
        "pr_auc": pa.array(column("pr_auc"), pa.float64()),
        "flagged": pa.array(column("flagged"), pa.int64()),
        "true_positives": pa.array(column("true_positives"), pa.int64()),
        "false_positives": pa.array(column("false_positives"), pa.int64()),
        "false_negatives": pa.array(column("false_negatives"), pa.int64()),
        "true_negatives": pa.array(column("true_negatives"), pa.int64()),
        "recall": pa.array(column("recall"), pa.float64()),
        "precision": pa.array(column("precision"), pa.float64()),
        "interpretation": [audit.interpretation(results)] * len(names),
    })
