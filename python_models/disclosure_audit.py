"""The disclosure audit of every build's published tables (student_personas.disclosure_audit): one row per
way a small count by label or protected group could be read or worked out from them. The singular test
assert_published_outputs_pass_the_disclosure_audit fails the build when any row exists, so nothing is
published then."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import disclosure_audit, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    published = {
        "persona_summary": dbt.ref("persona_summary"),
        "persona_outcome_context": dbt.ref("persona_outcome_context_published"),
        "fairness_composition": dbt.ref("fairness_composition_published"),
        "fairness_flag_parity": dbt.ref("fairness_flag_parity_published"),
        "context_tier_counts": dbt.ref("context_tier_counts_published"),
        "label_signal_audit": dbt.ref("label_signal_audit_published"),
        "data_quality_summary": dbt.ref("data_quality_summary_published"),
        "fairness_association": dbt.ref("fairness_association_published"),
    }
    raw = {
        "persona_outcome_context": dbt.ref("persona_outcome_context"),
        "fairness_composition": dbt.ref("fairness_composition"),
        "fairness_flag_parity": dbt.ref("fairness_flag_parity"),
        "context_tier_counts": dbt.ref("context_tier_counts"),
        "data_quality_summary": dbt.ref("data_quality_summary"),
        "int_column_roles": dbt.ref("int_column_roles"),
    }
    raw["label_signal_audit"] = dbt.ref("label_signal_audit")
    published = {name: relation.to_arrow_table() for name, relation in published.items()}
    findings = disclosure_audit.audit(published, raw, settings["min_cell_size"])
    rows = [finding.as_row() for finding in findings]
    columns = ("finding", "cell", "detail", "what_to_do")
    return pa.table({name: [row[name] for row in rows] for name in columns},
                    schema=pa.schema([(name, pa.string()) for name in columns]))
