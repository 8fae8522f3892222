"""HTML reports rendered from warehouse tables: pages are Jinja2 templates plus named SQL queries.

See :mod:`student_personas.reports.pages` for the page definition format and
:mod:`student_personas.reports.components` for what a template can show.
"""

from student_personas.reports.site import render_site


def page_settings(settings: dict) -> dict:
    """What the page templates and queries read as `settings`, from the run's settings (stg_settings)."""
    return {
        "reports_dir": settings["reports_dir"],
        "students_path": settings.get("students_path"),
        "bivariate_pairs": settings.get("report_bivariate_pairs") or [],
        "sample_seed": settings["random_seed"],
        "min_contrast": settings["name_min_contrast"],
        "subgroup_min_gap": settings["subgroup_min_gap"],
        "subgroup_min_gap_sd": settings["subgroup_min_gap_sd"],
        "subgroup_min_share": settings["subgroup_min_share"],
        "discrete_max_levels": settings["discrete_max_levels"],
        "outcome_proxy_auc": settings["outcome_proxy_auc"],
        "outcome_record_auc": settings["outcome_record_auc"],
        "min_cell_size": settings["min_cell_size"],
        "label_column": settings.get("label_column"),
        "label_name": settings.get("label_name") or settings.get("label_column") or settings.get("label_expression")
        or "label",
        "context_thresholds_fixed": settings.get("context_amber_at") is not None,
        "context_amber_ratio": settings["context_amber_ratio"],
        "context_red_ratio": settings["context_red_ratio"],
        "context_neighbours_k": settings["context_neighbours_k"],
        "context_persona_weight": settings["context_persona_weight"],
        "context_neighbour_weight": settings["context_neighbour_weight"],
        "lookup_max_students": settings["report_lookup_max_students"],
        "action_min_contrast": settings["student_action_min_contrast"],
    }


__all__ = ["page_settings", "render_site"]
