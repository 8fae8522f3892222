"""The other clusterers of clustering_comparison on small data with known groups."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from student_personas import comparison


def separated(n_groups=3, per_group=100, seed=0):
    """Non-negative groups like factor scores, with a share of exact zeros (a pattern absent)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(n_groups) * 1.0 + 0.05
    labels = np.repeat(np.arange(n_groups), per_group)
    return np.maximum(centres[labels] + rng.normal(0, 0.08, (labels.size, n_groups)), 0.0), labels


def test_eigengap_by_hand():
    # Three eigenvalues near 0, then a jump: the gap after the third is the largest.
    assert comparison.eigengap_k(np.array([0.0, 0.01, 0.02, 0.6, 0.65, 0.7]), [2, 3, 4, 5]) == 3
    assert comparison.eigengap_k(np.array([0.0, 0.5, 0.55, 0.6]), [2, 3]) == 2
    # Only ks with a following eigenvalue count.
    assert comparison.eigengap_k(np.array([0.0, 0.01, 0.9]), [2, 3, 4]) == 2


@pytest.mark.parametrize("method", [comparison.spectral, comparison.gaussian_mixture, comparison.ward_hierarchical])
def test_each_method_finds_well_separated_groups_and_their_number(method):
    scores, truth = separated()
    result = method(scores, range(2, 7), seed=0)
    assert result.chosen_k == 3, result.criterion
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert set(result.criterion) <= set(range(2, 7)) and result.k_rule


def test_methods_are_deterministic_for_a_seed():
    scores, _ = separated()
    for method in (comparison.spectral, comparison.gaussian_mixture, comparison.ward_hierarchical):
        assert np.array_equal(method(scores, range(2, 6), seed=3).labels, method(scores, range(2, 6), seed=3).labels)


def test_compare_scores_every_method_against_the_personas():
    scores, truth = separated()
    result = comparison.compare(scores, truth, range(2, 7), seed=0)
    assert [r.method for r in result.results] == ["spectral", "gaussian_mixture", "ward"]
    assert all(ari > 0.95 for ari in result.ari.values())
    assert result.silhouettes["kmeans"] == pytest.approx(result.silhouettes["ward"], abs=0.02)
    shuffled = np.random.default_rng(1).permutation(truth)
    assert all(ari < 0.1 for ari in comparison.compare(scores, shuffled, range(2, 7), seed=0).ari.values())
