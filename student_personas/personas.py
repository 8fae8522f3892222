"""Personas: K-Means in factor space, chosen by silhouette, fitted on all students, with stability.

Selection (the k sweep, silhouettes, stability) runs on documented seeded samples so that no step needs
all-pairs distances; the final centroids are refined on every student. Persona ids are canonical: 1 is
the largest persona, so the same input always gives the same ids and names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

from student_personas import factors


@dataclass(frozen=True)
class KSweep:
    """Per-k quality metrics (arrays aligned with `ks`) and the k chosen by the highest silhouette."""

    ks: np.ndarray
    silhouette: np.ndarray
    davies_bouldin: np.ndarray
    calinski_harabasz: np.ndarray
    inertia: np.ndarray
    chosen_k: int
    rule: str
    centroids: dict  # k -> the best-of-restarts centroids on the sample, used to start the final fit


def seeded_sample(n_rows: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of a seeded sample without replacement (all rows when size >= n_rows)."""
    if size >= n_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=size, replace=False))


@dataclass(frozen=True)
class KMeansFit:
    """One K-Means fit (best of the seeded restarts) with its quality indices."""

    labels: np.ndarray
    centroids: np.ndarray
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    inertia: float


def fit_kmeans(scores: np.ndarray, k: int, restarts: int, seed: int, silhouette_sample: int) -> KMeansFit:
    """K-Means with `restarts` seeded restarts, scored by silhouette (on a seeded sample of at most
    `silhouette_sample` rows: silhouette needs all pairwise distances), Davies-Bouldin and
    Calinski-Harabasz. A fit that collapses to one cluster gets silhouette -1."""
    model = KMeans(n_clusters=int(k), n_init=restarts, random_state=seed).fit(scores)
    labels = model.labels_
    if np.unique(labels).size < 2:
        silhouette, davies, calinski = -1.0, np.nan, np.nan
    else:
        silhouette = float(silhouette_score(
            scores, labels, sample_size=min(silhouette_sample, scores.shape[0]), random_state=seed))
        davies = float(davies_bouldin_score(scores, labels))
        calinski = float(calinski_harabasz_score(scores, labels))
    return KMeansFit(labels, model.cluster_centers_, silhouette, davies, calinski, float(model.inertia_))


def sweep_k(scores: np.ndarray, ks, restarts: int, seed: int, silhouette_sample: int) -> KSweep:
    """`fit_kmeans` for every k; k is chosen by the highest silhouette, the smaller k on ties."""
    ks = np.array([k for k in ks if 2 <= k < scores.shape[0]], dtype=int)
    if ks.size == 0:
        raise ValueError(f"no k in the sweep fits {scores.shape[0]} students (need 2 <= k < students)")
    fits = [fit_kmeans(scores, int(k), restarts, seed, silhouette_sample) for k in ks]
    silhouettes = np.array([fit.silhouette for fit in fits])
    return KSweep(
        ks=ks,
        silhouette=silhouettes,
        davies_bouldin=np.array([fit.davies_bouldin for fit in fits]),
        calinski_harabasz=np.array([fit.calinski_harabasz for fit in fits]),
        inertia=np.array([fit.inertia for fit in fits]),
        chosen_k=int(ks[int(np.argmax(silhouettes))]),
        rule="highest mean silhouette (smaller k on ties)",
        centroids={int(k): fit.centroids for k, fit in zip(ks, fits)},
    )


def nearest_centroids(scores: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every row: index of the nearest centroid, the distance to it, and the margin to the next nearest
    (distance to second nearest minus distance to nearest, a soft-membership signal: near 0 means the
    student sits between two personas). Vectorised; memory is rows × centroids."""
    squared = (
        (scores**2).sum(axis=1, keepdims=True)
        - 2.0 * scores @ centroids.T
        + (centroids**2).sum(axis=1)[None, :]
    )
    order = np.argsort(squared, axis=1, kind="stable")
    nearest = order[:, 0]
    # The expansion ranks the centres; the two distances reported are computed directly, since the expansion
    # cancels to rounding noise (about 1e-8 after the square root) for a student at a centre.
    distance = np.linalg.norm(scores - centroids[nearest], axis=1)
    if centroids.shape[0] == 1:
        return nearest, distance, np.zeros(scores.shape[0])
    return nearest, distance, np.linalg.norm(scores - centroids[order[:, 1]], axis=1) - distance


def canonical_order(centroids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Permutation of centroids so that persona 1 is the largest (ties by centroid coordinates)."""
    sizes = np.bincount(labels, minlength=centroids.shape[0])
    keys = [(-sizes[i], *centroids[i].round(12)) for i in range(centroids.shape[0])]
    return np.array(sorted(range(centroids.shape[0]), key=lambda i: keys[i]))


def fit_centroids(scores: np.ndarray, k: int, start: np.ndarray, max_iter: int = 300) -> np.ndarray:
    """Final K-Means on every student, started from the best-of-restarts centroids found on the sample,
    returned in canonical order (persona 1 = largest)."""
    model = KMeans(n_clusters=k, init=start, n_init=1, max_iter=max_iter).fit(scores)
    return model.cluster_centers_[canonical_order(model.cluster_centers_, model.labels_)]


def fit_pipeline_labels(
    x_fit: np.ndarray, x_score: np.ndarray, rank: int, k: int, restarts: int, seed: int
) -> np.ndarray:
    """The whole factor + persona pipeline fitted on `x_fit` and used to label the rows of `x_score`."""
    components = factors.fit_nmf_components(x_fit, rank, seed)
    fit_scores = factors.factor_scores(x_fit, components)
    model = KMeans(n_clusters=k, n_init=restarts, random_state=seed).fit(fit_scores)
    labels, _, _ = nearest_centroids(factors.factor_scores(x_score, components), model.cluster_centers_)
    return labels


def best_match_jaccard(reference: np.ndarray, candidate: np.ndarray, n_reference: int) -> np.ndarray:
    """For each reference cluster, the highest Jaccard index |A∩B| / |A∪B| with any candidate cluster."""
    n_candidate = int(candidate.max()) + 1
    overlap = np.zeros((n_reference, n_candidate))
    np.add.at(overlap, (reference, candidate), 1)
    reference_sizes = overlap.sum(axis=1, keepdims=True)
    candidate_sizes = overlap.sum(axis=0, keepdims=True)
    union = reference_sizes + candidate_sizes - overlap
    jaccard = np.divide(overlap, union, out=np.zeros_like(overlap), where=union > 0)
    return jaccard.max(axis=1)


@dataclass(frozen=True)
class Stability:
    """Bootstrap Jaccard per persona (rows = resamples) and ARI between runs with different seeds."""

    jaccard: np.ndarray  # resamples × personas
    seed_ari: np.ndarray  # one value per pair of seeded runs


def persona_stability(
    x_sample: np.ndarray, labels: np.ndarray, rank: int, k: int, restarts: int, seed: int,
    resamples: int, seed_runs: int,
) -> Stability:
    """How reproducible the personas are.

    Bootstrap (Hennig's cluster-wise stability): refit the factor + persona pipeline on a bootstrap
    resample of the sample, label the sample with it, and record for every persona the best-match
    Jaccard with the refitted clusters; averaged over resamples, values below about 0.6 mean the persona
    does not reliably reappear. Seeds: refit on the sample with different seeds and report the adjusted
    Rand index between every pair of runs (1 = identical partitions)."""
    rng = np.random.default_rng(seed)
    jaccard = np.empty((resamples, k))
    for resample in range(resamples):
        rows = rng.integers(0, x_sample.shape[0], size=x_sample.shape[0])
        refit = fit_pipeline_labels(x_sample[rows], x_sample, rank, k, restarts, seed + 1 + resample)
        jaccard[resample] = best_match_jaccard(labels, refit, k)
    runs = [fit_pipeline_labels(x_sample, x_sample, rank, k, restarts, seed + 1000 + run) for run in range(seed_runs)]
    seed_ari = np.array([
        adjusted_rand_score(runs[a], runs[b]) for a in range(seed_runs) for b in range(a + 1, seed_runs)
    ])
    return Stability(jaccard=jaccard, seed_ari=seed_ari)
