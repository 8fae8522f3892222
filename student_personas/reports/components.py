"""Components a page template calls to show query results: tables, metric tiles and charts.

Each returns HTML markup. Values from the data are always escaped here (``markupsafe``), and charts are
matplotlib SVG (see :mod:`student_personas.reports.charts`), so a page needs no script, stylesheet or
request from outside itself. A :class:`Components` object serves one page render and counts the
tables and charts it emitted, for the listing of rendered pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from student_personas.reports import charts
from student_personas.reports.formatting import format_value
from student_personas.reports.statistics import Association, association, sample_indices


def _groups(rows: Iterable[Mapping], key: str) -> dict[object, list[Mapping]]:
    """Rows grouped by ``row[key]``, groups in order of first appearance (the query's ORDER BY)."""
    groups: dict[object, list[Mapping]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(row)
    return groups


def metric(label: str, value, kind: str = "count", note: str | None = None) -> Markup:
    """A headline figure: the formatted value, its label and an optional note."""
    note_html = Markup('<div class="metric-note">{}</div>').format(note) if note else Markup()
    return Markup('<div class="metric"><div class="metric-value">{}</div><div class="metric-label">{}</div>{}</div>'
                  ).format(format_value(value, kind), label, note_html)


@dataclass(frozen=True)
class BivariatePair:
    """One x/y pair: its association over all rows and the seeded sample of points a scatter draws."""

    x_column: str
    y_column: str
    association: Association
    sample_x: np.ndarray
    sample_y: np.ndarray

    @property
    def row(self) -> dict:
        """The pair as a table row (column names and every statistic)."""
        return {"x_column": self.x_column, "y_column": self.y_column, "n_drawn": len(self.sample_x),
                **asdict(self.association)}


def bivariate(frame: pd.DataFrame, sample_size: int, x: str = "x", y: str = "y", x_column: str = "x_column",
              y_column: str = "y_column") -> list[BivariatePair]:
    """Statistics on all rows and a seeded drawing sample for each (x_column, y_column) pair of a long
    frame, pairs in order of first appearance. Works on whole columns (no per-row Python), so it scales
    with the cohort."""
    pairs = []
    for (x_name, y_name), values in frame.groupby([x_column, y_column], sort=False):
        x_values = values[x].to_numpy(dtype=float)
        y_values = values[y].to_numpy(dtype=float)
        drawn = sample_indices(len(x_values), sample_size)
        pairs.append(BivariatePair(x_name, y_name, association(x_values, y_values), x_values[drawn], y_values[drawn]))
    return pairs


class Components:
    """The component functions for one page render, numbering and counting its charts and tables."""

    def __init__(self, page_name: str):
        self.page_name = page_name
        self.n_charts = 0
        self.n_tables = 0

    def functions(self) -> dict:
        """Everything a template may call, by name."""
        return {
            "format": format_value,
            "metric": metric,
            "bivariate": bivariate,
            "data_table": self.data_table,
            "histograms": self.histograms,
            "bar_charts": self.bar_charts,
            "heatmap": self.heatmap,
            "scatter": self.scatter,
        }

    def _figure(self, draw, title: str, caption: str | None = None) -> Markup:
        """One chart in a <figure>: ``draw(chart_id)`` returns the SVG, titled for assistive technology."""
        self.n_charts += 1
        svg = Markup(draw(f"{self.page_name}-chart-{self.n_charts}"))
        caption_html = Markup("<figcaption>{}</figcaption>").format(caption) if caption else Markup()
        return Markup('<figure class="chart" role="img" aria-label="{}">{}{}</figure>').format(title, svg, caption_html)

    def data_table(self, rows: Iterable[Mapping], columns: Mapping[str, str], formats: Mapping[str, str] | None = None,
                   empty: str = "No rows.") -> Markup:
        """A table of ``rows`` showing ``columns`` (key → header) with each value formatted by ``formats``
        (key → kind, see :func:`format_value`; numbers are right-aligned). ``empty`` is said instead of
        an empty table."""
        rows = list(rows)
        formats = formats or {}
        if not rows:
            return Markup('<p class="empty">{}</p>').format(empty)
        self.n_tables += 1
        numeric = {key for key, kind in formats.items() if kind != "text"}
        header = Markup("").join(
            Markup('<th{}>{}</th>').format(Markup(' class="num"') if key in numeric else Markup(), label)
            for key, label in columns.items())
        body = Markup("").join(
            Markup("<tr>{}</tr>").format(Markup("").join(
                Markup("<td{}>{}</td>").format(Markup(' class="num"') if key in numeric else Markup(),
                                               format_value(row[key], formats.get(key, "text")))
                for key in columns))
            for row in rows)
        return Markup('<div class="table-wrap"><table class="data"><thead><tr>{}</tr></thead>'
                      "<tbody>{}</tbody></table></div>").format(header, body)

    def histograms(self, rows: Iterable[Mapping], group: str, start: str, end: str, count: str, *,
                   x_label: str, y_label: str) -> Markup:
        """A grid of histograms, one per value of ``group``, from bins counted in SQL."""
        figures = []
        for name, bins in _groups(rows, group).items():
            figures.append(self._figure(lambda chart_id, name=name, bins=bins: charts.histogram_svg(
                [row[start] for row in bins], [row[end] for row in bins], [row[count] for row in bins],
                title=str(name), x_label=x_label, y_label=y_label, chart_id=chart_id), title=f"Histogram of {name}"))
        return Markup('<div class="chart-grid">{}</div>').format(Markup("").join(figures))

    def bar_charts(self, rows: Iterable[Mapping], group: str, label: str, count: str, *, x_label: str,
                   caption: str | None = None) -> Markup:
        """A grid of horizontal bar charts, one per value of ``group`` (bars in row order); ``caption``
        names the column whose value in a group's first row captions its chart."""
        figures = []
        for name, levels in _groups(rows, group).items():
            figures.append(self._figure(lambda chart_id, name=name, levels=levels: charts.bar_svg(
                [row[label] for row in levels], [row[count] for row in levels], title=str(name),
                x_label=x_label, chart_id=chart_id), title=f"Counts of {name}",
                caption=levels[0][caption] if caption else None))
        return Markup('<div class="chart-grid">{}</div>').format(Markup("").join(figures))

    def heatmap(self, rows: Iterable[Mapping], x: str, y: str, value: str, *, title: str, colorbar_label: str) -> Markup:
        """A symmetric matrix heatmap from one row per unordered pair (the diagonal is 1); labels in order
        of first appearance."""
        rows = list(rows)
        labels = list(dict.fromkeys(name for row in rows for name in (row[x], row[y])))
        position = {name: index for index, name in enumerate(labels)}
        matrix = np.eye(len(labels))
        for row in rows:
            coefficient = np.nan if row[value] is None else row[value]
            matrix[position[row[x]], position[row[y]]] = matrix[position[row[y]], position[row[x]]] = coefficient
        return self._figure(lambda chart_id: charts.heatmap_svg(
            matrix, labels, title=title, colorbar_label=colorbar_label, chart_id=chart_id), title=title)

    def scatter(self, pair: BivariatePair) -> Markup:
        """A scatter of one pair's drawn sample with its least-squares line; the caption gives the
        statistics on all rows and says when only a sample is drawn."""
        stats = pair.association
        title = f"{pair.y_column} vs {pair.x_column}"
        drawn = (f"all {stats.n:,} students drawn" if len(pair.sample_x) == stats.n
                 else f"{len(pair.sample_x):,} of {stats.n:,} students drawn (seeded sample)")
        caption = (f"Pearson r = {format_value(stats.pearson_r, 'signed')} (p {_p_text(stats.pearson_p)}), "
                   f"Spearman ρ = {format_value(stats.spearman_rho, 'signed')} (p {_p_text(stats.spearman_p)}); "
                   f"{drawn}.")
        return self._figure(lambda chart_id: charts.scatter_svg(
            pair.sample_x, pair.sample_y, slope=stats.slope, intercept=stats.intercept, title=title,
            x_label=pair.x_column, y_label=pair.y_column, chart_id=chart_id), title=title, caption=caption)


def _p_text(p_value: float) -> str:
    """A p-value after "p": "< 0.001" or "= 0.0312"."""
    text = format_value(p_value, "p_value")
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"
