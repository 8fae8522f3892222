"""Other clusterers on the same factor scores, as a check on the K-Means personas.

K-Means assumes compact, similarly sized groups. Three methods with other assumptions are run on a seeded
sample of the same factor scores, each choosing its own number of groups by its own standard criterion:

- **spectral clustering** (as in the course notebooks): a symmetric k-nearest-neighbour graph, the
  normalised Laplacian, k by the **eigengap** heuristic (the largest gap between consecutive small
  eigenvalues), then K-Means on the row-normalised leading eigenvectors (Ng, Jordan & Weiss 2002). It finds
  groups by connectivity, whatever their shape;
- a **Gaussian mixture** (full covariances) with k by the lowest **BIC**: ellipsoidal groups of any size;
- **Ward** hierarchical clustering with k by the highest silhouette: a different optimisation path.

Each is scored by the silhouette of its groups in factor space and by the adjusted Rand index against the
personas of the same students. Where they agree with K-Means (ARI near 1) the personas do not depend on
K-Means' assumptions; where they do not, the groups are a matter of method. K-Means stays the persona
model: it is the only one that assigns a new student without refitting (nearest centre).

Spectral and Ward need all pairwise relations of their rows (graph, merge tree), so they run on a seeded
sample; the mixture is linear in rows and runs on the same sample so that all ARIs refer to the same
students.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, ward
from scipy.sparse import diags
from scipy.sparse.linalg import eigsh
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import kneighbors_graph


@dataclass(frozen=True)
class MethodResult:
    """One clusterer's grouping of the comparison sample."""

    method: str
    k_rule: str
    chosen_k: int
    labels: np.ndarray
    criterion: dict  # k -> the value of the method's own criterion


def _silhouette(scores: np.ndarray, labels: np.ndarray, seed: int) -> float:
    return float(silhouette_score(scores, labels, random_state=seed)) if np.unique(labels).size > 1 else -1.0


def eigengap_k(eigenvalues: np.ndarray, ks) -> int:
    """The eigengap heuristic: with the Laplacian's eigenvalues λ1 <= λ2 <= ..., the k in `ks` with the
    largest gap λ(k+1) - λk (the smaller k on ties). A graph of k well separated groups has k eigenvalues
    near 0 and then a jump."""
    values = np.sort(eigenvalues)
    ks = [k for k in ks if k < values.size]
    gaps = [values[k] - values[k - 1] for k in ks]
    return int(ks[int(np.argmax(gaps))])


def spectral(scores: np.ndarray, ks, seed: int, n_neighbors: int = 15) -> MethodResult:
    """Spectral clustering on a symmetric k-nearest-neighbour graph, k by the eigengap."""
    n_neighbors = min(n_neighbors, scores.shape[0] - 1)
    graph = kneighbors_graph(scores, n_neighbors, mode="connectivity", include_self=False)
    affinity = 0.5 * (graph + graph.T)
    inverse_sqrt_degree = diags(1.0 / np.sqrt(np.asarray(affinity.sum(axis=1)).ravel()))
    normalised = inverse_sqrt_degree @ affinity @ inverse_sqrt_degree
    n_vectors = min(max(ks) + 1, scores.shape[0] - 1)
    start = np.random.default_rng(seed).random(scores.shape[0])
    eigenvalues, eigenvectors = eigsh(normalised, k=n_vectors, which="LA", v0=start)
    order = np.argsort(-eigenvalues, kind="stable")
    laplacian_eigenvalues = 1.0 - eigenvalues[order]  # of I - D^-1/2 A D^-1/2, ascending
    k = eigengap_k(laplacian_eigenvalues, ks)
    embedding = eigenvectors[:, order[:k]]
    embedding /= np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(embedding)
    criterion = {int(j): float(laplacian_eigenvalues[j] - laplacian_eigenvalues[j - 1])
                 for j in ks if j < laplacian_eigenvalues.size}
    return MethodResult("spectral", f"eigengap of the normalised Laplacian ({n_neighbors}-nearest-neighbour graph)",
                        k, labels, criterion)


def gaussian_mixture(scores: np.ndarray, ks, seed: int) -> MethodResult:
    """Gaussian mixtures with full covariances for every k, k by the lowest BIC.

    Factor scores have a point mass at 0 (NMF gives a score of exactly 0 when a pattern is absent: 10-14%
    of the students per factor on the built-in data). Without a variance floor a component can sit on
    such a zero plane with variance near 0 and unbounded likelihood, and BIC keeps adding them (measured
    on the built-in cohort: k = 10, the top of the range, ARI 0.68 with the personas). Each covariance
    gets a floor of 1% of the median factor variance, which removes that degeneracy (k = 5, ARI 0.98)."""
    floor = max(1e-6, 0.01 * float(np.median(scores.var(axis=0))))
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for k in ks:
            fits[int(k)] = GaussianMixture(n_components=int(k), covariance_type="full", reg_covar=floor,
                                           random_state=seed).fit(scores)
    bic = {k: float(model.bic(scores)) for k, model in fits.items()}
    k = min(bic, key=lambda j: (bic[j], j))
    return MethodResult("gaussian_mixture", "lowest BIC (full covariances, variance floor 1% of the median)",
                        k, fits[k].predict(scores), bic)


def ward_hierarchical(scores: np.ndarray, ks, seed: int) -> MethodResult:
    """Ward's agglomerative clustering, the merge tree cut at every k, k by the highest silhouette."""
    tree = ward(scores)
    cuts = {int(k): fcluster(tree, t=int(k), criterion="maxclust") - 1 for k in ks}
    silhouettes = {k: _silhouette(scores, labels, seed) for k, labels in cuts.items()}
    k = max(silhouettes, key=lambda j: (silhouettes[j], -j))
    return MethodResult("ward", "highest silhouette of the Ward tree's cuts", k, cuts[k], silhouettes)


@dataclass(frozen=True)
class Comparison:
    """Per method: chosen k, silhouette in factor space and ARI against the personas (same rows)."""

    results: list[MethodResult]
    silhouettes: dict  # method -> silhouette
    ari: dict  # method -> ARI against the personas


def compare(scores: np.ndarray, persona_labels: np.ndarray, ks, seed: int) -> Comparison:
    """Run every method on the sample `scores` (with the personas' labels of the same rows)."""
    ks = [int(k) for k in ks if 2 <= k < scores.shape[0]]
    results = [spectral(scores, ks, seed), gaussian_mixture(scores, ks, seed), ward_hierarchical(scores, ks, seed)]
    silhouettes = {r.method: _silhouette(scores, r.labels, seed) for r in results}
    silhouettes["kmeans"] = _silhouette(scores, persona_labels, seed)
    ari = {r.method: float(adjusted_rand_score(persona_labels, r.labels)) for r in results}
    return Comparison(results, silhouettes, ari)
