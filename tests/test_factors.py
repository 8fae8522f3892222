"""NMF rank selection, factor scoring and the SVD matching, on small hand-checkable matrices."""

import numpy as np
import pytest

from student_personas import factors


def planted_low_rank(n_rows=600, rank=3, n_features=12, noise=0.03, seed=0):
    """Rows mix `rank` parts; part j loads on its own block of features (plus a little everywhere)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.0, 1.0, size=(n_rows, rank))
    h = np.full((rank, n_features), 0.05)
    for part, block in enumerate(np.array_split(np.arange(n_features), rank)):
        h[part, block] = 0.8
    return np.clip(w @ h + rng.normal(0, noise, size=(n_rows, n_features)), 0, None)


def test_heldout_error_finds_the_planted_rank_while_training_error_keeps_falling():
    x = planted_low_rank()
    sweep = factors.sweep_ranks(x, range(2, 9), n_folds=4, seed=1)
    assert sweep.chosen_rank == 3
    assert np.all(np.diff(sweep.training_error) < 0)  # the notebook's criterion would pick the largest rank
    assert sweep.heldout_mse[sweep.ranks == 3][0] == sweep.heldout_mse.min()
    assert sweep.heldout_mse[sweep.ranks == 3][0] < sweep.heldout_mse[sweep.ranks == 8][0]
    assert "lowest mean" in sweep.rule and "held-out" in sweep.rule


def test_sweep_skips_ranks_not_below_the_feature_count_and_uses_the_features_when_none_remain():
    x = planted_low_rank(n_features=5)
    assert factors.sweep_ranks(x, range(2, 9), n_folds=3, seed=0).ranks.tolist() == [2, 3, 4]
    direct = factors.sweep_ranks(x, [5, 6], n_folds=3, seed=0)
    assert direct.direct and direct.chosen_rank == 5 and direct.ranks.tolist() == [5]
    assert np.isnan(direct.heldout_mse).all() and direct.rule.startswith("Only 5 encoded features")


def test_a_rank_of_every_feature_makes_each_factor_one_feature_and_the_scores_the_features():
    x = planted_low_rank(n_rows=50, n_features=3)
    x[:, 1] *= 3  # the largest sum of squares comes first
    components = factors.fit_nmf_components(x, 3, seed=0)
    assert sorted(map(tuple, components)) == sorted(map(tuple, np.eye(3)))
    assert components[0].tolist() == [0.0, 1.0, 0.0]
    np.testing.assert_allclose(factors.factor_scores(x, components), x[:, np.argmax(components, axis=1)], atol=1e-12)
    loadings, explained = factors.svd_components(x, 3, seed=0)
    assert loadings.shape == (3, 3) and explained.shape == (3,) and np.all(np.diff(explained) <= 1e-12)
    np.testing.assert_allclose(np.abs(loadings @ loadings.T), np.eye(3), atol=1e-9)


def test_masked_nmf_only_fits_visible_entries():
    x = planted_low_rank(noise=0.0)
    visible = np.ones_like(x, dtype=bool)
    visible[::7, 2] = False
    corrupted = x.copy()
    corrupted[~visible] = 100.0  # hidden entries must not influence the fit
    w, h = factors.masked_nmf(corrupted, visible, 3, seed=0)
    assert np.abs((w @ h) - x)[visible].mean() < 0.01
    assert np.abs((w @ h) - x)[~visible].max() < 0.1  # predicted from the other entries, not the 100s


def test_heldout_predictions_are_clipped_to_the_visible_range():
    x = np.array([[0.0, 0.5], [1.0, 0.2], [0.4, 0.9]])
    visible = np.array([[True, True], [True, False], [True, True]])
    w, h = np.array([[2.0], [0.5], [1.0]]), np.array([[1.0, 1.0]])  # reconstruction up to 2.0
    predicted = factors.heldout_predictions(x, visible, w, h)
    assert np.allclose(predicted, [[1.0, 0.9], [0.5, 0.5], [1.0, 0.9]])  # column 2's visible range is [0.5, 0.9]


def test_nndsvda_is_non_negative_deterministic_and_without_zeros():
    x = planted_low_rank()
    w, h = factors.nndsvda(x, 4)
    w2, h2 = factors.nndsvda(x, 4)
    assert w.shape == (x.shape[0], 4) and h.shape == (4, x.shape[1])
    assert (w > 0).all() and (h > 0).all()
    assert np.array_equal(w, w2) and np.array_equal(h, h2)


def test_components_have_unit_norm_and_are_ordered_by_reconstruction_share():
    x = planted_low_rank()
    components = factors.fit_nmf_components(x, 3, seed=0)
    assert np.allclose(np.linalg.norm(components, axis=1), 1.0)
    shares = factors.reconstruction_shares(factors.factor_scores(x, components))
    assert np.all(np.diff(shares) <= 1e-9) and shares.sum() == pytest.approx(1.0)


def test_factor_scores_recover_the_weights_of_an_exact_factorisation():
    h = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]]) / np.sqrt(2)
    w = np.array([[2.0, 0.0], [0.5, 1.5], [0.0, 3.0]])
    assert np.allclose(factors.factor_scores(w @ h, h), w, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 3, 6, 10])
def test_factor_scores_are_the_exact_nnls_solution_of_every_row(rank):
    """Against scipy's Lawson-Hanson NNLS row by row, and the optimality conditions directly: w >= 0, the
    gradient H (Hᵀw - x) is 0 where w > 0 and >= 0 where w = 0, and w_A = (H_A H_Aᵀ)⁻¹ H_A x on the active set."""
    from scipy.optimize import nnls

    rng = np.random.default_rng(rank)
    h = rng.uniform(0, 1, size=(rank, 15)) ** 2
    h /= np.linalg.norm(h, axis=1, keepdims=True)
    x = np.clip(rng.uniform(-0.4, 1.0, size=(400, 15)), 0, None)
    x[:5] = 0.0  # all-zero rows score 0
    w = factors.factor_scores(x, h)
    expected = np.array([nnls(h.T, row)[0] for row in x])
    assert np.abs(w - expected).max() < 1e-12
    assert (w >= 0).all() and (w[:5] == 0).all()
    gradient = w @ h @ h.T - x @ h.T
    assert np.abs(gradient[w > 0]).max(initial=0) < 1e-12 and gradient[w == 0].min(initial=0) > -1e-12
    for rows in factors.rows_by_active_set(w > 0):
        active = w[rows[0]] > 0
        assert ((w[rows] > 0) == active).all()
        if active.any():
            mapped = np.linalg.solve(h[active] @ h[active].T, h[active] @ x[rows].T).T
            assert np.abs(mapped - w[rows][:, active]).max() < 1e-12
    assert 1 < len(factors.rows_by_active_set(w > 0)) <= 2 ** rank


def test_rows_by_active_set_groups_every_row_once():
    active = np.array([[True, False], [False, False], [True, False], [True, True]])
    groups = factors.rows_by_active_set(active)
    assert sorted(map(sorted, (g.tolist() for g in groups))) == [[0, 2], [1], [3]]
    assert factors.active_set_keys(active).tolist() == [1, 0, 1, 3]


def test_reconstruction_shares_by_hand():
    scores = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # squared norms 9 and 2
    assert np.allclose(factors.reconstruction_shares(scores), [9 / 11, 2 / 11])


def test_matching_recovers_a_permutation_and_ignores_sign():
    nmf = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    svd = np.array([[0, 0, -1.0], [1.0, 0.1, 0], [0, 1.0, 0]])
    matched, similarity = factors.match_components(nmf, svd)
    assert matched.tolist() == [1, 2, 0]
    assert similarity[2] == pytest.approx(1.0)
    assert similarity[0] == pytest.approx(1 / np.sqrt(1.01))


def test_matching_is_one_to_one_even_when_one_component_fits_two_factors_best():
    nmf = np.array([[1.0, 0.1], [1.0, 0.0]])
    svd = np.array([[1.0, 0.05], [0.0, 1.0]])
    matched, _ = factors.match_components(nmf, svd)
    assert sorted(matched.tolist()) == [0, 1]


def test_svd_components_shapes_and_variance():
    x = planted_low_rank()
    loadings, explained = factors.svd_components(x, 3, seed=0)
    assert loadings.shape == (3, x.shape[1]) and np.all(np.diff(explained) <= 1e-12)


def test_factor_label_lists_the_largest_positive_loadings():
    assert factors.factor_label(np.array([0.1, 0.7, 0.0, 0.5]), ["a", "b", "c", "d"], top=3) == "b + d + a"
    assert factors.factor_label(np.array([0.0, 0.7, 0.0]), ["a", "b", "c"], top=3) == "b"
