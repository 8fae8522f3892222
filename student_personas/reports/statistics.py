"""Bivariate statistics for the exploration section: association of two numeric columns on all rows,
and the seeded sample of points that a scatter plot draws."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

# Seed of the scatter-plot samples: the same warehouse gives the same picture.
SCATTER_SAMPLE_SEED = 20261122


@dataclass(frozen=True)
class Association:
    """How two numeric columns move together, over all rows with both values."""

    n: int
    pearson_r: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    slope: float
    intercept: float


def association(x: np.ndarray, y: np.ndarray) -> Association:
    """Pearson r and Spearman ρ with their two-sided p-values (scipy), and the least-squares line y = a·x + b.

    Pearson measures a linear trend, Spearman any monotone one, so together they tell a straight trend
    from a curved one. All rows are used: a sample only thins the drawing, never the statistics. With
    fewer than three rows or a constant column the coefficients are undefined and come back as NaN
    rather than raising, so one degenerate pair cannot stop a report.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Association(n, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    return Association(n, float(pearson.statistic), float(pearson.pvalue), float(spearman.statistic),
                       float(spearman.pvalue), float(slope), float(intercept))


def sample_indices(n_rows: int, sample_size: int, seed: int = SCATTER_SAMPLE_SEED) -> np.ndarray:
    """Sorted row positions of a seeded uniform sample without replacement (all rows when n ≤ sample_size).

    Scatter plots of a large cohort are unreadable and heavy; drawing a fixed-seed sample keeps the page
    light and reproducible, while the statistics printed beside it still come from every row.
    """
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, got {sample_size}")
    if n_rows <= sample_size:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=sample_size, replace=False))
