"""Bivariate statistics for the exploration section: how two numeric columns move together.

The coefficients are computed in SQL over every row (so any number of students stays in the warehouse);
here they get their p-values and become one record per pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


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


def correlation_p_value(r: float | None, n: int) -> float:
    """Two-sided p-value of a correlation coefficient ``r`` over ``n`` pairs under no association: the
    t-test with n - 2 degrees of freedom, as scipy's ``pearsonr`` and ``spearmanr`` compute it (a Spearman
    ρ is Pearson's r of the ranks). NaN when undefined (fewer than three pairs, or no coefficient)."""
    if r is None or n < 3 or not math.isfinite(r):
        return math.nan
    if abs(r) >= 1:
        return 0.0
    t_statistic = r * math.sqrt((n - 2) / (1 - r * r))
    return float(2 * stats.t.sf(abs(t_statistic), n - 2))


def association(n: int, pearson_r: float | None, spearman_rho: float | None, slope: float | None,
                intercept: float | None) -> Association:
    """An :class:`Association` from the coefficients SQL computed over every row: Pearson r, Spearman ρ
    and the least-squares line y = slope·x + intercept, with their p-values.

    Pearson measures a linear trend, Spearman any monotone one, so together they tell a straight trend
    from a curved one. With fewer than three rows or a constant column the coefficients are undefined
    (SQL gives null) and every figure comes back as NaN, so one degenerate pair cannot stop a report.
    """
    if n < 3 or pearson_r is None or spearman_rho is None:
        return Association(n, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    return Association(n, pearson_r, correlation_p_value(pearson_r, n), spearman_rho,
                       correlation_p_value(spearman_rho, n), math.nan if slope is None else slope,
                       math.nan if intercept is None else intercept)
