"""Components a page template calls to show query results: tables, metric tiles and charts.

Each returns HTML markup. Values from the data are always escaped here (``markupsafe``), and charts are
matplotlib SVG (see :mod:`student_personas.reports.charts`), so a page needs no script, stylesheet or
request from outside itself. A :class:`Components` object serves one page render: it collects the charts
the page shows (drawn once the template is rendered, possibly in worker processes) and counts its tables,
for the listing of rendered pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from student_personas.reports import charts
from student_personas.reports.formatting import FORMATS, format_value
from student_personas.reports.statistics import Association, association


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


def bivariate(statistics: Iterable[Mapping], sample: pd.DataFrame) -> list[BivariatePair]:
    """One pair per row of ``statistics`` (x_column, y_column, n, pearson_r, spearman_rho, slope, intercept,
    computed in SQL over every row), in row order, with its p-values and the points drawn for it from
    ``sample`` (x_column, y_column, x, y: the seeded sample SQL drew), so no full column reaches Python."""
    drawn = {key: values for key, values in sample.groupby(["x_column", "y_column"], sort=False)}
    pairs = []
    for row in statistics:
        points = drawn.get((row["x_column"], row["y_column"]), sample.iloc[:0])
        pairs.append(BivariatePair(
            row["x_column"], row["y_column"],
            association(row["n"], row["pearson_r"], row["spearman_rho"], row["slope"], row["intercept"]),
            points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)))
    return pairs


def matrix_from_rows(rows: Iterable[Mapping], row: str, column: str, value: str, missing_text: str | None = None,
                     kind: str = "number") -> tuple[list[str], list[str], np.ndarray, list[list[str]]]:
    """A long table as a matrix: row and column labels in order of first appearance, the values (NaN where a
    cell is absent or null) and each cell's text: the value formatted as ``kind`` (see :func:`format_value`;
    two decimals by default), or for a null value the row's ``missing_text`` column (so a withheld cell can
    read "<10"); absent cells read ""."""
    rows = list(rows)
    row_labels = list(dict.fromkeys(str(item[row]) for item in rows))
    column_labels = list(dict.fromkeys(str(item[column]) for item in rows))
    row_index = {label: index for index, label in enumerate(row_labels)}
    column_index = {label: index for index, label in enumerate(column_labels)}
    matrix = np.full((len(row_labels), len(column_labels)), np.nan)
    cell_text = [[""] * len(column_labels) for _ in row_labels]
    for item in rows:
        i, j = row_index[str(item[row])], column_index[str(item[column])]
        if item[value] is None:
            note = item[missing_text] if missing_text else None
            cell_text[i][j] = "" if note is None else str(note)
        else:
            matrix[i, j] = item[value]
            cell_text[i][j] = format_value(item[value], kind)
    return row_labels, column_labels, matrix, cell_text


class Components:
    """The component functions for one page render: numbers and collects its charts, counts its tables."""

    def __init__(self, page_name: str):
        self.page_name = page_name
        self.charts: list[charts.Chart] = []
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
            "matrix_heatmap": self.matrix_heatmap,
            "scatter": self.scatter,
            "sweep": self.sweep,
            "group_scatter": self.group_scatter,
            "radar": self.radar,
            "intervals": self.intervals,
            "grouped_bars": self.grouped_bars,
            "dot_comparison": self.dot_comparison,
        }

    def _figure(self, function, *args, label: str, caption: str | None = None, **kwargs) -> Markup:
        """One chart in a <figure> labelled ``label`` for assistive technology: the chart
        ``function(*args, **kwargs)`` of :mod:`charts` is recorded in :attr:`charts` and its placeholder
        stands in the figure until it is drawn (see :meth:`RenderedPage.with_charts`)."""
        chart = charts.Chart(function, f"{self.page_name}-chart-{len(self.charts) + 1}", args, kwargs)
        self.charts.append(chart)
        caption_html = Markup("<figcaption>{}</figcaption>").format(caption) if caption else Markup()
        return Markup('<figure class="chart" role="img" aria-label="{}">{}{}</figure>').format(
            label, Markup(chart.placeholder), caption_html)

    def data_table(self, rows: Iterable[Mapping], columns: Mapping[str, str], formats: Mapping[str, str] | None = None,
                   empty: str = "No rows.") -> Markup:
        """A table of ``rows`` showing ``columns`` (key → header) with each value formatted by ``formats``
        (key → kind, see :func:`format_value`; numbers are right-aligned). A column that mixes kinds (means
        and shares, say) names instead the row key holding each row's kind. ``empty`` is said instead of
        an empty table."""
        rows = list(rows)
        formats = formats or {}
        if not rows:
            return Markup('<p class="empty">{}</p>').format(empty)
        self.n_tables += 1
        numeric = {key for key, kind in formats.items() if kind != "text"}

        def kind_of(row: Mapping, key: str) -> str:
            kind = formats.get(key, "text")
            return kind if kind in FORMATS else row[kind]

        header = Markup("").join(
            Markup('<th{}>{}</th>').format(Markup(' class="num"') if key in numeric else Markup(), label)
            for key, label in columns.items())
        body = Markup("").join(
            Markup("<tr>{}</tr>").format(Markup("").join(
                Markup("<td{}>{}</td>").format(Markup(' class="num"') if key in numeric else Markup(),
                                               format_value(row[key], kind_of(row, key)))
                for key in columns))
            for row in rows)
        return Markup('<div class="table-wrap"><table class="data"><thead><tr>{}</tr></thead>'
                      "<tbody>{}</tbody></table></div>").format(header, body)

    def histograms(self, rows: Iterable[Mapping], group: str, start: str, end: str, count: str, *,
                   x_label: str, y_label: str) -> Markup:
        """A grid of histograms, one per value of ``group``, from bins counted in SQL."""
        figures = []
        for name, bins in _groups(rows, group).items():
            figures.append(self._figure(
                charts.histogram_svg, [row[start] for row in bins], [row[end] for row in bins],
                [row[count] for row in bins], title=str(name), x_label=x_label, y_label=y_label,
                label=f"Histogram of {name}"))
        return Markup('<div class="chart-grid">{}</div>').format(Markup("").join(figures))

    def bar_charts(self, rows: Iterable[Mapping], group: str, label: str, count: str, *, x_label: str,
                   caption: str | None = None) -> Markup:
        """A grid of horizontal bar charts, one per value of ``group`` (bars in row order); ``caption``
        names the column whose value in a group's first row captions its chart."""
        figures = []
        for name, levels in _groups(rows, group).items():
            figures.append(self._figure(
                charts.bar_svg, [row[label] for row in levels], [row[count] for row in levels], title=str(name),
                x_label=x_label, label=f"Counts of {name}", caption=levels[0][caption] if caption else None))
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
        return self._figure(charts.heatmap_svg, matrix, labels, title=title, colorbar_label=colorbar_label, label=title)

    def matrix_heatmap(self, rows: Iterable[Mapping], row: str, column: str, value: str, *, title: str,
                       colorbar_label: str, scale: str, missing_text: str | None = None, kind: str = "number",
                       caption: str | None = None) -> Markup:
        """A heatmap of a long table, one cell per row at (``row``, ``column``), both in order of first
        appearance, coloured by ``value`` on ``scale`` (see :data:`charts.HEATMAP_SCALES`) and annotated
        with it formatted as ``kind``. A cell whose value is null shows the row's ``missing_text`` column
        (such as a published count "<10")."""
        row_labels, column_labels, matrix, cell_text = matrix_from_rows(rows, row, column, value, missing_text, kind)
        return self._figure(charts.heatmap_svg, matrix, row_labels, column_labels, title=title,
                            colorbar_label=colorbar_label, scale=scale, cell_text=cell_text, label=title,
                            caption=caption)

    def sweep(self, rows: Iterable[Mapping], x: str, series: Mapping[str, tuple[str, str | None]], *,
              marks: Iterable[tuple[float, str]], title: str, x_label: str, y_label: str, log_y: bool = False,
              caption: str | None = None) -> Markup:
        """A parameter sweep chart: ``series`` maps each legend label to its (value column, error column or
        None); ``marks`` are (x, label) vertical lines, the chosen value first."""
        rows = list(rows)
        lines = [(label, [item[key] for item in rows], None if error is None else [item[error] for item in rows])
                 for label, (key, error) in series.items()]
        return self._figure(charts.sweep_svg, [item[x] for item in rows], lines, marks=[tuple(mark) for mark in marks],
                            title=title, x_label=x_label, y_label=y_label, log_y=log_y, label=title, caption=caption)

    def group_scatter(self, points: pd.DataFrame, centres: Iterable[Mapping], *, x: str, y: str, group: str,
                      label: str, title: str, x_label: str, y_label: str, caption: str | None = None) -> Markup:
        """Points of a frame coloured by ``group`` with each group's centre marked; ``centres`` has one row per
        group (its ``group`` id, ``x``, ``y`` and legend ``label``), in legend order."""
        centres = list(centres)
        return self._figure(
            charts.group_scatter_svg, points[x].to_numpy(dtype=float), points[y].to_numpy(dtype=float),
            points[group].to_numpy(), [item[group] for item in centres], [item[label] for item in centres],
            [item[x] for item in centres], [item[y] for item in centres], title=title, x_label=x_label,
            y_label=y_label, label=title, caption=caption)

    def radar(self, rows: Iterable[Mapping], label: str, value: str, *, limit: float, title: str,
              caption: str | None = None) -> Markup:
        """A radar of standardized differences, one spoke per row (at least three rows)."""
        rows = list(rows)
        if len(rows) < 3:
            raise ValueError(f"a radar needs at least three spokes, got {len(rows)}")
        return self._figure(charts.radar_svg, [item[label] for item in rows], [item[value] for item in rows],
                            limit=limit, title=title, label=title, caption=caption)

    def intervals(self, rows: Iterable[Mapping], label: str, rate: str, lower: str, upper: str, *, note: str,
                  reference: float | None, reference_label: str, title: str, x_label: str,
                  caption: str | None = None) -> Markup:
        """Rates with interval bars, one row per label, and a reference line; a row whose rate is null shows
        its ``note`` column instead."""
        rows = list(rows)
        return self._figure(
            charts.interval_svg, [item[label] for item in rows], [item[rate] for item in rows],
            [item[lower] for item in rows], [item[upper] for item in rows], reference=reference,
            reference_label=reference_label, notes=[item[note] for item in rows], title=title, x_label=x_label,
            label=title, caption=caption)

    def dot_comparison(self, rows: Iterable[Mapping], label: str, series: Mapping[str, str], *, limit: float,
                       title: str, x_label: str, reference_label: str, caption: str | None = None) -> Markup:
        """Dots per row on a shared scale, one per ``series`` (legend label → column), against a reference
        line at 0: e.g. a student and their peers in standard deviations from the cohort mean."""
        rows = list(rows)
        return self._figure(
            charts.dot_comparison_svg, [item[label] for item in rows],
            [(name, [item[key] for item in rows]) for name, key in series.items()], limit=limit, title=title,
            x_label=x_label, reference_label=reference_label, label=title, caption=caption)

    def grouped_bars(self, rows: Iterable[Mapping], label: str, series: Mapping[str, str], *, title: str,
                     x_label: str, caption: str | None = None) -> Markup:
        """Grouped horizontal bars, one group per row; ``series`` maps each legend label to its column."""
        rows = list(rows)
        return self._figure(
            charts.grouped_bar_svg, [item[label] for item in rows],
            [(name, [item[key] for item in rows]) for name, key in series.items()], title=title, x_label=x_label,
            label=title, caption=caption)

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
        return self._figure(charts.scatter_svg, pair.sample_x, pair.sample_y, slope=stats.slope,
                            intercept=stats.intercept, title=title, x_label=pair.x_column, y_label=pair.y_column,
                            label=title, caption=caption)


def _p_text(p_value: float) -> str:
    """A p-value after "p": "< 0.001" or "= 0.0312"."""
    text = format_value(p_value, "p_value")
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"
