"""Charts for report pages, drawn with matplotlib and returned as inline SVG text.

Every function takes plain data (sequences or arrays already computed from warehouse tables), draws one
figure and returns its ``<svg>`` element, ready to place in a page. Figures are built with the object
API (no pyplot state, so rendering is safe in dbt's threads). Text stays literal: matplotlib's math
parser is off, so a column named ``cost_$`` is drawn as written. Each SVG's element ids start with the
caller's ``chart_id``: ids are then stable from run to run and unique among the charts of a page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

PRIMARY = "#2f6690"
ACCENT = "#c8553d"
GRID = "#d9dee4"
TEXT = "#1f2933"

STYLE = {
    "text.parse_math": False,
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
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


def heatmap_svg(matrix: np.ndarray, labels: Sequence[str], *, title: str, colorbar_label: str,
                chart_id: str) -> str:
    """A symmetric coefficient matrix in [-1, 1] on a diverging scale, annotated when it is small enough."""
    size = len(labels)
    with matplotlib.rc_context(STYLE):
        side = min(11.0, 2.5 + 0.42 * size)
        figure = _new_figure(side + 1.2, side)
        axes = figure.add_subplot()
        image = axes.imshow(np.asarray(matrix, dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
        axes.set_xticks(range(size), labels, rotation=45, ha="right", rotation_mode="anchor")
        axes.set_yticks(range(size), labels)
        axes.grid(False)
        axes.spines[:].set_visible(False)
        if size <= 20:
            for row in range(size):
                for column in range(size):
                    value = matrix[row][column]
                    if np.isfinite(value):
                        axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=6.5,
                                  color="white" if abs(value) > 0.6 else TEXT)
        colorbar = figure.colorbar(image, ax=axes, shrink=0.7)
        colorbar.set_label(colorbar_label)
        axes.set_title(title)
        return _svg_text(figure, chart_id)


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
