"""The warehouse's settings (dbt vars): what each one may hold, checked before anything is built.

dbt passes vars to SQL as text, so a value of the wrong type either breaks a model halfway through a build
or, worse, reaches SQL as something else (a subquery given as a threshold). Every var the project reads is
declared here with its type and range; :func:`problems` lists everything wrong with a set of vars at once,
naming each var, and flags var names the project does not know (a typo such as ``id_colum`` would otherwise
be ignored silently).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Setting:
    """One var: a check returning None when the value is acceptable, else what is wrong with it."""

    check: Callable[[Any], str | None]
    nullable: bool = False


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(low: float | None = None, high: float | None = None, integer: bool = False, nullable: bool = False):
    def check(value):
        if not _is_number(value) or (integer and float(value) != int(value)):
            return f"must be {'a whole number' if integer else 'a number'}, not {value!r}"
        if low is not None and value < low:
            return f"must be at least {low:g}, not {value!r}"
        if high is not None and value > high:
            return f"must be at most {high:g}, not {value!r}"
        return None
    return Setting(check, nullable)


def boolean():
    return Setting(lambda value: None if isinstance(value, bool) else f"must be true or false, not {value!r}")


def text(choices: tuple[str, ...] | None = None, nullable: bool = False):
    def check(value):
        if not isinstance(value, str) or not value.strip():
            return f"must be a non-empty text, not {value!r}"
        if choices and value not in choices:
            return f"must be one of {', '.join(choices)}, not {value!r}"
        return None
    return Setting(check, nullable)


def text_list(nullable: bool = False, allow_empty: bool = True):
    def check(value):
        if not isinstance(value, list):
            return f"must be a list, e.g. [a, b], not {value!r}"
        if not allow_empty and not value:
            return "must list at least one value"
        wrong = [item for item in value if isinstance(item, bool) or not isinstance(item, (str, int, float))]
        if wrong:
            return f"holds {wrong[0]!r}, which is not a text value{_boolean_hint(wrong[0])}"
        return None
    return Setting(check, nullable)


def column_names(nullable: bool = True, allow_list: bool = True):
    """A column name, or (allow_list) a list of names."""
    def check(value):
        if isinstance(value, str) and value.strip():
            return None
        if allow_list and isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
            return None
        return f"must be a column name{' or a list of column names' if allow_list else ''}, not {value!r}"
    return Setting(check, nullable)


def number_pair(low: float, integer: bool = True):
    def check(value):
        if not (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            return f"must be a pair [low, high], not {value!r}"
        if integer and any(float(v) != int(v) for v in value):
            return f"must hold whole numbers, not {value!r}"
        if value[0] < low or value[0] > value[1]:
            return f"must satisfy {low:g} <= low <= high, not {value!r}"
        return None
    return Setting(check)


def mapping(value_check: Callable[[Any], str | None] | None = None, nullable: bool = True):
    def check(value):
        if not isinstance(value, dict):
            return f"must be a mapping (column: value), not {value!r}"
        if value_check:
            for key, item in value.items():
                problem = value_check(item)
                if problem:
                    return f"entry {key!r} {problem}"
        return None
    return Setting(check, nullable)


def _boolean_hint(value) -> str:
    if isinstance(value, bool):
        return (" (YAML reads unquoted yes/no/true/false/on/off as booleans: quote the value, "
                "e.g. ['no', 'yes'])")
    return ""


def _levels(value):
    if not isinstance(value, list):
        return f"must be a list of levels ([] = learn them from the data), not {value!r}"
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            return f"holds {item!r}, which is not a level{_boolean_hint(item)}"
    return None


def _range(value):
    if not (isinstance(value, list) and len(value) == 2):
        return f"must be [min, max] (null for unbounded), not {value!r}"
    if any(v is not None and not _is_number(v) for v in value):
        return f"must hold numbers or null, not {value!r}"
    if value[0] is not None and value[1] is not None and value[0] > value[1]:
        return f"has min above max: {value!r}"
    return None


def _phrases(value):
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return f"must be [phrase when below the cohort, phrase when above], not {value!r}"
    return None


def _bins(value):
    if not (isinstance(value, list) and len(value) >= 1 and all(_is_number(v) for v in value)):
        return f"must be a list of bin edges (numbers), not {value!r}"
    if sorted(value) != value:
        return f"must be in increasing order, not {value!r}"
    return None


def _sql_text(value):
    return None if isinstance(value, str) and value.strip() else f"must be an SQL expression (text), not {value!r}"


MISSING_POLICIES_NUMERIC = ("reject", "median", "mean")
MISSING_POLICIES_CATEGORICAL = ("reject", "mode", "level")
CLIP_METHODS = ("none", "quantile", "iqr")


def _missing_policy(value):
    if _is_number(value):
        return None
    if isinstance(value, str) and value.strip():
        return None  # a named policy, or a constant level
    return f"must be reject, median, mean, mode, level or a constant, not {value!r}"


def _missing_values(value):
    if not isinstance(value, dict):
        return f"must be a mapping, not {value!r}"
    known = {"numeric", "categorical", "indicator", "columns"}
    unknown = set(value) - known
    if unknown:
        return f"has unknown keys {sorted(unknown)} (known: {', '.join(sorted(known))})"
    numeric = value.get("numeric", "median")
    if not (_is_number(numeric) or numeric in MISSING_POLICIES_NUMERIC):
        return f"numeric must be one of {', '.join(MISSING_POLICIES_NUMERIC)} or a number, not {numeric!r}"
    categorical = value.get("categorical", "level")
    if not isinstance(categorical, str):
        return f"categorical must be one of {', '.join(MISSING_POLICIES_CATEGORICAL)} or a level, not {categorical!r}"
    if "indicator" in value and not isinstance(value["indicator"], bool):
        return f"indicator must be true or false, not {value['indicator']!r}"
    columns = value.get("columns") or {}
    if not isinstance(columns, dict):
        return f"columns must be a mapping (column: policy), not {columns!r}"
    for column, policy in columns.items():
        problem = _missing_policy(policy)
        if problem:
            return f"columns.{column} {problem}"
    return None


def _clip_outliers(value):
    if not isinstance(value, dict):
        return f"must be a mapping, not {value!r}"
    known = {"method", "quantiles", "iqr_multiplier", "columns"}
    unknown = set(value) - known
    if unknown:
        return f"has unknown keys {sorted(unknown)} (known: {', '.join(sorted(known))})"
    if value.get("method", "quantile") not in CLIP_METHODS:
        return f"method must be one of {', '.join(CLIP_METHODS)}, not {value.get('method')!r}"
    quantiles = value.get("quantiles", [0.001, 0.999])
    if not (isinstance(quantiles, list) and len(quantiles) == 2 and all(_is_number(q) for q in quantiles)
            and 0 <= quantiles[0] < quantiles[1] <= 1):
        return f"quantiles must be [low, high] with 0 <= low < high <= 1, not {quantiles!r}"
    multiplier = value.get("iqr_multiplier", 3.0)
    if not _is_number(multiplier) or multiplier <= 0:
        return f"iqr_multiplier must be a positive number, not {multiplier!r}"
    columns = value.get("columns") or {}
    if not isinstance(columns, dict) or any(method not in CLIP_METHODS for method in columns.values()):
        return f"columns must map columns to one of {', '.join(CLIP_METHODS)}, not {columns!r}"
    return None


def _bivariate_pairs(value):
    if not isinstance(value, list) or any(
            not isinstance(pair, dict) or set(pair) != {"x", "y"} for pair in value):
        return f"must be a list of {{x: column, y: column}} pairs, not {value!r}"
    return None


def _event_setting(name):
    """The detailed check of an event var lives with the event log (student_personas.events)."""
    def check(value):
        from student_personas import events

        found = events.event_setting_problems({name: value}) if name != "event_columns" else (
            [] if isinstance(value, dict) else [f"must be a mapping of event roles to columns, not {value!r}"])
        return "; ".join(problem.removeprefix(name + " ") if problem.startswith(name + " ") else f"is not usable: {problem}"
                         for problem in found) or None
    return check


SETTINGS: dict[str, Setting] = {
    # the vars file (--vars only; see student_personas.configuration)
    "config_file": text(nullable=True),
    # input
    "students_path": text(nullable=True),
    "events_path": text(nullable=True),
    "codebook_path": text(nullable=True),
    "playbook_path": text(nullable=True),
    "csv_encoding": text(("auto", "utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252")),
    "csv_delimiter": Setting(lambda v: None if v == "auto" or (isinstance(v, str) and len(v) == 1)
                             else f"must be auto or one character, not {v!r}"),
    "decimal_separator": text(("auto", ".", ",")),
    "thousands_separator": Setting(lambda v: None if v in (",", ".", " ", "'", "_")
                                   else f"must be one of , . ' _ or a space, not {v!r}", nullable=True),
    "missing_value_tokens": text_list(),
    "preflight_scan_rows": number(1000, integer=True),
    "max_input_columns": number(2, 5000, integer=True),
    # roles
    "id_column": column_names(),
    "term_column": column_names(allow_list=False),
    "reference_terms": text_list(nullable=True, allow_empty=False),
    "term_order": text_list(nullable=True, allow_empty=False),
    "term_label": text(),
    "label_column": column_names(allow_list=False),
    "label_expression": Setting(_sql_text, nullable=True),
    "label_name": text(nullable=True),
    "label_positive_values": text_list(),
    "label_negative_values": text_list(nullable=True),
    "protected_columns": text_list(),
    "protected_bins": mapping(_bins),
    "protected_quantile_groups": number(2, 10, integer=True),
    "categorical_columns": mapping(_levels),
    "feature_columns": text_list(nullable=True),
    "excluded_columns": text_list(),
    "range_rules": mapping(_range),
    "derived_features": mapping(_sql_text),
    "numeric_share_threshold": number(0.5, 1.0),
    "max_category_levels": number(2, integer=True),
    "missing_values": Setting(_missing_values),
    "clip_outliers": Setting(_clip_outliers),
    "max_reject_share": number(0.0, 1.0),
    # factors and personas
    "random_seed": number(0, integer=True),
    "factor_rank_range": number_pair(1),
    "heldout_folds": number(2, 20, integer=True),
    "persona_k_range": number_pair(2),
    "kmeans_restarts": number(1, 1000, integer=True),
    "selection_sample_size": number(100, integer=True),
    "silhouette_sample_size": number(100, integer=True),
    "stability_sample_size": number(100, integer=True),
    "stability_resamples": number(1, 1000, integer=True),
    "stability_seed_runs": number(2, 100, integer=True),
    "stability_threshold": number(0.0, 1.0),
    "name_min_contrast": number(0.0, 10.0),
    "column_phrases": mapping(_phrases),
    "discrete_max_levels": number(2, 50, integer=True),
    # structure against shuffled data, other clusterers, outcome proxies
    "structure_reference_draws": number(2, 200, integer=True),
    "structure_reference_resamples": number(1, 100, integer=True),
    "structure_min_excess_sd": number(0.0, 100.0),
    "structure_moderate_excess": number(0.0, 1.0),
    "structure_clear_excess": number(0.0, 1.0),
    "subgroup_min_gap_sd": number(0.0, 100.0),
    "subgroup_min_gap": number(0.0, 10.0),
    "subgroup_min_share": number(0.0, 0.5),
    "subgroup_min_students": number(4, integer=True),
    "comparison_sample_size": number(100, integer=True),
    "outcome_proxy_auc": number(0.5, 1.0),
    "outcome_record_auc": number(0.5, 1.0),
    # the advisor's view
    "explanation_top_n": number(1, 100, integer=True),
    "explanation_sentence_reasons": number(1, 20, integer=True),
    "student_action_min_contrast": number(0.0, 10.0),
    "student_actions_max": number(1, 100, integer=True),
    "caseload_group_column": column_names(allow_list=False),
    "report_lookup_max_students": number(1, integer=True),
    # students like me
    "students_like_me_k": number(1, 1000, integer=True),
    "peer_profile_columns": text_list(nullable=True),
    # context and fairness
    "context_neighbours_k": number(1, 10000, integer=True),
    "context_smoothing_alpha": number(0.0, 1000.0),
    "context_persona_weight": number(0.0, 1.0),
    "context_neighbour_weight": number(0.0, 1.0),
    "context_amber_at": number(0.0, 1.0, nullable=True),
    "context_red_at": number(0.0, 1.0, nullable=True),
    "context_amber_ratio": number(1.0, 100.0),
    "context_red_ratio": number(1.0, 100.0),
    "label_signal_audit": boolean(),
    "label_audit_folds": number(2, 20, integer=True),
    "min_cell_size": number(2, 1000, integer=True),
    # outputs
    "exports_dir": text(nullable=True),
    "export_hyper": boolean(),
    "reports_dir": text(nullable=True),
    "report_bivariate_pairs": Setting(_bivariate_pairs, nullable=True),
    # events
    "event_columns": Setting(_event_setting("event_columns"), nullable=True),
    "event_time_format": Setting(_event_setting("event_time_format"), nullable=True),
    "event_windows": Setting(_event_setting("event_windows"), nullable=True),
    "event_activity_types_max": number(0, 100, integer=True),
    "event_period_start": Setting(_event_setting("event_period_start"), nullable=True),
    "event_max_rejected_share": number(0.0, 1.0),
    "event_max_unknown_student_share": number(0.0, 1.0),
    "event_fit_covered_only": boolean(),
    # scoring
    "score_students_path": text(nullable=True),
    "score_events_path": text(nullable=True),
    "score_term_label": text(nullable=True),
    "persona_model_version": text(),
}


def problems(values: dict[str, Any], given: set[str] | None = None) -> list[str]:
    """Everything wrong with `values` (var name -> value), one sentence per problem, naming the var.

    `given` are the var names the user passed (on the command line or in a vars file): a name the project
    does not read is reported with the closest known name, since dbt would otherwise ignore it."""
    found = []
    for name, value in values.items():
        setting = SETTINGS.get(name)
        if setting is None:
            continue
        if value is None:
            if not setting.nullable:
                found.append(f"var {name} must be set (it is null)")
            continue
        problem = setting.check(value)
        if problem:
            found.append(f"var {name} {problem}")
    for name in sorted(given or ()):
        if name not in SETTINGS:
            close = difflib.get_close_matches(name, SETTINGS, n=1)
            found.append(f"var {name} is not a setting of this project"
                         + (f"; did you mean {close[0]}?" if close else ""))
    amber, red = values.get("context_amber_at"), values.get("context_red_at")
    if (amber is None) != (red is None):
        found.append("vars context_amber_at and context_red_at are set together (both numbers for fixed "
                     "thresholds, or both null for thresholds relative to the label's base rate)")
    elif _is_number(amber) and _is_number(red) and amber > red:
        found.append(f"var context_amber_at ({amber}) is above context_red_at ({red})")
    if _is_number(values.get("context_amber_ratio")) and _is_number(values.get("context_red_ratio")) \
            and values["context_amber_ratio"] > values["context_red_ratio"]:
        found.append("var context_amber_ratio is above context_red_ratio")
    if values.get("label_column") and values.get("label_expression"):
        found.append("vars label_column and label_expression are both set: declare the label one way")
    return found
