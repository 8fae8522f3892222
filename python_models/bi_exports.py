"""Parquet files and a Tableau Hyper extract of the analyst-facing tables (published views for small cells)."""


def model(dbt, session):
    import json
    from pathlib import Path

    from student_personas import exports

    settings = json.loads(dbt.config.get("export_settings"))
    relations = {
        "persona_summary": dbt.ref("persona_summary"),
        "persona_profiles": dbt.ref("persona_profiles"),
        "persona_assignments": dbt.ref("persona_assignments"),
        "persona_stability": dbt.ref("persona_stability"),
        "student_factors": dbt.ref("student_factors"),
        "factors": dbt.ref("factors"),
        "factor_loadings": dbt.ref("factor_loadings"),
        "model_selection": dbt.ref("model_selection"),
        "svd_comparison": dbt.ref("svd_comparison"),
        "students_like_me": dbt.ref("students_like_me"),
        "peer_profiles": dbt.ref("peer_profiles"),
        "student_context_indicator": dbt.ref("student_context_indicator"),
        "data_quality_summary": dbt.ref("data_quality_summary"),
        "fairness_association": dbt.ref("fairness_association"),
        "persona_outcome_context": dbt.ref("persona_outcome_context_published"),
        "fairness_composition": dbt.ref("fairness_composition_published"),
        "fairness_flag_parity": dbt.ref("fairness_flag_parity_published"),
        "context_tier_counts": dbt.ref("context_tier_counts_published"),
        "feature_statistics": dbt.ref("feature_statistics"),
        "feature_distributions": dbt.ref("feature_distributions"),
        "feature_correlations": dbt.ref("feature_correlations"),
        "feature_bivariate_fits": dbt.ref("feature_bivariate_fits"),
        "persona_distinguishing_features": dbt.ref("persona_distinguishing_features"),
        "student_personas_flat": dbt.ref("student_personas_flat"),
    }
    # Who a file is for: "staff" files hold one row per student (for staff inside the institution, never
    # published); "published" files are aggregates, small cells withheld. The manifest records it per file.
    student_level = {"persona_assignments", "student_factors", "students_like_me", "peer_profiles",
                     "student_context_indicator", "student_personas_flat"}
    audiences = {name: "staff" if name in student_level else "published" for name in relations}
    return exports.write_exports(relations, Path(settings["exports_dir"]), settings["hyper"], audiences)
