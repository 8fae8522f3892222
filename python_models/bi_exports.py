"""Parquet files and Tableau Hyper extracts: aggregates for a wide audience (small-cell published views)
in published/, student-level tables without label-derived columns in staff_only_student_level/."""


def model(dbt, session):
    from pathlib import Path

    from student_personas import exports, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    published = {
        "persona_summary": dbt.ref("persona_summary"),
        "persona_profiles": dbt.ref("persona_profiles"),
        "persona_stability": dbt.ref("persona_stability"),
        "persona_distinguishing_features": dbt.ref("persona_distinguishing_features"),
        "factors": dbt.ref("factors"),
        "factor_loadings": dbt.ref("factor_loadings"),
        "model_selection": dbt.ref("model_selection"),
        "svd_comparison": dbt.ref("svd_comparison"),
        "feature_statistics": dbt.ref("feature_statistics"),
        "feature_distributions": dbt.ref("feature_distributions"),
        "feature_correlations": dbt.ref("feature_correlations"),
        "feature_bivariate_fits": dbt.ref("feature_bivariate_fits"),
        "feature_bivariate_bins": dbt.ref("feature_bivariate_bins"),
        "persona_factor_bins": dbt.ref("persona_factor_bins"),
        "data_quality_summary": dbt.ref("data_quality_summary_published"),
        "fairness_association": dbt.ref("fairness_association_published"),
        "persona_outcome_context": dbt.ref("persona_outcome_context_published"),
        "fairness_composition": dbt.ref("fairness_composition_published"),
        "fairness_flag_parity": dbt.ref("fairness_flag_parity_published"),
        "context_tier_counts": dbt.ref("context_tier_counts_published"),
        "label_signal_audit": dbt.ref("label_signal_audit_published"),
    }
    staff = {
        "persona_assignments": dbt.ref("persona_assignments"),
        "student_factors": dbt.ref("student_factors"),
        "students_like_me": dbt.ref("students_like_me"),
        "peer_profiles": dbt.ref("peer_profiles"),
        "student_personas_flat": dbt.ref("student_personas_flat"),
    }
    return exports.write_exports({exports.PUBLISHED: published, exports.STAFF: staff},
                                 Path(settings["exports_dir"]), settings["export_hyper"])
