"""Sub-groups inside a persona: a split in two that the persona's own features support, measured against
reference data.

K-Means with a silhouette-chosen k keeps together a group that differs from the rest of its persona on a
few columns only: the silhouette of the whole model falls when one persona is cut in two, and a factor model
chosen by held-out error may give such a group no factor of its own (measured on generated students whose
late start shows in 6 of 31 encoded features: docs/events.md). So every persona is checked on its own:

1. its students are split in two by K-Means (k = 2, seeded restarts) on the **continuous encoded features**
   (not the factor scores, where a few-column difference may have vanished). Discrete features (categorical
   levels, 0/1 indicators, numbers with at most discrete_max_levels values) are left out: their own few
   values cut any group into clean slabs, so shuffled copies split along them more cleanly than along any
   real sub-group, which hid a sub-group whenever its persona still varied on one categorical column
   (measured on a generated file: a 25% sub-group on three numeric columns, gap 0.53 on the continuous
   features, none found with a three-level and a two-level column included);
2. they are projected on the line through the two centres, and the **split share** measures how cleanly
   that line divides: the share of the projection's variance between the two sides of its best threshold
   (an exact one-dimensional 2-means). A normal projection gives 2/π ≈ 0.64, a uniform one 0.75, two
   separate clumps close to 1. Being a share, it does not grow with the number of students (a normality
   test's statistic does, and rejects any real column at large n);
3. the same is measured on **reference data**: the persona's students with every source column's features
   shuffled as one block (seeded draws). A column keeps its own distribution, so a split along one column's
   own two modes is there in the reference too. What shuffling removes is the agreement between columns,
   which is what a sub-group is made of.

The comparison is made on what the split leaves **within** its two sides, 1 − split share, on a log scale:
the **split gap** is the mean over reference draws of log(1 − reference split share) minus
log(1 − split share), as the gap statistic compares log within-cluster dispersion with its reference
(Tibshirani, Walther & Hastie 2001). A gap of 0 is a split no cleaner than shuffled data gives; 1 means the
sides keep e⁻¹ ≈ 37% of the within-side variance shuffled data keeps. On a log scale the gap does not
saturate when both splits are nearly clean (0.98 against 0.93 is a gap of 1.25).

A persona holds a sub-group when its split gap is at least `min_gap_sd` reference standard deviations (of
the log within-side share) and at least `min_gap`, and the smaller side holds at least `min_share` of the
persona. Measured (docs/methods.md section 3a): single personas of generated, reference-file and noise data
gave gaps of -0.16 to 0.14; two planted patterns merged into one persona 0.36 to 1.15; late starters among
steady students 1.15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from student_personas import personas
from student_personas.structure import Reference


@dataclass(frozen=True)
class Rules:
    """When a split counts as a sub-group (dbt vars subgroup_*)."""

    min_gap_sd: float = 3.0
    min_gap: float = 0.25
    min_share: float = 0.05
    min_students: int = 40


def threshold_split_share(projection: np.ndarray) -> float:
    """The share of the variance of a one-dimensional `projection` between the two sides of its best
    threshold (exact 2-means on a line: every cut of the sorted values is tried, with cumulative sums).
    0 for a constant projection."""
    values = np.sort(np.asarray(projection, dtype=np.float64))
    n = values.size
    if n < 2:
        return 0.0
    centred = values - values.mean()
    total = float(np.dot(centred, centred))
    if total <= 0.0:
        return 0.0
    left_sizes = np.arange(1, n)
    left_sums = np.cumsum(centred)[:-1]
    # With centred values the right side's sum is minus the left's, so between = S² n / (m (n - m)).
    between = left_sums ** 2 * n / (left_sizes * (n - left_sizes))
    return float(min(1.0, between.max() / total))


def continuous_columns(feature_kinds, is_discrete) -> np.ndarray:
    """Indices of the features the check uses: numeric features with more than discrete_max_levels values
    (int_feature_encoding's feature_kind and is_discrete, in feature order)."""
    return np.flatnonzero([kind == "numeric" and not discrete for kind, discrete in zip(feature_kinds, is_discrete)])


def embedded(centres: np.ndarray, columns: np.ndarray, n_features: int) -> np.ndarray:
    """Centres over the checked `columns` written into the full feature space, 0 in every other feature for
    both centres: a distance comparison between the two then depends on the checked features only, so
    the warehouse places students with the whole feature vector (int_student_subgroups)."""
    full = np.zeros((centres.shape[0], n_features))
    full[:, columns] = centres
    return full


@dataclass(frozen=True)
class Split:
    """A persona's students split in two: the centres (larger side first), each student's side (0 = the
    larger, 1 = the smaller), the split share and the smaller side's share of the students."""

    centres: np.ndarray
    sides: np.ndarray
    split_share: float
    smaller_share: float


def split_in_two(z: np.ndarray, restarts: int, seed: int) -> Split:
    """K-Means with k = 2 (best of `restarts` seeded starts) and the split share of the students'
    projection on the line through the two centres."""
    fit = KMeans(n_clusters=2, n_init=restarts, random_state=seed).fit(z)
    sides = fit.labels_.astype(np.int64)
    sizes = np.bincount(sides, minlength=2)
    centres = fit.cluster_centers_
    if sizes[1] > sizes[0]:
        centres, sides, sizes = centres[::-1], 1 - sides, sizes[::-1]
    direction = centres[1] - centres[0]
    share = threshold_split_share(z @ direction) if np.any(direction) else 0.0
    return Split(np.ascontiguousarray(centres), sides, share, float(sizes[1] / sides.size))


def block_permuted(z: np.ndarray, column_groups: np.ndarray, seed) -> np.ndarray:
    """Reference data: the rows of every block of columns (the features of one source column, e.g. the
    indicators of one categorical column) shuffled together, each block with its own seeded order."""
    column_groups = np.asarray(column_groups)
    rng = np.random.default_rng(seed)
    shuffled = np.empty_like(z)
    for group in np.unique(column_groups):
        columns = np.flatnonzero(column_groups == group)
        shuffled[:, columns] = z[rng.permutation(z.shape[0])][:, columns]
    return shuffled


WITHIN_FLOOR = 1e-9  # the within-side share of a perfect split, so that its log stays finite


def within_log(split_share) -> np.ndarray:
    """log(1 − split share): the log share of the variance a split leaves within its sides."""
    return np.log(np.maximum(1.0 - np.asarray(split_share, dtype=np.float64), WITHIN_FLOOR))


@dataclass(frozen=True)
class Check:
    """The sub-group check of one persona on its (sampled) students."""

    students_checked: int
    split: Split | None  # None when there were too few students to check
    reference: Reference | None  # the reference draws' split shares
    gap: float | None  # the split gap (module docstring)
    gap_sd: float | None  # the reference standard deviation of log(1 - split share)
    has_subgroup: bool
    note: str


def check_persona(z: np.ndarray, column_groups: np.ndarray, restarts: int, seed: int, draws: int,
                  rules: Rules = Rules()) -> Check:
    """Whether the students `z` (rows: students of one persona, columns: its continuous encoded features in
    the order of `column_groups`, their source column) hold a sub-group: the split share against `draws` block-shuffled
    reference copies (see the module docstring), with a sentence saying why."""
    n = z.shape[0]
    if z.shape[1] == 0:
        return Check(n, None, None, None, None, False,
                     "not checked: no continuous feature (every feature has only a few values)")
    if n < rules.min_students:
        return Check(n, None, None, None, None, False,
                     f"not checked: {n} students, fewer than {rules.min_students}")
    split = split_in_two(z, restarts, seed)
    reference = Reference(np.array([
        split_in_two(block_permuted(z, column_groups, (seed, draw)), restarts, seed).split_share
        for draw in range(draws)]))
    reference_within = Reference(within_log(reference.values))
    gap = reference_within.mean - float(within_log(split.split_share))
    compared = (f"split share {split.split_share:.2f} against {reference.mean:.2f} on {draws} shuffled copies, "
                f"a split gap of {gap:.2f}")
    found = gap >= max(rules.min_gap_sd * reference_within.sd, rules.min_gap)
    if not found:
        note = f"no sub-group: the best split in two is not much cleaner than on shuffled copies of the persona's columns ({compared})"
    elif split.smaller_share < rules.min_share:
        note = (f"no sub-group: the split is clean ({compared}) but its smaller side holds "
                f"{split.smaller_share:.1%} of the students, under {rules.min_share:.0%}")
    else:
        note = f"sub-group: the split in two is much cleaner than on shuffled copies of the persona's columns ({compared})"
    return Check(n, split, reference, gap, reference_within.sd, found and split.smaller_share >= rules.min_share,
                 note)


def check_personas(samples: list[np.ndarray], column_groups: np.ndarray, restarts: int, seed: int, draws: int,
                   rules: Rules = Rules()) -> list[Check]:
    """`check_persona` for each persona's sample (run in a child process by the dbt model)."""
    return [check_persona(z, column_groups, restarts, seed, draws, rules) for z in samples]


def refined_centres(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The two centres refined by K-Means on every student of the persona (`z`), as the persona centres are
    refined on every student after the sampled selection; larger side first (`personas.fit_centroids`)."""
    return personas.fit_centroids(z, 2, centres)
