"""Charts for report pages, drawn with matplotlib and returned as inline SVG text.

Every ``*_svg`` function takes plain data (sequences or arrays already computed from warehouse tables),
draws one figure and returns its ``<svg>`` element, ready to place in a page. Figures are built with the
object API (no pyplot state, so rendering is safe in dbt's threads). Text stays literal: matplotlib's math
parser is off, so a column named ``cost_$`` is drawn as written. Text is SVG text, not glyph outlines: the
browser draws it with the same font (DejaVu Sans, which ships with matplotlib and Debian; readers without
it get Arial or Helvetica, which are narrower, so text still fits the layout computed for DejaVu Sans).
Each SVG's element ids start with the caller's ``chart_id``: ids are then stable from run to run and unique
among the charts of a page.

A :class:`Chart` is one such call as plain data, so :func:`draw_charts` can draw a page's charts in
worker processes.
"""

from __future__ import annotations

import io
import multiprocessing
import textwrap
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import matplotlib
import numpy as np
from matplotlib import colors, ticker
from matplotlib.figure import Figure

PRIMARY = "#2f6690"
ACCENT = "#c8553d"
GRID = "#d9dee4"
TEXT = "#1f2933"
MUTED = "#7b8794"
MISSING_CELL = "#eceff1"
# One colour per group (persona): the Okabe-Ito colour-blind-safe set without its yellow, then tab10 shades.
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                "#8c564b", "#bcbd22", "#7f7f7f"]

STYLE = {
    "text.parse_math": False,
    # Text as <text> elements, not glyph outlines: pages half the size or less, and a little faster to draw.
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": TEXT,
    "axes.titlecolor": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
}


@dataclass(frozen=True)
class Chart:
    """One chart to draw: a ``*_svg`` function of this module with its arguments (``chart_id`` aside).

    Plain, picklable data, so a page can be rendered with a placeholder where each chart goes and the
    charts drawn afterwards, in worker processes (:func:`draw_charts`)."""

    function: Callable[..., str]
    chart_id: str
    args: tuple = ()
    kwargs: Mapping = field(default_factory=dict)

    @property
    def placeholder(self) -> str:
        """What marks the chart's place in a page until it is drawn (an HTML comment, which escaped data
        can never produce)."""
        return f"<!-- chart {self.chart_id} -->"

    def svg(self) -> str:
        """Draw the chart."""
        return self.function(*self.args, **self.kwargs, chart_id=self.chart_id)


def draw_charts(charts: Sequence[Chart], processes: int = 1) -> dict[str, str]:
    """Every chart's SVG by chart id, drawn in up to ``processes`` worker processes (one: here).

    Drawing is pure Python in matplotlib and holds the GIL, so threads would not help; processes do. They
    are forked: a forkserver or spawned worker would first import the caller's ``__main__`` (dbt's command
    line, about two seconds) and matplotlib again. The dbt process has other threads, and a forked child only
    gets the forking one, so a lock another thread held would stay held in the child; the workers only
    unpickle a chart, draw it with matplotlib and numpy and send the SVG back (never touching DuckDB or
    dbt), and the locks they do take (imports, logging, the allocator) are reset in a forked child by
    Python and the C library. An SVG depends only on its chart's arguments and id, so the result is the
    same however many processes draw it.
    """
    workers = min(processes, len(charts))
    if workers <= 1:
        return {chart.chart_id: chart.svg() for chart in charts}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(zip([chart.chart_id for chart in charts], pool.map(Chart.svg, charts)))


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _svg_text(figure: Figure, chart_id: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog, no date) whose ids all start with ``chart_id``.

    matplotlib names glyphs and clip paths the same way in every figure (``DejaVuSans-47``), which is
    harmless in a file of its own but makes duplicate ids once several SVGs share one HTML page; the
    prefix keeps every id, and each reference to it, unique to its chart.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, dpi=144)
    text = buffer.getvalue()
    svg = text[text.index("<svg"):].strip()
    return svg.replace('id="', f'id="{chart_id}-').replace('href="#', f'href="#{chart_id}-').replace(
        "url(#", f"url(#{chart_id}-")


def histogram_svg(bin_starts: Sequence[float], bin_ends: Sequence[float], counts: Sequence[int], *,
                  title: str, x_label: str, y_label: str, chart_id: str) -> str:
    """A histogram from bins counted in SQL (so any number of rows can be summarised by the warehouse)."""
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(3.6, 2.5)
        axes = figure.add_subplot()
        starts = np.asarray(bin_starts, dtype=float)
        widths = np.asarray(bin_ends, dtype=float) - starts
        axes.bar(starts, np.asarray(counts), width=widths, align="edge", color=PRIMARY,
                 edgecolor="white", linewidth=0.5)
        axes.grid(False, axis="x")
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        return _svg_text(figure, chart_id)


def bar_svg(labels: Sequence[str], counts: Sequence[int], *, title: str, x_label: str, chart_id: str) -> str:
    """Horizontal bars, first label on top, each bar annotated with its count and share of the total."""
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(3.6, 0.9 + 0.32 * max(len(labels), 1))
        axes = figure.add_subplot()
        values = np.asarray(counts, dtype=float)
        positions = np.arange(len(labels))
        axes.barh(positions, values, color=PRIMARY, height=0.65)
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.invert_yaxis()
        total = values.sum()
        for position, value in zip(positions, values):
            share = f" ({value / total:.0%})" if total else ""
            axes.annotate(f"{value:,.0f}{share}", (value, position), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=7.5, color=TEXT)
        axes.set_xlim(0, (values.max() if len(values) else 1) * 1.3 or 1)
        axes.grid(False, axis="y")
        axes.set_title(title)
        axes.set_xlabel(x_label)
        return _svg_text(figure, chart_id)


# Colour scales of heatmaps: (colormap, normalisation from the finite values of the matrix).
HEATMAP_SCALES = {
    # Coefficients in [-1, 1] such as correlations, 0 in the middle.
    "correlation": lambda values: ("RdBu_r", colors.Normalize(-1, 1)),
    # Non-negative magnitudes such as loadings, from 0 to the largest value.
    "magnitude": lambda values: ("Blues", colors.Normalize(0, max(np.max(values, initial=0), 1e-12))),
    # Ratios to a reference (1 = as the reference) on a log scale, so 0.5 and 2 are equally far from 1.
    "ratio": lambda values: ("PuOr_r", colors.LogNorm(0.5, 2, clip=True)),
}


def heatmap_svg(matrix: np.ndarray, row_labels: Sequence[str], column_labels: Sequence[str] | None = None, *,
                title: str, colorbar_label: str, chart_id: str, scale: str = "correlation",
                cell_text: Sequence[Sequence[str]] | None = None) -> str:
    """A matrix of values as coloured cells, annotated when it is small enough to read.

    ``column_labels`` defaults to ``row_labels`` (a symmetric matrix such as correlations, drawn with
    square cells); column labels with line breaks are set horizontally above the matrix. ``scale`` is a
    key of :data:`HEATMAP_SCALES`. Missing cells (NaN) are drawn grey; ``cell_text`` gives each cell's text
    instead of its value, which is how a cell withheld from publication reads "<10" rather than blank.
    Cell text is white on dark colours and dark on light ones.
    """
    matrix = np.asarray(matrix, dtype=float)
    symmetric = column_labels is None
    column_labels = [str(label) for label in (row_labels if symmetric else column_labels)]
    n_rows, n_columns = matrix.shape
    cmap_name, norm = HEATMAP_SCALES[scale](matrix[np.isfinite(matrix)])
    cmap = matplotlib.colormaps[cmap_name].with_extremes(bad=MISSING_CELL)
    label_lines = [label.split("\n") for label in column_labels]
    multiline = any(len(lines) > 1 for lines in label_lines)
    with matplotlib.rc_context(STYLE):
        if symmetric:
            width, height = min(11.0, 2.5 + 0.42 * n_rows + 1.2), min(11.0, 2.5 + 0.42 * n_rows)
        else:
            # Room for the row labels, then columns wide enough for their labels or a cell note.
            longest_line = max(len(line) for lines in label_lines for line in lines)
            column_width = max(0.7, 0.062 * longest_line) if multiline else 0.7
            row_label_width = 0.058 * max(len(str(label)) for label in row_labels)
            width = min(11.0, row_label_width + column_width * n_columns + 1.8)
            height = min(11.0, 1.5 + 0.3 * n_rows + 0.13 * max(len(lines) for lines in label_lines))
        figure = _new_figure(width, height)
        axes = figure.add_subplot()
        image = axes.imshow(matrix, cmap=cmap, norm=norm, aspect="equal" if symmetric else "auto")
        if multiline:
            axes.set_xticks(range(n_columns), column_labels, fontsize=7)
            axes.xaxis.tick_top()
        else:
            axes.set_xticks(range(n_columns), column_labels, rotation=45, ha="right", rotation_mode="anchor")
        axes.set_yticks(range(n_rows), row_labels)
        axes.grid(False)
        axes.spines[:].set_visible(False)
        if n_rows * n_columns <= 400:
            for row in range(n_rows):
                for column in range(n_columns):
                    value = matrix[row, column]
                    text = cell_text[row][column] if cell_text is not None else (
                        f"{value:.2f}" if np.isfinite(value) else "")
                    background = cmap(norm(value)) if np.isfinite(value) else colors.to_rgba(MISSING_CELL)
                    # Inside its cell, so left out of the layout: measuring every cell twice is most of
                    # a large heatmap's layout time and cannot move a margin.
                    axes.text(column, row, text, ha="center", va="center", fontsize=6.5,
                              color="white" if _luminance(background) < 0.5 else TEXT, in_layout=False)
        colorbar = figure.colorbar(image, ax=axes, shrink=0.7)
        colorbar.set_label(colorbar_label)
        if scale == "ratio":
            colorbar.set_ticks([0.5, 0.75, 1, 1.5, 2], labels=["≤0.5", "0.75", "1", "1.5", "≥2"])
            colorbar.minorticks_off()
        axes.set_title(title)
        return _svg_text(figure, chart_id)


def _luminance(rgba) -> float:
    """Perceived lightness of a colour (0 black, 1 white), to pick readable text on it."""
    red, green, blue = rgba[:3]
    return 0.299 * red + 0.587 * green + 0.114 * blue


def scatter_svg(x: np.ndarray, y: np.ndarray, *, slope: float, intercept: float, title: str, x_label: str,
                y_label: str, chart_id: str) -> str:
    """Points with their least-squares line. The points are rasterised inside the SVG so that thousands
    of them stay light; axes, labels and the line remain vector."""
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(4.4, 3.3)
        axes = figure.add_subplot()
        axes.scatter(x, y, s=7, alpha=0.35, color=PRIMARY, linewidths=0, rasterized=True)
        if len(x) and np.isfinite(slope):
            line_x = np.array([np.min(x), np.max(x)])
            axes.plot(line_x, slope * line_x + intercept, color=ACCENT, linewidth=2, label="least-squares line")
            axes.legend(loc="best", fontsize=7.5, frameon=False)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        return _svg_text(figure, chart_id)


def sweep_svg(x: Sequence[float], series: Sequence[tuple[str, Sequence[float], Sequence[float] | None]], *,
              marks: Sequence[tuple[float, str]], title: str, x_label: str, y_label: str, chart_id: str,
              log_y: bool = False) -> str:
    """A metric sweep (NMF rank, K-Means k): one line per ``(label, values, errors)`` series, with ±errors
    as bars when given, and labelled vertical ``marks``. The first mark is the chosen value (solid accent
    line); further marks (dashed) show what another rule would pick. ``log_y`` for series spanning orders
    of magnitude."""
    markers = ["o", "s", "^", "D"]
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(5.4, 3.4 + 0.18 * len(series))
        axes = figure.add_subplot()
        x_values = np.asarray(x, dtype=float)
        for index, (label, values, errors) in enumerate(series):
            axes.errorbar(x_values, np.asarray(values, dtype=float),
                          yerr=None if errors is None else np.asarray(errors, dtype=float),
                          marker=markers[index % len(markers)], markersize=4, linewidth=1.6, capsize=2.5,
                          color=GROUP_COLORS[index % len(GROUP_COLORS)], label=label)
        for index, (position, label) in enumerate(marks):
            # The chosen value is labelled at the top of the axes, other marks half-way up.
            chosen = index == 0
            right_half = position > (x_values.min() + x_values.max()) / 2
            axes.axvline(position, color=ACCENT if chosen else MUTED, linewidth=1.4 if chosen else 1.1,
                         linestyle="-" if chosen else "--", zorder=0)
            axes.annotate(label, (position, 1 if chosen else 0.5), xycoords=("data", "axes fraction"),
                          xytext=(-4 if right_half else 4, -4 if chosen else 0), textcoords="offset points",
                          ha="right" if right_half else "left", va="top" if chosen else "center", fontsize=7.5,
                          color=ACCENT if chosen else MUTED)
        if log_y:
            axes.set_yscale("log")
            axes.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
            axes.yaxis.set_minor_formatter(ticker.NullFormatter())
        axes.set_xticks(x_values)
        axes.set_xticklabels([f"{value:g}" for value in x_values])
        axes.legend(loc="upper left", bbox_to_anchor=(0, -0.17), ncol=1, fontsize=7.5, frameon=False)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        return _svg_text(figure, chart_id)


def group_scatter_svg(x: np.ndarray, y: np.ndarray, groups: np.ndarray, group_ids: Sequence, group_labels: Sequence[str],
                      centre_x: Sequence[float], centre_y: Sequence[float], *, title: str, x_label: str,
                      y_label: str, chart_id: str) -> str:
    """Points coloured by group with each group's centre marked by a numbered cross; the legend, below
    the axes, names each group in ``group_ids`` order. Points are rasterised, so thousands stay light."""
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(6.2, 4.2 + 0.2 * len(group_ids))
        axes = figure.add_subplot()
        for index, (group, label) in enumerate(zip(group_ids, group_labels)):
            colour = GROUP_COLORS[index % len(GROUP_COLORS)]
            chosen = np.asarray(groups) == group
            axes.scatter(np.asarray(x)[chosen], np.asarray(y)[chosen], s=6, alpha=0.45, color=colour, linewidths=0,
                         rasterized=True, label=f"{group} · {label}")
            axes.scatter([centre_x[index]], [centre_y[index]], s=120, marker="X", color=colour, edgecolors="white",
                         linewidths=1.2, zorder=3)
            axes.annotate(str(group), (centre_x[index], centre_y[index]), xytext=(7, 5), textcoords="offset points",
                          fontsize=8, fontweight="bold", color=TEXT, zorder=4)
        legend = axes.legend(loc="upper left", bbox_to_anchor=(0, -0.16), ncol=1, fontsize=7.5, frameon=False,
                             markerscale=2.2)
        for handle in legend.legend_handles:
            handle.set_alpha(1)
        axes.set_title(title)
        axes.set_xlabel(textwrap.fill(x_label, 70))
        axes.set_ylabel(textwrap.fill(y_label, 45))
        return _svg_text(figure, chart_id)


def radar_svg(labels: Sequence[str], values: Sequence[float], *, limit: float, title: str, chart_id: str) -> str:
    """A radar of standardized differences from the cohort: one spoke per label, the dashed ring at 0 is
    the cohort, outward is above it and inward below. Values beyond ±``limit`` are drawn at the limit
    (the caller's table gives the exact figures)."""
    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
    drawn = np.clip(np.asarray(values, dtype=float), -limit, limit)
    closed_angles = np.append(angles, angles[0])
    with matplotlib.rc_context({**STYLE, "axes.grid": True}):
        figure = _new_figure(3.9, 3.7)
        axes = figure.add_subplot(projection="polar")
        axes.set_theta_offset(np.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(-limit, limit)
        ring = np.linspace(0, 2 * np.pi, 120)
        axes.plot(ring, np.zeros_like(ring), color=TEXT, linewidth=1, linestyle="--", label="cohort (0)")
        axes.plot(closed_angles, np.append(drawn, drawn[0]), color=PRIMARY, linewidth=2, marker="o", markersize=3.5,
                  label="this persona")
        axes.fill(closed_angles, np.append(drawn, drawn[0]), color=PRIMARY, alpha=0.18)
        axes.set_xticks(angles, [str(label).replace("_", " ") for label in labels], fontsize=7)
        ticks = np.arange(-limit, limit + 0.5, 1.0)
        axes.set_yticks(ticks, [f"{tick:+g}" if tick else "0" for tick in ticks], fontsize=6.5, color=MUTED)
        axes.set_rlabel_position(180 / len(labels))  # between the first two spokes
        axes.spines["polar"].set_color(GRID)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=7, frameon=False)
        axes.set_title(title, pad=12)
        return _svg_text(figure, chart_id)


def interval_svg(labels: Sequence[str], rates: Sequence[float | None], lower: Sequence[float | None],
                 upper: Sequence[float | None], *, reference: float | None, reference_label: str,
                 notes: Sequence[str | None], title: str, x_label: str, chart_id: str) -> str:
    """Rates with their confidence intervals as horizontal error bars, first label on top, and a
    vertical reference line (the overall rate) labelled above the first row, where no bar can hide it. A
    row without a rate shows its note instead of a bar, so a withheld figure is visibly withheld rather
    than missing."""
    positions = np.arange(len(labels))
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(4.6 + 0.058 * max((len(str(label)) for label in labels), default=0),
                             1.2 + 0.42 * max(len(labels), 1))
        axes = figure.add_subplot()
        highest = max([value for value in [*upper, reference] if value is not None], default=0.01)
        for position, rate, low, high, note in zip(positions, rates, lower, upper, notes):
            if rate is None:
                axes.annotate(note or "not shown", (0, position), xytext=(4, 0), textcoords="offset points",
                              va="center", fontsize=7.5, color=MUTED, fontstyle="italic",
                              bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
                continue
            axes.errorbar([rate], [position], xerr=[[rate - low], [high - rate]], fmt="o", color=PRIMARY,
                          markersize=5, capsize=3, linewidth=1.6)
            axes.annotate(f"{rate:.1%}", (high, position), xytext=(4, 0), textcoords="offset points", va="center",
                          fontsize=7.5, color=TEXT)
        right = min(highest * 1.25, 1.0)  # a rate never exceeds 100%; value labels may sit beyond the axes
        if reference is not None:
            axes.axvline(reference, color=ACCENT, linewidth=1.3, linestyle="--")
            right_half = reference > right / 2
            axes.annotate(reference_label, (reference, -1.0), xytext=(-4 if right_half else 4, 0),
                          textcoords="offset points", ha="right" if right_half else "left", va="center",
                          fontsize=7.5, color=ACCENT)
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.set_ylim(len(labels) - 0.4, -1.4 if reference is not None else -0.6)
        axes.set_xlim(0, right)
        axes.xaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0 if highest > 0.05 else 1))
        axes.grid(False, axis="y")
        axes.set_title(title)
        axes.set_xlabel(x_label)
        return _svg_text(figure, chart_id)


def grouped_bar_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                    x_label: str, chart_id: str) -> str:
    """Horizontal bars, one group per label (first on top) and one bar per ``(name, values)`` series, each
    annotated with its value (three decimals, for coefficients such as Cramér's V)."""
    positions = np.arange(len(labels))
    height = 0.8 / max(len(series), 1)
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(5.6, 1.3 + 0.3 * len(labels) * max(len(series), 1))
        axes = figure.add_subplot()
        highest = 0.0
        for index, (name, values) in enumerate(series):
            values = np.asarray(values, dtype=float)
            offsets = positions - 0.4 + height * (index + 0.5)
            axes.barh(offsets, values, height=height * 0.92, color=GROUP_COLORS[index % len(GROUP_COLORS)], label=name)
            for offset, value in zip(offsets, values):
                axes.annotate(f"{value:.3f}", (value, offset), xytext=(3, 0), textcoords="offset points",
                              va="center", fontsize=7, color=TEXT)
            highest = max(highest, np.nanmax(values, initial=0))
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.invert_yaxis()
        axes.set_xlim(0, max(highest * 1.25, 0.1))
        axes.grid(False, axis="y")
        axes.legend(loc="lower right", fontsize=7.5, frameon=False)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        return _svg_text(figure, chart_id)


def dot_comparison_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, limit: float,
                       title: str, x_label: str, reference_label: str, chart_id: str) -> str:
    """One row per label (first on top) with a dot per ``(name, values)`` series, the dots of a row joined
    by a line, against a dashed reference line at 0: a student and their peers in standard deviations from
    the cohort mean, say. Values beyond ±``limit`` are drawn at the limit (the caller's table gives the
    exact figures); a missing value draws no dot."""
    positions = np.arange(len(labels))
    values = np.clip(np.array([list(values) for _, values in series], dtype=float).reshape(len(series), len(labels)),
                     -limit, limit)
    markers = ["o", "D", "s", "^"]
    with matplotlib.rc_context(STYLE):
        figure = _new_figure(5.6, 1.6 + 0.34 * max(len(labels), 1))
        axes = figure.add_subplot()
        axes.axvline(0, color=TEXT, linewidth=1, linestyle="--", label=reference_label, zorder=1)
        drawn = np.isfinite(values).any(axis=0)
        axes.hlines(positions[drawn], np.nanmin(values[:, drawn], axis=0), np.nanmax(values[:, drawn], axis=0),
                    color=GRID, linewidth=3, zorder=2)
        for index, (name, _) in enumerate(series):
            axes.scatter(values[index], positions, s=34, marker=markers[index % len(markers)],
                         color=GROUP_COLORS[index % len(GROUP_COLORS)], label=name, zorder=3)
        axes.set_yticks(positions, [str(label).replace("_", " ") for label in labels])
        axes.set_ylim(len(labels) - 0.5, -0.5)
        axes.set_xlim(-limit * 1.05, limit * 1.05)
        axes.grid(False, axis="y")
        axes.legend(loc="upper left", bbox_to_anchor=(0, -0.2), ncol=1, fontsize=7.5, frameon=False)
        axes.set_title(title)
        axes.set_xlabel(x_label)
        return _svg_text(figure, chart_id)
