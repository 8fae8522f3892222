"""How numbers read on a report page: one formatter per kind of number, used by every table and tile."""

from __future__ import annotations

import math
from numbers import Number

import pandas as pd

MISSING = "—"

FORMATS = ("text", "count", "percent", "points", "number", "score", "signed", "p_value")


def is_missing(value) -> bool:
    """True for SQL null as pandas and DuckDB hand it back: None, NaN, pandas' NA and NaT."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def format_value(value, kind: str = "text") -> str:
    """Format one value for display (the caller escapes the result).

    Kinds: ``count`` (1,234), ``percent`` of a share (1.9%; below 0.1% but not zero, "<0.1%"),
    ``points`` (a difference of two shares, in percentage points: +1.2 pts / −0.4 pts), ``number`` (two
    decimals, thousands separated, so a column of them lines up), ``score`` (three decimals, for a
    coefficient between 0 and 1 such as a Jaccard index or Cramér's V), ``signed``
    (a coefficient such as a correlation: +0.123 / −0.045), ``p_value`` (3 significant digits,
    "<0.001" below that) and ``text``. Missing values (null, NaN) show as an em dash in every kind,
    so an absent figure is never mistaken for a zero. Published counts are text: digits are formatted
    as a count, markers such as "<10" or "suppressed" are shown as written.
    """
    if kind not in FORMATS:
        raise ValueError(f"unknown number format {kind!r}; expected one of {', '.join(FORMATS)}")
    if is_missing(value):
        return MISSING
    if kind == "count" and isinstance(value, str) and value.isdigit():
        value = int(value)  # a published count is text, a number or a marker such as "<10"
    if kind == "text" or not isinstance(value, Number) or isinstance(value, bool):
        return str(value)
    if kind == "count":
        return f"{round(value):,}"
    if kind == "percent":
        if 0 < abs(value) < 0.0005:
            return "<0.1%"
        return f"{value * 100:,.1f}%"
    if kind == "points":
        return f"{value * 100:+.1f} pts".replace("-", "−")
    if kind == "number":
        text = f"{value:,.2f}"
        return "0.00" if text == "-0.00" else text
    if kind == "score":
        return f"{value:.3f}"
    if kind == "signed":
        return f"{value:+.3f}".replace("-", "−")
    if value < 0.001:
        return "<0.001"
    return f"{value:.3g}"
