"""The opt-in label-signal audit on hand-checkable data."""

import numpy as np
import pytest

from student_personas import audit


def test_flag_top_breaks_ties_by_row_order():
    assert audit.flag_top(np.array([0.2, 0.9, 0.5, 0.9]), 2).tolist() == [False, True, False, True]
    assert audit.flag_top(np.array([0.5, 0.5, 0.5]), 1).tolist() == [True, False, False]


def test_metrics_at_flag_count_by_hand():
    labels = np.array([1, 0, 1, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.3, 0.2, 0.1, 0.05])
    metrics = audit.metrics_at_flag_count(labels, scores, 2)
    assert (metrics.true_positives, metrics.false_positives, metrics.false_negatives, metrics.true_negatives) == (1, 1, 1, 3)
    assert metrics.recall == 0.5 and metrics.precision == 0.5
    # Positives rank 1st and 3rd of 6: 7 of the 8 positive-negative pairs are ordered correctly.
    assert metrics.roc_auc == pytest.approx(7 / 8)
    single_class = audit.metrics_at_flag_count(np.zeros(4), np.arange(4.0), 1)
    assert single_class.roc_auc is None and single_class.recall is None


def test_out_of_fold_scores_find_real_signal_and_not_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    labels = (x[:, 0] + rng.normal(0, 0.5, 600) > 1.2).astype(int)
    factory = audit.AUDIT_MODELS["logistic_regression"](0)
    signal = audit.metrics_at_flag_count(labels, audit.out_of_fold_scores(x, labels, factory, 5, 0), 60)
    noise = rng.permutation(labels)
    chance = audit.metrics_at_flag_count(noise, audit.out_of_fold_scores(x, noise, factory, 5, 0), 60)
    assert signal.roc_auc > 0.9 and 0.35 < chance.roc_auc < 0.65


def test_too_few_positives_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 positives"):
        audit.out_of_fold_scores(np.zeros((10, 2)), np.array([1] + [0] * 9), audit.AUDIT_MODELS["decision_tree"](0), 5, 0)


def test_leave_one_out_scores_drop_the_students_own_label():
    personas = np.array([1, 1, 1, 1, 2, 2])
    labels = np.array([1, 0, 0, 0, 1, 1])
    neighbour_rates = np.full(6, 0.1)
    scores = audit.leave_one_out_context_scores(personas, labels, neighbour_rates, 0.5, 0.5)
    # Persona 1 holds one positive: the positive student sees 0/3 of the others, the rest see 1/3.
    assert np.allclose(scores, 0.5 * np.array([0, 1 / 3, 1 / 3, 1 / 3, 1, 1]) + 0.05)
    assert np.allclose(audit.leave_one_out_context_scores(np.array([7]), np.array([1]), np.zeros(1), 1, 0), [0.0])


def test_audit_compares_models_with_the_indicator_and_explains_itself():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 4))
    labels = (x[:, 1] > 1.0).astype(int)
    noisy = x[:, 1] + rng.normal(0, 1, 500)
    results = audit.label_signal_audit(x, labels, indicator_scores=noisy, leave_one_out_scores=noisy,
                                       n_flagged=50, folds=5, seed=0)
    assert set(results) == {"logistic_regression", "decision_tree", "context_indicator",
                            "context_indicator_leave_one_out"}
    assert all(r.flagged == 50 for r in results.values())
    text = audit.interpretation(results)
    assert "substantial signal" in text and "keeps about" in text and "nothing here feeds the personas" in text
    share = float(text.split("keeps about ")[1].split("%")[0])
    assert 0 < share < 100


def test_interpretation_when_the_indicator_beats_the_models():
    weak = audit.FlagMetrics(0.55, 0.1, 5, 1, 4, 9, 86)
    strong = audit.FlagMetrics(0.70, 0.2, 5, 2, 3, 8, 87)
    text = audit.interpretation({"logistic_regression": weak, "decision_tree": weak,
                                 "context_indicator": strong, "context_indicator_leave_one_out": strong})
    assert "little signal" in text and "ranks the label at least as well" in text and "%" not in text
