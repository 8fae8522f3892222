"""Render the HTML reports from the warehouse (thin glue around student_personas.reports).

Every table a page reads is listed here with a literal dbt.ref, so dbt builds this model last and its
DAG shows what the reports depend on; a page that reads a table missing here fails with a message.
"""

from datetime import datetime, timezone
from pathlib import Path

from student_personas import publish, warehouse
from student_personas.configuration import PROJECT_DIR
from student_personas.reports import page_settings, render_site

# Page templates and queries ship with the project, wherever dbt is started from (--project-dir).
TEMPLATES_DIR = str(PROJECT_DIR / "reports")


def model(dbt, session):
    settings = page_settings(warehouse.settings(dbt.ref("stg_settings")))
    relations = {
        "data_quality_summary_published": dbt.ref("data_quality_summary_published"),
        "int_student_records": dbt.ref("int_student_records"),
        "int_column_roles": dbt.ref("int_column_roles"),
        "feature_encoding": dbt.ref("feature_encoding"),
        "feature_statistics": dbt.ref("feature_statistics"),
        "feature_distributions": dbt.ref("feature_distributions"),
        "feature_correlations": dbt.ref("feature_correlations"),
        "feature_bivariate_fits": dbt.ref("feature_bivariate_fits"),
        "feature_bivariate_bins": dbt.ref("feature_bivariate_bins"),
        "support_playbook": dbt.ref("support_playbook"),
        "model_selection": dbt.ref("model_selection"),
        "factors": dbt.ref("factors"),
        "factor_loadings": dbt.ref("factor_loadings"),
        "svd_comparison": dbt.ref("svd_comparison"),
        "persona_factor_bins": dbt.ref("persona_factor_bins"),
        "int_persona_centroids": dbt.ref("int_persona_centroids"),
        "persona_assignments": dbt.ref("persona_assignments"),
        "persona_profiles": dbt.ref("persona_profiles"),
        "persona_distinguishing_features": dbt.ref("persona_distinguishing_features"),
        "persona_stability": dbt.ref("persona_stability"),
        "persona_subgroups": dbt.ref("persona_subgroups"),
        "persona_summary": dbt.ref("persona_summary"),
        "persona_models": dbt.ref("persona_models"),
        "scoring_batches": dbt.ref("scoring_batches"),
        "batch_drift": dbt.ref("batch_drift"),
        "persona_transitions_published": dbt.ref("persona_transitions_published"),
        "structure_assessment": dbt.ref("structure_assessment"),
        "clustering_comparison": dbt.ref("clustering_comparison"),
        "feature_label_association": dbt.ref("feature_label_association"),
        "students_like_me": dbt.ref("students_like_me"),
        "peer_profiles": dbt.ref("peer_profiles"),
        "persona_outcome_context_published": dbt.ref("persona_outcome_context_published"),
        "fairness_association_published": dbt.ref("fairness_association_published"),
        "fairness_composition_published": dbt.ref("fairness_composition_published"),
        "context_tier_counts_published": dbt.ref("context_tier_counts_published"),
        "fairness_flag_parity_published": dbt.ref("fairness_flag_parity_published"),
        # Empty unless the setting label_signal_audit is on.
        "label_signal_audit_published": dbt.ref("label_signal_audit_published"),
        # Student lookup (staff only): student-level reasons, actions and priorities.
        "student_reasons": dbt.ref("student_reasons"),
        "student_explanations": dbt.ref("student_explanations"),
        "student_actions": dbt.ref("student_actions"),
        "persona_priorities": dbt.ref("persona_priorities"),
    }
    # Pages are written to a staging folder that replaces the reports folder only when the whole build
    # succeeds (student_personas.publish); the listing names where they are then.
    final = Path(settings["reports_dir"])
    staging = publish.prepare_output_folder(final)
    listing = render_site(session, relations, {**settings, "reports_dir": str(staging)}, TEMPLATES_DIR,
                          datetime.now(timezone.utc))
    listing["path"] = [str(final / Path(path).relative_to(staging)) for path in listing["path"]]
    return listing
