"""Statistical functions DuckDB lacks, registered as SQL functions on every warehouse connection.

SQL models compute the statistics that are formulas (Wilson intervals, chi-square, Cramér's V,
correlations) themselves; only the distribution tails that need special functions come from scipy through
these UDFs.
"""

from __future__ import annotations

import math

from scipy.stats import chi2, fisher_exact, t


def chi_square_p_value(statistic: float, degrees_of_freedom: int) -> float | None:
    """Upper-tail probability of a chi-square statistic: P(X² >= statistic) with the given degrees of
    freedom. None when the degrees of freedom are not positive (no association can be tested)."""
    if statistic is None or degrees_of_freedom is None or degrees_of_freedom <= 0:
        return None
    return float(chi2.sf(statistic, degrees_of_freedom))


def fisher_exact_p_value(a: int, b: int, c: int, d: int) -> float | None:
    """Two-sided Fisher's exact test p-value for the 2×2 table [[a, b], [c, d]]: exact for rare
    outcomes, where the chi-square approximation fails (e.g. 2 positives among 60 students). None when a
    count is missing."""
    if None in (a, b, c, d):
        return None
    return float(fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)


def correlation_p_value(r: float | None, n: int | None) -> float | None:
    """Two-sided p-value of a correlation coefficient ``r`` over ``n`` pairs under no association: the
    t-test with n - 2 degrees of freedom, as scipy's ``pearsonr`` and ``spearmanr`` compute it (a Spearman
    ρ is Pearson's r of the ranks). None when undefined (fewer than three pairs, or no coefficient)."""
    if r is None or n is None or n < 3 or not math.isfinite(r):
        return None
    if abs(r) >= 1:
        return 0.0
    statistic = r * math.sqrt((n - 2) / (1 - r * r))
    return float(2 * t.sf(abs(statistic), n - 2))


SQL_FUNCTIONS = (
    ("chi_square_p_value", chi_square_p_value, ["DOUBLE", "BIGINT"], "DOUBLE"),
    ("fisher_exact_p_value", fisher_exact_p_value, ["BIGINT", "BIGINT", "BIGINT", "BIGINT"], "DOUBLE"),
    ("correlation_p_value", correlation_p_value, ["DOUBLE", "BIGINT"], "DOUBLE"),
)


def register(connection) -> None:
    """Register the functions on a DuckDB connection (cursors of the connection see them too)."""
    for name, function, parameters, returns in SQL_FUNCTIONS:
        connection.create_function(name, function, parameters, returns, side_effects=False, null_handling="special")
