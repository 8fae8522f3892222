"""Why a student is in their persona: an exact split of their placement into per-feature parts.

A student's persona is the nearest K-Means centre to their factor scores w. How firmly they are placed is
the **gap** between the squared distance to the next-nearest centre c_n and to their own centre c_o:

    gap = ||w - c_n||² - ||w - c_o||² = 2 (c_o - c_n) · w + ||c_n||² - ||c_o||²      (1)

(expand both squares: the ||w||² terms cancel). The gap is > 0 for every student (0 only on a tie).

The scores are the exact non-negative least-squares projection of the encoded features x onto the unit-norm
loadings H (`factors.factor_scores`). On the student's active set A (the factors with w > 0) the
optimality conditions make the projection linear in x:

    w_A = (H_A H_Aᵀ)⁻¹ H_A x,   w_j = 0 outside A                                         (2)

Putting (2) into (1), with β = 2 (c_o - c_n)_Aᵀ (H_A H_Aᵀ)⁻¹ H_A, one coefficient per encoded feature:

    gap = Σ_j β_j x_j + ||c_n||² - ||c_o||²
        = Σ_j β_j (x_j - x̄_j)  +  [ Σ_j β_j x̄_j + ||c_n||² - ||c_o||² ]                   (3)

for any reference point x̄. The first sum is the per-feature part: feature j pulls the student toward their
own persona when β_j (x_j - x̄_j) > 0 and toward the next one when it is < 0. Parts are measured from the
**mean of the students of the next persona** (the rival): a part says how far the student's own value on
that feature, compared with a typical student of the persona they were nearly placed in, moves them to
their own. (Measured from the cohort mean instead, the parts of a student whose persona sits far from the
cohort on the columns that define it can all be near 0, the baseline holding the whole gap, and the
reasons name whatever column is left.) The bracket is the **baseline**: the gap the same linear map gives
a typical student of the rival persona, usually negative. Parts and baseline sum to the gap exactly (to
rounding), for every student.

β depends on the student only through (A, own persona, next persona), so the computation is vectorised by
grouping students by active set: one r × r solve per distinct active set (at most 2^r, in practice a few
dozen), then one matrix product per group; never a loop over students.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from student_personas import factors
from student_personas.factors import active_set_keys, rows_by_active_set


@dataclass(frozen=True)
class Placements:
    """Per student: the next-nearest persona (row index into the centroids), the gap (1), the baseline and
    the per-feature parts of (3) (students × encoded features)."""

    next_persona: np.ndarray
    gap: np.ndarray
    baseline: np.ndarray
    parts: np.ndarray

    @property
    def largest_error(self) -> float:
        """max over students of |Σ parts + baseline − gap|: rounding only, when the scores are exact."""
        if self.gap.size == 0:
            return 0.0
        return float(np.abs(self.parts.sum(axis=1) + self.baseline - self.gap).max())


def next_nearest(scores: np.ndarray, centroids: np.ndarray, own: np.ndarray) -> np.ndarray:
    """For every student the nearest centre other than their own (the lower index on ties)."""
    if centroids.shape[0] < 2:
        raise ValueError("a placement gap needs at least two personas")
    squared = -2.0 * scores @ centroids.T + (centroids**2).sum(axis=1)[None, :]  # + ||w||², same for all
    squared[np.arange(scores.shape[0]), own] = np.inf
    return np.argmin(squared, axis=1)


def squared_distance_gap(scores: np.ndarray, centroids: np.ndarray, own: np.ndarray,
                         other: np.ndarray) -> np.ndarray:
    """||w - c_other||² - ||w - c_own||² per student, from the distances themselves (left side of (1))."""
    return (((scores - centroids[other]) ** 2).sum(axis=1) - ((scores - centroids[own]) ** 2).sum(axis=1))


def persona_feature_means(x: np.ndarray, personas: np.ndarray, n_personas: int) -> np.ndarray:
    """The mean encoded feature vector of each persona's students (personas × features; a persona without
    students has the cohort mean)."""
    sums = np.zeros((n_personas, x.shape[1]))
    np.add.at(sums, personas, x)
    counts = np.bincount(personas, minlength=n_personas)[:, None]
    return np.where(counts > 0, sums / np.maximum(counts, 1), x.mean(axis=0)[None, :])


def gap_coefficients(x: np.ndarray, components: np.ndarray, scores: np.ndarray, pull: np.ndarray,
                     score_tolerance: float = 1e-9) -> np.ndarray:
    """β of (3) for every row (students × features): the gap's slope in each feature at the row's point,
    pull · (H_A H_Aᵀ)⁻¹ H_A on the row's active set A (0 where no factor is active). One solve per distinct
    active set. The scores must be the exact projection (2) of `x`; a difference above `score_tolerance`
    is an error rather than a silently inexact explanation."""
    coefficients = np.zeros_like(x)
    for rows in rows_by_active_set(scores > 0):
        active = np.flatnonzero(scores[rows[0]] > 0)
        if active.size == 0:
            continue  # w = 0 nearby: no small change of a feature moves the student
        loadings = components[active]
        projection = np.linalg.solve(loadings @ loadings.T, loadings)  # (H_A H_Aᵀ)⁻¹ H_A, |A| × features
        mismatch = np.abs(x[rows] @ projection.T - scores[np.ix_(rows, active)]).max()
        if mismatch > score_tolerance:
            raise ValueError(
                f"factor scores are not the exact non-negative projection of the features (off by {mismatch:.2e} "
                "on their active set), so a placement cannot be split exactly; score with factors.factor_scores")
        coefficients[rows] = pull[np.ix_(rows, active)] @ projection
    return coefficients


PATH_STEPS = 16  # midpoints along the path from the rival's typical student to a student in another region


def explain_placements(x: np.ndarray, components: np.ndarray, scores: np.ndarray, centroids: np.ndarray,
                       own: np.ndarray, reference: np.ndarray | None = None, steps: int = PATH_STEPS,
                       score_tolerance: float = 1e-9) -> Placements:
    """Every student's placement gap split into per-feature parts and a baseline (see the module docstring).

    `x`: encoded features (students × features); `components`: loadings H (factors × features);
    `scores`: the students' exact NNLS factor scores (students × factors); `centroids`: persona centres
    (personas × factors); `own`: each student's persona (row index into `centroids`); `reference`: the
    point parts are measured from: a vector, or one row per persona (personas × features) of which each
    student takes the row of their next persona (default: the persona means of `x`, so each student is
    compared with a typical student of their rival).

    The gap is linear in x inside each region of one active set (2), and those regions are convex: when a
    student and their reference lie in one region, β is constant on the segment between them and
    β (x - x̄) is exact. Otherwise the segment crosses regions (a factor that is 0 for the student and not
    for the rival: the very reason they are not in the rival's persona), and the parts are the integrated
    gradients along it, β averaged over `steps` midpoints times (x - x̄): a feature counts by how it moves the
    gap along the whole way from the rival's typical student, not only where the student stands. Parts and
    baseline sum to the gap exactly: the baseline is the gap of the reference point, plus, for students
    whose segment crosses regions, the midpoint rule's remainder."""
    own = np.asarray(own, dtype=np.int64)
    other = next_nearest(scores, centroids, own)
    if reference is None:
        reference = persona_feature_means(x, own, centroids.shape[0])
    reference = np.asarray(reference, dtype=np.float64)
    per_persona = reference.ndim == 2
    pull = 2.0 * (centroids[own] - centroids[other])  # students × factors: the gradient of (1) in w
    coefficients = gap_coefficients(x, components, scores, pull, score_tolerance)
    if per_persona:
        # The reference points' active sets: a student in their rival's region is explained in one step.
        reference_scores = factors.factor_scores(reference, components)
        reference_active = active_set_keys(reference_scores > 0)[other]
        reference = reference[other]  # students × features
        crossing = np.flatnonzero(active_set_keys(scores > 0) != reference_active)
    else:
        reference_scores = factors.factor_scores(reference[None, :], components)
        crossing = np.flatnonzero(active_set_keys(scores > 0) != active_set_keys(reference_scores > 0)[0])
        reference = np.broadcast_to(reference, x.shape)
    difference = x - reference
    if crossing.size:
        integrated = np.zeros((crossing.size, x.shape[1]))
        for t in (np.arange(steps) + 0.5) / steps:
            point = reference[crossing] + t * difference[crossing]
            point_scores = factors.factor_scores(point, components)
            integrated += gap_coefficients(point, components, point_scores, pull[crossing], 1e-7)
        coefficients[crossing] = integrated / steps
    parts = coefficients * difference
    gap = squared_distance_gap(scores, centroids, own, other)
    return Placements(next_persona=other, gap=gap, baseline=gap - parts.sum(axis=1), parts=parts)


def column_parts(parts: np.ndarray, feature_columns) -> tuple[list[str], np.ndarray]:
    """Per-feature parts summed to their source column (a categorical column's indicators together), columns
    in order of first appearance: (column names, students × columns). Sums of exact parts stay exact."""
    names = list(dict.fromkeys(feature_columns))
    index = {name: i for i, name in enumerate(names)}
    membership = np.zeros((parts.shape[1], len(names)))
    membership[np.arange(parts.shape[1]), [index[name] for name in feature_columns]] = 1.0
    return names, parts @ membership


def ranks_by_pull(parts: np.ndarray) -> np.ndarray:
    """Per student, the rank of each column's part: 1 = the strongest pull toward the own persona, down to
    the strongest pull toward the next one; ties go to the earlier column."""
    order = np.argsort(-parts, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, parts.shape[1] + 1)[None, :], axis=1)
    return ranks
