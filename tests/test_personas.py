"""K-Means selection, assignment, canonical ids and stability on small hand-checkable data."""

import numpy as np
import pytest

from student_personas import personas


def blobs(centers, per_blob=150, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal(c, spread, size=(per_blob, len(c))) for c in centers])
    return np.abs(points), np.repeat(np.arange(len(centers)), per_blob)


def test_seeded_sample_is_sorted_unique_and_reproducible():
    first = personas.seeded_sample(1000, 100, seed=3)
    assert np.array_equal(first, personas.seeded_sample(1000, 100, seed=3))
    assert np.array_equal(first, np.unique(first)) and first.size == 100
    assert not np.array_equal(first, personas.seeded_sample(1000, 100, seed=4))
    assert np.array_equal(personas.seeded_sample(50, 100, seed=3), np.arange(50))


def test_nearest_centroids_distance_and_margin_by_hand():
    centroids = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 10.0]])
    scores = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    nearest, distance, margin = personas.nearest_centroids(scores, centroids)
    assert nearest.tolist() == [0, 0, 1]  # the tie at x = 2 goes to the first centroid
    assert np.allclose(distance, [1.0, 2.0, 1.0])
    assert np.allclose(margin, [2.0, 0.0, 2.0])


def test_canonical_order_puts_the_largest_persona_first():
    centroids = np.array([[5.0], [1.0], [3.0]])
    labels = np.array([0, 1, 1, 1, 2, 2])
    assert personas.canonical_order(centroids, labels).tolist() == [1, 2, 0]


def test_best_match_jaccard_by_hand():
    reference = np.array([0, 0, 0, 1, 1, 1])
    candidate = np.array([1, 1, 0, 0, 0, 0])
    # persona 0 = {0,1,2}: best is candidate 1 = {0,1}: 2/3; persona 1 = {3,4,5}: candidate 0 = {2,3,4,5}: 3/4
    assert np.allclose(personas.best_match_jaccard(reference, candidate, 2), [2 / 3, 3 / 4])


def test_sweep_picks_the_number_of_well_separated_groups():
    scores, _ = blobs([[0, 0], [1, 0], [0, 1]])
    sweep = personas.sweep_k(scores, range(2, 7), restarts=5, seed=0, silhouette_sample=300)
    assert sweep.chosen_k == 3
    assert sweep.silhouette[sweep.ks == 3][0] > 0.7
    assert sweep.davies_bouldin[sweep.ks == 3][0] == sweep.davies_bouldin.min()
    assert "silhouette" in sweep.rule


def test_sweep_refuses_k_values_that_do_not_fit_the_students():
    with pytest.raises(ValueError, match="no k in the sweep fits 3 students"):
        personas.sweep_k(np.eye(3), [3, 4], restarts=1, seed=0, silhouette_sample=10)


def test_final_fit_is_canonical_and_reproducible():
    scores, truth = blobs([[0, 0], [1, 0], [0, 1]], per_blob=100)
    scores = np.vstack([scores, scores[:50]])  # blob 0 becomes the largest
    start = scores[[0, 150, 250]]
    centroids = personas.fit_centroids(scores, 3, start)
    assert np.array_equal(centroids, personas.fit_centroids(scores, 3, start))
    assert np.allclose(centroids[0], [0, 0], atol=0.05)


def test_stability_is_high_for_separated_groups_and_lower_for_noise():
    rng = np.random.default_rng(0)
    parts = np.array([[1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1]], dtype=float)
    group = rng.integers(0, 3, size=400)
    structured = np.abs(parts[group] + rng.normal(0, 0.05, size=(400, 6)))
    labels = personas.fit_pipeline_labels(structured, structured, rank=3, k=3, restarts=5, seed=0)
    result = personas.persona_stability(structured, labels, 3, 3, 5, 0, resamples=5, seed_runs=3)
    assert result.jaccard.shape == (5, 3) and result.jaccard.min() > 0.95
    assert result.seed_ari.shape == (3,) and result.seed_ari.min() > 0.95

    noise = rng.uniform(0, 1, size=(400, 6))
    noise_labels = personas.fit_pipeline_labels(noise, noise, rank=3, k=6, restarts=5, seed=0)
    noisy = personas.persona_stability(noise, noise_labels, 3, 6, 5, 0, resamples=5, seed_runs=3)
    assert noisy.jaccard.mean() < result.jaccard.mean()
