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


def label_signal_audit(
    x: np.ndarray, labels: np.ndarray, indicator_scores: np.ndarray, n_flagged: int, folds: int, seed: int
) -> dict[str, FlagMetrics]:
    """Metrics for each cross-validated audit model and for the context indicator, all flagging the same
    number of students (the size of the indicator's RED tier)."""
    results = {name: metrics_at_flag_count(labels, out_of_fold_scores(x, labels, factory(seed), folds, seed), n_flagged)
               for name, factory in AUDIT_MODELS.items()}
    results["context_indicator"] = metrics_at_flag_count(labels, indicator_scores, n_flagged)
    return results


def interpretation(results: dict[str, FlagMetrics]) -> str:
    """One sentence that answers: how much label signal is there, and how much do personas keep?"""
    best_name, best = max(((n, m) for n, m in results.items() if n != "context_indicator"),
                          key=lambda item: item[1].roc_auc or 0.0)
    indicator = results["context_indicator"]
    if best.roc_auc is None or indicator.roc_auc is None:
        return "The label has a single class here, so no signal can be measured."
    signal = "little" if best.roc_auc < 0.6 else "some" if best.roc_auc < 0.75 else "substantial"
    kept = (indicator.roc_auc - 0.5) / (best.roc_auc - 0.5) if best.roc_auc > 0.5 else None
    kept_text = (f"the persona-based context indicator keeps about {max(kept, 0):.0%} of it above chance "
                 f"(ROC-AUC {indicator.roc_auc:.2f}, in-sample)") if kept is not None else \
        f"the context indicator reaches ROC-AUC {indicator.roc_auc:.2f} (in-sample)"
    return (f"The features carry {signal} signal about the label (best cross-validated model: "
            f"{best_name.replace('_', ' ')}, ROC-AUC {best.roc_auc:.2f}); {kept_text}. "
            "This audit is descriptive; nothing here feeds the personas.")
