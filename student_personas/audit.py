"""Label-signal audit: how much signal about the label the features hold, and how much personas keep.

Opt-in and separate from everything else: this is the only place a model is trained on the label, and
its output never feeds the personas. Cross-validated (stratified folds, seeded) logistic regression with
balanced class weights and a shallow decision tree give out-of-fold scores for every student; each score
is judged like the context indicator: ROC-AUC, PR-AUC, and recall and precision when the same share of
students is flagged as the indicator's RED tier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier


@dataclass(frozen=True)
class FlagMetrics:
    """Ranking quality of a score and the confusion matrix when the top `flagged` students are flagged."""

    roc_auc: float | None
    pr_auc: float | None
    flagged: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def recall(self) -> float | None:
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else None

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None


def flag_top(scores: np.ndarray, n_flagged: int) -> np.ndarray:
    """Boolean mask of the `n_flagged` highest scores (ties broken by row order, deterministically)."""
    order = np.argsort(-scores, kind="stable")
    flags = np.zeros(scores.size, dtype=bool)
    flags[order[:n_flagged]] = True
    return flags


def metrics_at_flag_count(labels: np.ndarray, scores: np.ndarray, n_flagged: int) -> FlagMetrics:
    """ROC-AUC and PR-AUC of `scores` for `labels` (None when only one class is present) and the
    confusion matrix when the top `n_flagged` students are flagged."""
    labels = labels.astype(bool)
    both_classes = 0 < labels.sum() < labels.size
    flags = flag_top(scores, n_flagged)
    return FlagMetrics(
        roc_auc=float(roc_auc_score(labels, scores)) if both_classes else None,
        pr_auc=float(average_precision_score(labels, scores)) if both_classes else None,
        flagged=int(flags.sum()),
        true_positives=int((flags & labels).sum()),
        false_positives=int((flags & ~labels).sum()),
        false_negatives=int((~flags & labels).sum()),
        true_negatives=int((~flags & ~labels).sum()),
    )


def out_of_fold_scores(x: np.ndarray, labels: np.ndarray, model_factory, folds: int, seed: int) -> np.ndarray:
    """Positive-class probabilities for every row from a model that never saw that row (stratified,
    shuffled, seeded folds; at most as many folds as there are positives)."""
    n_splits = int(min(folds, labels.sum(), (labels == 0).sum()))
    if n_splits < 2:
        raise ValueError(f"the label audit needs at least 2 positives and 2 negatives, found {int(labels.sum())} "
                         f"positives among {labels.size} students")
    scores = np.empty(labels.size)
    for train, test in StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed).split(x, labels):
        model = model_factory().fit(x[train], labels[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    return scores


AUDIT_MODELS = {
    "logistic_regression": lambda seed: (lambda: LogisticRegression(class_weight="balanced", max_iter=1000)),
    "decision_tree": lambda seed: (lambda: DecisionTreeClassifier(
        class_weight="balanced", max_depth=4, min_samples_leaf=20, random_state=seed)),
}


def leave_one_out_context_scores(
    persona_ids: np.ndarray, labels: np.ndarray, neighbour_rates: np.ndarray,
    persona_weight: float, neighbour_weight: float,
) -> np.ndarray:
    """The context score with the student's own label left out. The published score's persona rate counts
    the student's own label, so judging it against that label is in-sample and flatters it; leaving the
    label out (the neighbour rate never includes the student) makes it comparable with cross-validated
    models. Singleton personas get rate 0."""
    _, persona_index = np.unique(persona_ids, return_inverse=True)
    positives = np.bincount(persona_index, weights=labels)
    sizes = np.bincount(persona_index)
    others = sizes[persona_index] - 1
    rates = np.divide(positives[persona_index] - labels, others, out=np.zeros(labels.size), where=others > 0)
    return persona_weight * rates + neighbour_weight * neighbour_rates


def label_signal_audit(
    x: np.ndarray, labels: np.ndarray, indicator_scores: np.ndarray, leave_one_out_scores: np.ndarray,
    n_flagged: int, folds: int, seed: int,
) -> dict[str, FlagMetrics]:
    """Metrics for each cross-validated audit model and for the context indicator (as published, and with
    each student's own label left out), all flagging the same number of students (the RED tier's size)."""
    results = {name: metrics_at_flag_count(labels, out_of_fold_scores(x, labels, factory(seed), folds, seed), n_flagged)
               for name, factory in AUDIT_MODELS.items()}
    results["context_indicator"] = metrics_at_flag_count(labels, indicator_scores, n_flagged)
    results["context_indicator_leave_one_out"] = metrics_at_flag_count(labels, leave_one_out_scores, n_flagged)
    return results


def interpretation(results: dict[str, FlagMetrics]) -> str:
    """A short answer to: how much label signal is there, and how much do personas keep? Compares the
    cross-validated models with the leave-one-out context indicator (both out of sample)."""
    models = {name: metrics for name, metrics in results.items() if not name.startswith("context_indicator")}
    best_name, best = max(models.items(), key=lambda item: item[1].roc_auc or 0.0)
    indicator = results["context_indicator_leave_one_out"]
    if best.roc_auc is None or indicator.roc_auc is None:
        return "The label has a single class here, so no signal can be measured."
    signal = "little" if best.roc_auc < 0.6 else "some" if best.roc_auc < 0.75 else "substantial"
    if indicator.roc_auc >= best.roc_auc:
        kept = (f"the persona-based context indicator, with each student's own label left out, ranks the label "
                f"at least as well (ROC-AUC {indicator.roc_auc:.2f}): the label signal lives in the persona "
                "and neighbourhood structure more than in any single feature")
    elif best.roc_auc > 0.5:
        share = max(indicator.roc_auc - 0.5, 0.0) / (best.roc_auc - 0.5)
        kept = (f"the persona-based context indicator, with each student's own label left out, keeps about "
                f"{share:.0%} of it above chance (ROC-AUC {indicator.roc_auc:.2f})")
    else:
        kept = f"the context indicator, with each student's own label left out, reaches ROC-AUC {indicator.roc_auc:.2f}"
    return (f"The features carry {signal} signal about the label (best cross-validated model: "
            f"{best_name.replace('_', ' ')}, ROC-AUC {best.roc_auc:.2f}); {kept}. The published indicator's "
            "own figures are in-sample and optimistic. This audit is descriptive; nothing here feeds the personas.")


RESULT_SCHEMA = pa.schema([
    ("model", pa.string()), ("roc_auc", pa.float64()), ("pr_auc", pa.float64()), ("flagged", pa.int64()),
    ("true_positives", pa.int64()), ("false_positives", pa.int64()), ("false_negatives", pa.int64()),
    ("true_negatives", pa.int64()), ("recall", pa.float64()), ("precision", pa.float64()),
    ("interpretation", pa.string())])


def result_table(results: dict[str, FlagMetrics]) -> pa.Table:
    """The label_signal_audit table: one row per model, with the interpretation on every row."""
    names = list(results)
    columns = {field.name: [getattr(results[name], field.name, None) for name in names]
               for field in RESULT_SCHEMA if field.name not in ("model", "interpretation")}
    return pa.table({"model": names, **columns, "interpretation": [interpretation(results)] * len(names)},
                    schema=RESULT_SCHEMA)


def empty_result_table() -> pa.Table:
    """The label_signal_audit table of a build that does not run the audit."""
    return RESULT_SCHEMA.empty_table()
