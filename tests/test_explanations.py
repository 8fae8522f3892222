"""The exact split of a student's placement into per-feature parts, on small generated cohorts."""

import numpy as np
import pytest

from student_personas import explanations, factors, personas


PER_PATTERN = 120


def patterned_cohort(n_features=10, seed=0):
    """Four patterns of PER_PATTERN students; pattern p is distinguished by feature p alone (0.9 against
    0.2 for the other patterns), the other features are common noise around 0.5; values in [0, 1]."""
    rng = np.random.default_rng(seed)
    rows = []
    for pattern in range(4):
        centre = np.full(n_features, 0.5)
        centre[:4] = 0.2
        centre[pattern] = 0.9
        rows.append(np.clip(rng.normal(centre, 0.08, size=(PER_PATTERN, n_features)), 0, 1))
    return np.vstack(rows)


@pytest.fixture(scope="module")
def fitted():
    x = patterned_cohort()
    components = factors.fit_nmf_components(x, 4, seed=0)
    scores = factors.factor_scores(x, components)
    centroids = personas.fit_centroids(scores, 4, scores[np.arange(4) * PER_PATTERN])
    own, _, _ = personas.nearest_centroids(scores, centroids)
    return x, components, scores, centroids, own


def test_parts_and_baseline_sum_to_the_gap_for_every_student(fitted):
    x, components, scores, centroids, own = fitted
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    squared = ((scores[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    ordered = np.sort(squared, axis=1)
    assert np.allclose(placed.gap, ordered[:, 1] - ordered[:, 0], atol=1e-12)  # own is nearest, next is second
    assert (placed.next_persona != own).all() and (placed.gap >= 0).all()
    assert placed.largest_error < 1e-12
    residual = placed.parts.sum(axis=1) + placed.baseline - placed.gap
    assert np.abs(residual).max() == placed.largest_error


def test_the_coefficients_are_the_gaps_slope_in_each_feature(fitted):
    """β_j is the derivative of the gap in x_j: nudge one feature of a student (far from any change of
    active set or persona) and the recomputed gap moves by β_j times the nudge."""
    x, components, scores, centroids, own = fitted
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    pull = 2.0 * (centroids[own] - centroids[placed.next_persona])
    coefficients = explanations.gap_coefficients(x, components, scores, pull)
    step = 1e-6
    for student in (0, 130, 250, 400):
        for feature in (0, 3, 9):
            nudged = x[student].copy()
            nudged[feature] += step
            nudged_scores = factors.factor_scores(nudged[None, :], components)
            assert ((nudged_scores > 0) == (scores[student] > 0)).all()
            gap = explanations.squared_distance_gap(nudged_scores, centroids, own[[student]],
                                                    placed.next_persona[[student]])[0]
            assert (gap - placed.gap[student]) / step == pytest.approx(coefficients[student, feature], rel=1e-4, abs=1e-6)


def test_parts_are_measured_from_a_typical_student_of_the_rival_persona(fitted):
    """Parts and baseline sum to the gap; for a student in the same region of the projection as their rival's
    mean, the parts are β (x - rival mean) exactly and the baseline is the gap of the rival's mean student."""
    x, components, scores, centroids, own = fitted
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    assert np.abs(placed.parts.sum(axis=1) + placed.baseline - placed.gap).max() < 1e-12
    means = explanations.persona_feature_means(x, own, len(centroids))
    rival = means[placed.next_persona]
    rival_scores = factors.factor_scores(means, components)
    rival_gap = explanations.squared_distance_gap(rival_scores[placed.next_persona], centroids, own, placed.next_persona)
    same_region = ((scores > 0) == (rival_scores[placed.next_persona] > 0)).all(axis=1)
    assert same_region.sum() > 100
    pull = 2.0 * (centroids[own] - centroids[placed.next_persona])
    beta = explanations.gap_coefficients(x, components, scores, pull)
    assert np.allclose(placed.parts[same_region], (beta * (x - rival))[same_region], atol=1e-12)
    assert np.allclose(placed.baseline[same_region], rival_gap[same_region], atol=1e-9)
    assert (placed.baseline < 0).mean() > 0.9  # a typical rival student is nearer the rival persona


def test_a_persona_defined_by_two_columns_at_zero_names_them_among_its_reasons():
    """Planted cause (issue: a student with every curricular unit at 0 was placed 'mainly because of' other
    columns): the columns A and B load on one factor only, and the persona's students have A = B = 0, so
    that factor is 0 for them and the local slope of A and B is exactly 0. Measured along the way from a
    typical student of the rival persona, A or B is among the top 3 reasons of at least 90% of them."""
    rng = np.random.default_rng(4)
    components = np.array([[1, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 1]],
                          dtype=float)
    components /= np.linalg.norm(components, axis=1, keepdims=True)
    centres = {0: [0.0, 0.0, 0.5, 0.5, 0.5, 0.5], 1: [0.8, 0.8, 0.5, 0.5, 0.5, 0.5],
               2: [0.8, 0.8, 0.5, 0.9, 0.5, 0.5], 3: [0.8, 0.8, 0.5, 0.5, 0.9, 0.9]}
    x = np.vstack([np.clip(rng.normal(centre, 0.06, size=(150, 6)), 0, 1) for centre in centres.values()])
    x[:150, :2] = 0.0  # the persona's columns A and B at zero
    scores = factors.factor_scores(x, components)
    centroids = personas.fit_centroids(scores, 4, scores[np.arange(4) * 150])
    own, _, _ = personas.nearest_centroids(scores, centroids)
    members = np.flatnonzero(own == own[0])
    assert len(members) >= 140 and (scores[members, 0] == 0).all()
    placed = explanations.explain_placements(x, components, scores, centroids, own)
    pull = 2.0 * (centroids[own] - centroids[placed.next_persona])
    local = explanations.gap_coefficients(x, components, scores, pull)
    assert (local[members, :2] == 0).all()  # where they stand, A and B do not move the gap at all
    top3 = np.argsort(-placed.parts[members], axis=1, kind="stable")[:, :3]
    assert np.mean([(0 in top or 1 in top) for top in top3]) >= 0.9
    assert (placed.parts[members, :2].sum(axis=1) > 0).mean() >= 0.9  # and they pull toward the persona


def test_a_student_typical_on_every_feature_but_one_is_placed_by_that_feature_first(fitted):
    """Planted: the cohort's mean student with only feature 3 (the one that distinguishes pattern 3) raised
    to 0.9. They land in pattern 3's persona, where the mean student is not; feature 3 is their largest part
    and pulls toward it, and every other part is exactly 0."""
    x, components, scores, centroids, own = fitted
    mean_student = x.mean(axis=0)
    planted = mean_student.copy()
    planted[3] = 0.9
    students = np.vstack([mean_student, planted])
    student_scores = factors.factor_scores(students, components)
    placed_in, _, _ = personas.nearest_centroids(student_scores, centroids)
    pattern_3_persona = np.bincount(own[3 * PER_PATTERN:]).argmax()
    assert placed_in[1] == pattern_3_persona != placed_in[0]
    placed = explanations.explain_placements(students, components, student_scores, centroids, placed_in,
                                             reference=mean_student)
    parts = placed.parts[1]
    assert np.argmax(parts) == 3 and parts[3] > 0
    assert (np.delete(parts, 3) == 0).all()
    assert placed.baseline[1] < 0 < placed.gap[1]  # without feature 3 the next persona would be nearer
    assert placed.largest_error < 1e-12


def test_a_student_with_all_zero_scores_is_explained_along_the_way_from_the_reference():
    components = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    x = np.array([[0.0, 0.0, 0.0], [0.9, 0.1, 0.0]])
    scores = factors.factor_scores(x, components)
    centroids = np.array([[0.2, 0.0], [0.0, 0.9]])
    placed = explanations.explain_placements(x, components, scores, centroids, np.array([0, 0]),
                                             reference=np.array([0.9, 0.1, 0.0]))
    assert (scores[0] == 0).all() and placed.gap[0] == pytest.approx(0.81 - 0.04)
    assert placed.parts[0, 0] != 0  # feature 0 moves the gap on the way from the reference, though not at x
    assert np.abs(placed.parts.sum(axis=1) + placed.baseline - placed.gap).max() < 1e-12


def test_inexact_scores_are_refused_rather_than_explained_approximately(fitted):
    x, components, scores, centroids, own = fitted
    with pytest.raises(ValueError, match="not the exact non-negative projection"):
        explanations.explain_placements(x, components, scores + 1e-6 * (scores > 0), centroids, own)


def test_next_nearest_breaks_ties_by_the_lower_persona_and_needs_two_personas():
    centroids = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    assert explanations.next_nearest(np.array([[0.0, 0.0]]), centroids, np.array([0])).tolist() == [1]
    with pytest.raises(ValueError, match="at least two personas"):
        explanations.next_nearest(np.zeros((1, 2)), centroids[:1], np.array([0]))


def test_column_parts_sum_a_columns_indicators_and_ranks_go_by_pull():
    parts = np.array([[0.5, -0.1, 0.2, 0.0], [0.0, 0.3, 0.3, -0.2]])
    columns, summed = explanations.column_parts(parts, ["a", "c", "c", "b"])
    assert columns == ["a", "c", "b"]
    assert np.allclose(summed, [[0.5, 0.1, 0.0], [0.0, 0.6, -0.2]])
    assert explanations.ranks_by_pull(summed).tolist() == [[1, 2, 3], [2, 1, 3]]
    assert explanations.ranks_by_pull(np.array([[0.0, 0.0, 1.0]])).tolist() == [[2, 3, 1]]  # ties: earlier column
