"""The sub-group check inside a persona (student_personas.subgroups): the split share, the block-shuffled
reference, and the check on generated groups that do and do not hold a sub-group."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from student_personas import subgroups

RESTARTS, SEED, DRAWS = 10, 42, 10


def brute_force_split_share(values: np.ndarray) -> float:
    ordered = np.sort(values)
    total = ((ordered - ordered.mean()) ** 2).sum()
    best = 0.0
    for cut in range(1, ordered.size):
        left, right = ordered[:cut], ordered[cut:]
        within = ((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum()
        best = max(best, 1 - within / total)
    return best


def test_the_split_share_is_the_best_threshold_found_by_trying_every_cut():
    values = np.random.default_rng(0).gamma(2.0, size=200)
    assert subgroups.threshold_split_share(values) == pytest.approx(brute_force_split_share(values), rel=1e-12)


def test_the_split_share_of_a_normal_line_is_two_over_pi_and_of_two_clumps_nearly_one():
    rng = np.random.default_rng(1)
    assert subgroups.threshold_split_share(rng.normal(size=200_000)) == pytest.approx(2 / np.pi, abs=0.005)
    assert subgroups.threshold_split_share(rng.uniform(size=200_000)) == pytest.approx(0.75, abs=0.005)
    clumps = np.concatenate([rng.normal(0, 0.01, 300), rng.normal(5, 0.01, 100)])
    assert subgroups.threshold_split_share(clumps) > 0.999
    assert subgroups.threshold_split_share(np.full(50, 3.0)) == 0.0


def test_block_shuffling_keeps_every_column_and_every_categorical_block_whole():
    rng = np.random.default_rng(2)
    levels = rng.integers(0, 3, size=500)
    first = rng.normal(size=500)
    z = np.column_stack([first, np.eye(3)[levels], first + 0.05 * rng.normal(size=500)])
    groups = np.array([0, 1, 1, 1, 2])
    shuffled = subgroups.block_permuted(z, groups, (SEED, 0))
    for column in range(z.shape[1]):
        assert np.array_equal(np.sort(shuffled[:, column]), np.sort(z[:, column]))
    assert np.all(shuffled[:, 1:4].sum(axis=1) == 1.0)  # one level per student, as in the data
    assert np.corrcoef(z[:, 0], z[:, 4])[0, 1] > 0.99
    assert abs(np.corrcoef(shuffled[:, 0], shuffled[:, 4])[0, 1]) < 0.15  # each block has its own order
    assert np.array_equal(shuffled, subgroups.block_permuted(z, groups, (SEED, 0)))
    assert not np.array_equal(shuffled, subgroups.block_permuted(z, groups, (SEED, 1)))


def persona_with_subgroup(n: int, share: float, shifted_columns: int, seed: int,
                          shift: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """A persona of n students over 30 features in [0, 1] whose `share` differ by `shift` on `shifted_columns`."""
    rng = np.random.default_rng(seed)
    z = np.clip(rng.normal(0.5, 0.1, size=(n, 30)), 0, 1)
    member = rng.random(n) < share
    z[np.ix_(member, np.arange(shifted_columns))] += shift
    return np.clip(z, 0, 1), member


def continuous_groups(n_columns: int) -> np.ndarray:
    return np.arange(n_columns)


def test_a_group_that_differs_on_a_few_columns_is_found_and_its_students_placed():
    z, member = persona_with_subgroup(1500, 0.25, 5, seed=3)
    check = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS)
    assert check.has_subgroup, check.note
    assert check.gap > 0.5 and check.note.startswith("sub-group")
    assert adjusted_rand_score(member, check.split.sides) > 0.9
    assert check.split.smaller_share == pytest.approx(member.mean(), abs=0.03)
    assert np.array_equal(check.split.sides == 1, member) or check.split.sides[member].mean() > 0.95


def test_a_correlated_unimodal_persona_holds_no_sub_group():
    """Strong correlations between columns are not a sub-group: the data's split is along its longest axis,
    but the projection on it is one normal hump. (Shuffling columns would destroy the correlation; the
    split share measures the shape along the line, which shuffling does not change for a normal.)"""
    rng = np.random.default_rng(4)
    shared = rng.normal(size=(2000, 1))
    z = 0.5 + 0.1 * (0.9 * shared + 0.45 * rng.normal(size=(2000, 12)))
    check = subgroups.check_persona(z, continuous_groups(12), RESTARTS, SEED, DRAWS)
    assert not check.has_subgroup, check.note
    assert abs(check.gap) < 0.25


def test_a_categorical_column_would_hide_a_sub_group_so_the_check_uses_the_continuous_features():
    """A 25% sub-group on three of eight numeric columns, in a persona that also varies on a three-level
    categorical column: with the column's indicators included, shuffled copies split along its levels more
    cleanly than any real sub-group and the sub-group is missed; on the continuous features it is found."""
    rng = np.random.default_rng(5)
    z, member = persona_with_subgroup(1500, 0.25, 3, seed=11)
    z = z[:, :8]
    levels = rng.choice(3, size=z.shape[0], p=[0.5, 0.3, 0.2])
    with_levels = np.column_stack([z, 0.58 * np.eye(3)[levels]])
    kinds = ["numeric"] * 8 + ["one_hot"] * 3
    columns = subgroups.continuous_columns(kinds, [False] * 8 + [True] * 3)
    assert columns.tolist() == list(range(8))
    blinded = subgroups.check_persona(with_levels, np.array([*range(8), 8, 8, 8]), RESTARTS, SEED, DRAWS)
    assert not blinded.has_subgroup and blinded.gap < 0, blinded.note
    check = subgroups.check_persona(with_levels[:, columns], np.arange(8), RESTARTS, SEED, DRAWS)
    assert check.has_subgroup, check.note
    assert adjusted_rand_score(member, check.split.sides) > 0.9


def test_only_numeric_features_with_many_values_are_checked():
    kinds = ["numeric", "numeric", "one_hot", "one_hot", "numeric"]
    assert subgroups.continuous_columns(kinds, [False, True, True, True, False]).tolist() == [0, 4]
    check = subgroups.check_persona(np.ones((100, 0)), np.array([], dtype=int), RESTARTS, SEED, DRAWS)
    assert not check.has_subgroup and check.note.startswith("not checked: no continuous feature")


def test_centres_in_the_full_feature_space_place_students_by_the_checked_features_only():
    rng = np.random.default_rng(12)
    centres = rng.random((2, 3))
    columns = np.array([0, 2, 5])
    full = subgroups.embedded(centres, columns, 7)
    assert np.array_equal(full[:, columns], centres) and not full[:, [1, 3, 4, 6]].any()
    x = rng.random((500, 7))
    reduced = ((x[:, columns] - centres[1]) ** 2).sum(axis=1) < ((x[:, columns] - centres[0]) ** 2).sum(axis=1)
    whole = np.linalg.norm(x - full[1], axis=1) < np.linalg.norm(x - full[0], axis=1)
    assert np.array_equal(reduced, whole)


def test_few_valued_columns_are_not_a_sub_group():
    rng = np.random.default_rng(6)
    z = rng.integers(0, 3, size=(1200, 8)) / 2.0
    check = subgroups.check_persona(z, continuous_groups(8), RESTARTS, SEED, DRAWS)
    assert not check.has_subgroup, check.note


def test_a_clean_split_with_a_tiny_side_is_reported_but_not_a_sub_group():
    z, member = persona_with_subgroup(2000, 0.03, 20, seed=7, shift=0.45)
    check = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS,
                                    subgroups.Rules(min_share=0.05))
    assert not check.has_subgroup
    assert check.gap > 0.25 and "smaller side holds" in check.note


def test_a_persona_too_small_to_check_says_so():
    z, _ = persona_with_subgroup(30, 0.3, 5, seed=8)
    check = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS, subgroups.Rules(min_students=40))
    assert not check.has_subgroup and check.split is None and check.gap is None
    assert check.note == "not checked: 30 students, fewer than 40"


def test_the_check_is_seeded():
    z, _ = persona_with_subgroup(800, 0.3, 4, seed=9)
    first = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS)
    second = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS)
    assert first.gap == second.gap and np.array_equal(first.split.centres, second.split.centres)


def test_refined_centres_put_the_larger_side_first_and_place_students_as_k_means_does():
    z, member = persona_with_subgroup(1500, 0.3, 6, seed=10)
    check = subgroups.check_persona(z, continuous_groups(30), RESTARTS, SEED, DRAWS)
    centres = subgroups.refined_centres(z, check.split.centres[::-1].copy())
    nearer_second = ((z - centres[1]) ** 2).sum(axis=1) < ((z - centres[0]) ** 2).sum(axis=1)
    assert nearer_second.mean() < 0.5
    assert adjusted_rand_score(member, nearer_second) > 0.9
    for side in (0, 1):  # K-Means converged: each centre is the mean of the students nearer it
        assert np.allclose(centres[side], z[nearer_second == bool(side)].mean(axis=0), atol=1e-6)
