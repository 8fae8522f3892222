"""Charts for report pages as Vega-Lite specifications, drawn by the reader's browser.

Every function takes plain data (sequences already computed from warehouse tables) and returns one
Vega-Lite v6 specification as a dict: the data inline (``data.values``), the marks, tooltips on every mark,
and the layout. The page inlines the pinned vega, vega-lite and vega-embed builds
(:mod:`student_personas.reports.assets`), so a chart needs no request and costs the build only the time
to write its JSON.

Specs are plain JSON: :func:`to_json` writes them without NaN or infinity (missing values are null) and
with ``<`` escaped, so data can never close the ``<script>`` element that carries it.

Layout rules that keep wide inputs legible: categorical axes are sized by a step per category (a chart
with 70 features grows taller rather than overprinting its labels), column headers that do not fit
horizontally are turned 45 degrees with a step wide enough for their line height, long titles wrap
onto several lines instead of being cut, and long legends fold into columns.

Charts that show personas take a ``persona`` id per datum and declare the parameter ``persona``: the page
sets it to highlight one persona across all of its charts (see ``report.js``).
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from numbers import Number

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

PRIMARY = "#2f6690"
ACCENT = "#c8553d"
GRID = "#d9dee4"
TEXT = "#1f2933"
MUTED = "#7b8794"
MISSING_CELL = "#eceff1"
# One colour per group (persona): the Okabe-Ito colour-blind-safe set without its yellow, then tab10 shades.
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                "#8c564b", "#bcbd22", "#7f7f7f"]

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
# Pixels per character of an 11 px label, generous so that estimated widths never fall short.
CHAR_WIDTH = 6.6
LABEL_LIMIT = 320
TITLE_CHARACTERS = 60
# Line height of multi-line axis labels (11 px text).
LINE_HEIGHT = 13

CONFIG = {
    "font": FONT,
    "background": "#ffffff",
    "view": {"stroke": None},
    "title": {"fontSize": 13, "fontWeight": 600, "anchor": "start", "color": TEXT, "offset": 8},
    "axis": {"labelFontSize": 11, "titleFontSize": 11.5, "titleFontWeight": 600, "labelColor": TEXT,
             "titleColor": TEXT, "gridColor": GRID, "domainColor": "#9aa5b1", "tickColor": "#9aa5b1",
             "labelLimit": LABEL_LIMIT, "titleLimit": 0},
    "legend": {"labelFontSize": 11, "titleFontSize": 11.5, "labelLimit": 480, "titleLimit": 0,
               "orient": "bottom", "direction": "vertical"},
    "axisBand": {"grid": False},
    # Number axes drop labels that would touch rather than overprint them.
    "axisQuantitative": {"labelOverlap": "greedy", "labelSeparation": 4},
}

# Colour scales of heatmaps, as Vega-Lite scales.
HEATMAP_SCALES = {
    # Coefficients in [-1, 1] such as correlations, 0 in the middle.
    "correlation": {"scheme": "redblue", "reverse": True, "domain": [-1, 1]},
    # Non-negative magnitudes such as loadings, from 0 to the largest value.
    "magnitude": {"scheme": "blues", "domainMin": 0},
    # Ratios to a reference (1 = as the reference) on a log scale, so 0.5 and 2 are equally far from 1.
    "ratio": {"type": "log", "scheme": "purpleorange", "reverse": True, "domain": [0.5, 2], "clamp": True},
}
# Above this many cells a heatmap is coloured only; its values are in the tooltips and the tables.
MAX_ANNOTATED_CELLS = 400


def clean(value):
    """A value as JSON can hold it: NaN and infinity become null, numpy scalars plain numbers, floats
    rounded to 10 significant digits (charts need no more, and pages stay small)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Number):
        number = float(value)
        if not math.isfinite(number):
            return None
        return float(f"{number:.10g}")
    if isinstance(value, Mapping):
        return {str(key): clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return str(value)


def to_json(spec: Mapping) -> str:
    """The spec as compact JSON for an inline ``<script type="application/json">``: strict JSON (an
    error on NaN, which :func:`clean` removes), and ``<``, ``>``, ``&`` and the JavaScript line
    separators escaped, so no value can end the script element or be read as markup."""
    text = json.dumps(clean(spec), allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                               ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(character, escaped)
    return text


def wrap_title(title: str, width: int = TITLE_CHARACTERS) -> str | list[str]:
    """A title as one line, or as several lines when it is long (Vega draws a list as lines), so a
    title is never cut at the chart's edge."""
    lines = textwrap.wrap(str(title), width) or [""]
    return lines[0] if len(lines) == 1 else lines


def _records(**columns: Sequence) -> list[dict]:
    """Column sequences of equal length as a list of row dicts."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: { {name: len(v) for name, v in columns.items()} }")
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _text_width(labels: Iterable) -> float:
    """Estimated pixel width of the longest line of the labels."""
    return CHAR_WIDTH * max((len(line) for label in labels for line in str(label).split("\n")), default=1)


def _spec(title: str, body: Mapping, *, persona: bool = False, title_offset: float | None = None) -> dict:
    spec = {"$schema": SCHEMA, "title": {"text": wrap_title(title)}, "config": CONFIG, **body}
    if title_offset is not None:
        spec["title"]["offset"] = title_offset
    if persona:
        spec["params"] = [{"name": "persona", "value": None}]
    return spec


def _persona_opacity(selected: float, other: float) -> dict:
    """Opacity that dims every persona but the highlighted one (all at ``selected`` when none is)."""
    return {"condition": {"test": "persona === null || datum.persona_id === persona", "value": selected},
            "value": other}


def _band_axis(labels: Sequence, step: float, *, max_horizontal: float | None = None) -> tuple[dict, float]:
    """An x axis for categories ``labels`` and the step each gets: labels set horizontally when they fit
    their step (widening it up to ``max_horizontal`` pixels), else turned 45 degrees with a step of at
    least 20 px, so the 11 px labels (13 px boxes) lie 14 px apart and never overlap."""
    width = _text_width(labels) + 8
    lines = max((str(label).count("\n") + 1 for label in labels), default=1)
    if width <= max(step, max_horizontal or 0):
        # Vega sets the lines of a label downwards from its anchor: above the matrix, the anchor moves up
        # by the extra lines so that none reaches into the first row.
        axis = {"labelAngle": 0, "labelAlign": "center", "labelBaseline": "bottom", "orient": "top",
                "labelLimit": LABEL_LIMIT, "labelLineHeight": LINE_HEIGHT,
                "labelPadding": 4 + (lines - 1) * LINE_HEIGHT}
        if lines > 1:
            axis["labelExpr"] = "split(datum.label, '\\n')"
        return axis, max(step, width)
    return {"labelAngle": -45, "labelAlign": "left", "labelBaseline": "middle", "orient": "top",
            "labelLimit": 2 * LABEL_LIMIT, "labelExpr": "replace(datum.label, /\\n/g, ' ')"}, max(step, 20.0)


# ---- charts --------------------------------------------------------------------------------------------

def histogram(bin_starts: Sequence[float], bin_ends: Sequence[float], counts: Sequence[int], *, title: str,
              x_label: str, y_label: str) -> dict:
    """A histogram from bins counted in the warehouse: one bar per bin from its start to its end."""
    data = _records(bin_start=bin_starts, bin_end=bin_ends, n=counts)
    return _spec(title, {
        "width": "container", "height": 150,
        "data": {"values": data},
        "mark": {"type": "rect", "color": PRIMARY, "stroke": "#ffffff", "strokeWidth": 0.5},
        "encoding": {
            "x": {"field": "bin_start", "type": "quantitative", "title": x_label, "scale": {"zero": False},
                  "axis": {"tickCount": 6}},
            "x2": {"field": "bin_end"},
            "y": {"field": "n", "type": "quantitative", "title": y_label},
            "y2": {"datum": 0},
            "tooltip": [{"field": "bin_start", "type": "quantitative", "title": "from", "format": ",.6~g"},
                        {"field": "bin_end", "type": "quantitative", "title": "to", "format": ",.6~g"},
                        {"field": "n", "type": "quantitative", "title": y_label, "format": ","}],
        },
    })


def bars(labels: Sequence[str], counts: Sequence[int], *, title: str, x_label: str) -> dict:
    """Horizontal bars, first label on top, each labelled with its count and share of the total; one
    18 px row per label, so a column with 40 levels is a taller chart, never overprinted labels."""
    total = sum(count for count in counts if count is not None)
    data = _records(label=[str(label) for label in labels], n=counts,
                    share=[(count / total if total and count is not None else None) for count in counts])
    for row in data:
        row["text"] = f"{row['n']:,}" + (f" ({row['share']:.0%})" if row["share"] is not None else "")
    return _spec(title, {
        "width": "container", "height": {"step": 18},
        "data": {"values": data},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "n", "type": "quantitative", "title": x_label, "scale": {"domainMax": max(
                [count for count in counts if count is not None], default=1) * 1.45}},
            "tooltip": [{"field": "label", "title": "level"},
                        {"field": "n", "type": "quantitative", "title": x_label, "format": ","},
                        {"field": "share", "type": "quantitative", "title": "share", "format": ".1%"}],
        },
        "layer": [
            {"mark": {"type": "bar", "color": PRIMARY, "height": {"band": 0.7}}},
            {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10.5, "color": TEXT},
             "encoding": {"text": {"field": "text"}}},
        ],
    })


def heatmap(cells: Sequence[Mapping], row_labels: Sequence[str], column_labels: Sequence[str], *, title: str,
            colorbar_label: str, scale: str = "correlation", persona: bool = False) -> dict:
    """A matrix of values as coloured cells. ``cells`` are dicts with ``row``, ``column``, ``value``
    (None for a missing or withheld cell, drawn grey) and ``text`` (what the cell reads: a withheld cell
    reads "<10", not blank), optionally ``persona_id``. Rows and columns keep the given order; every cell
    has a tooltip, and up to :data:`MAX_ANNOTATED_CELLS` cells carry their text. Text is white on dark
    colours. Column headers with line breaks stay multi-line when they fit."""
    if scale not in HEATMAP_SCALES:
        raise ValueError(f"unknown heatmap scale {scale!r}; expected one of {', '.join(HEATMAP_SCALES)}")
    row_labels = [str(label) for label in row_labels]
    column_labels = [str(label) for label in column_labels]
    values = [cell["value"] for cell in cells if cell.get("value") is not None]
    color_scale = dict(HEATMAP_SCALES[scale])
    if scale == "magnitude":
        color_scale["domainMax"] = max([*values, 1e-12])
    data = []
    for cell in cells:
        value = cell.get("value")
        data.append({**cell, "row": str(cell["row"]), "column": str(cell["column"]),
                     "dark": value is not None and _is_dark(value, scale, color_scale)})
    annotated = len(row_labels) * len(column_labels) <= MAX_ANNOTATED_CELLS
    # An annotated cell is wide enough for its text ("suppressed" as much as "0.25").
    step = max(46.0, _text_width(cell['text'] for cell in data) * 0.95 + 10) if annotated else 14
    # Few columns may widen to set their headers horizontally, as long as the matrix stays about 900 px wide.
    x_axis, x_step = _band_axis(column_labels, step, max_horizontal=min(240, max(160, 900 / max(len(column_labels), 1))))
    tooltip = [{"field": "row", "title": "row"}, {"field": "column", "title": "column"},
               {"field": "text", "title": colorbar_label}]
    opacity = _persona_opacity(1, 0.25) if persona else {"value": 1}
    layers = [
        {"mark": {"type": "rect", "color": MISSING_CELL, "stroke": "#ffffff", "strokeWidth": 0.5},
         "encoding": {"tooltip": tooltip, "opacity": opacity}},
        {"transform": [{"filter": "isValid(datum.value)"}],
         "mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 0.5},
         "encoding": {"color": {"field": "value", "type": "quantitative", "scale": color_scale,
                                "legend": {"title": wrap_title(colorbar_label, 22), "orient": "right", "direction": "vertical",
                                           "gradientLength": min(200, max(80, 14 * len(row_labels))),
                                           **({"values": [0.5, 0.75, 1, 1.5, 2]} if scale == "ratio" else {})}},
                      "tooltip": tooltip, "opacity": opacity}},
    ]
    if annotated:
        layers.append({"mark": {"type": "text", "fontSize": 10.5},
                       "encoding": {"text": {"field": "text"},
                                    "color": {"condition": {"test": "datum.dark", "value": "#ffffff"},
                                              "value": TEXT},
                                    "tooltip": tooltip, "opacity": opacity}})
    return _spec(title, {
        "width": {"step": x_step}, "height": {"step": 24 if annotated else 14},
        "data": {"values": data},
        "encoding": {
            "x": {"field": "column", "type": "nominal", "sort": column_labels, "title": None, "axis": x_axis,
                  "scale": {"domain": column_labels}},
            "y": {"field": "row", "type": "nominal", "sort": row_labels, "title": None,
                  "scale": {"domain": row_labels}},
        },
        "layer": layers,
    }, persona=persona)


def _is_dark(value: float, scale: str, color_scale: Mapping) -> bool:
    """Whether a cell's colour is dark enough for white text."""
    if scale == "correlation":
        return abs(value) >= 0.55
    if scale == "magnitude":
        return value >= 0.6 * color_scale["domainMax"]
    return value <= 0.6 or value >= 1.65


def binned_scatter(cells: Sequence[Mapping], *, slope: float | None, intercept: float | None, title: str,
                   x_label: str, y_label: str) -> dict:
    """A scatter plot as counts: ``cells`` (x_start, x_end, y_start, y_end, n_students: a grid the warehouse
    counted) shaded by how many students each holds, with the least-squares line across the x range. A
    published page shows no one student's pair of values."""
    data = [{"x_start": cell["x_start"], "x_end": cell["x_end"], "y_start": cell["y_start"], "y_end": cell["y_end"],
             "n_students": int(cell["n_students"])} for cell in cells]
    layers = [{"data": {"values": data},
               "mark": {"type": "rect", "stroke": None},
               "encoding": {"x": {"field": "x_start", "type": "quantitative", "title": x_label, "scale": {"zero": False}},
                            "x2": {"field": "x_end"},
                            "y": {"field": "y_start", "type": "quantitative", "title": y_label, "scale": {"zero": False}},
                            "y2": {"field": "y_end"},
                            "color": {"field": "n_students", "type": "quantitative", "title": "students",
                                      "scale": {"type": "sqrt", "scheme": "blues"},
                                      "legend": {"orient": "right", "gradientLength": 120}},
                            "tooltip": [{"field": "x_start", "type": "quantitative", "title": f"{x_label} from",
                                         "format": ",.4~g"},
                                        {"field": "x_end", "type": "quantitative", "title": "to", "format": ",.4~g"},
                                        {"field": "y_start", "type": "quantitative", "title": f"{y_label} from",
                                         "format": ",.4~g"},
                                        {"field": "y_end", "type": "quantitative", "title": "to", "format": ",.4~g"},
                                        {"field": "n_students", "type": "quantitative", "title": "students"}]}}]
    low = min((cell["x_start"] for cell in data), default=None)
    high = max((cell["x_end"] for cell in data), default=None)
    if low is not None and slope is not None and intercept is not None and math.isfinite(slope) and math.isfinite(intercept):
        equation = f"y = {slope:.4g} x {intercept:+.4g}"
        line = [{"x": low, "y": slope * low + intercept, "line": equation, "series": "least-squares line"},
                {"x": high, "y": slope * high + intercept, "line": equation, "series": "least-squares line"}]
        layers.append({
            "data": {"values": line},
            "mark": {"type": "line", "strokeWidth": 2.2},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                         "color": {"field": "series", "type": "nominal", "scale": {"domain": ["least-squares line"],
                                                                                    "range": [ACCENT]},
                                   "legend": {"title": None, "orient": "top-left"}},
                         "tooltip": [{"field": "line", "title": "least-squares line"}]}})
    return _spec(title, {"width": "container", "height": 260, "layer": layers, "resolve": {"scale": {"color": "independent"}}})


def sweep(x: Sequence[float], series: Sequence[tuple[str, Sequence[float], Sequence[float] | None]], *,
          marks: Sequence[tuple[float, str]], title: str, x_label: str, y_label: str, log_y: bool = False) -> dict:
    """A metric sweep (NMF rank, K-Means k): one line per ``(label, values, errors)`` series, with
    ± errors as bars when given, and labelled vertical ``marks``: the first is the chosen value (solid
    accent line, labelled at the top), further marks (dashed) show what another rule would pick."""
    data = []
    for label, values, errors in series:
        for index, position in enumerate(x):
            value = values[index]
            error = None if errors is None else errors[index]
            data.append({"x": position, "series": label, "value": value,
                         "low": None if error is None or value is None else value - error,
                         "high": None if error is None or value is None else value + error})
    labels = [label for label, _, _ in series]
    y_scale = {"type": "log"} if log_y else {"zero": False}
    x_encoding = {"field": "x", "type": "quantitative", "title": x_label,
                  "axis": {"values": list(x), "format": "~g"}, "scale": {"nice": False, "padding": 12, "zero": False}}
    color = {"field": "series", "type": "nominal", "sort": labels, "title": None,
             "scale": {"domain": labels, "range": GROUP_COLORS[:len(labels)]}, "legend": {"columns": 1}}
    tooltip = [{"field": "series", "title": "series"}, {"field": "x", "title": x_label},
               {"field": "value", "type": "quantitative", "title": y_label, "format": ",.5~g"}]
    mark_rows = [{"x": position, "label": label, "chosen": index == 0} for index, (position, label) in enumerate(marks)]
    middle = (min(x) + max(x)) / 2 if len(x) else 0
    layers = [
        {"data": {"values": mark_rows},
         "mark": {"type": "rule", "strokeWidth": 1.4},
         "encoding": {"x": {"field": "x", "type": "quantitative"},
                      "color": {"condition": {"test": "datum.chosen", "value": ACCENT}, "value": MUTED},
                      "strokeDash": {"condition": {"test": "datum.chosen", "value": [1, 0]}, "value": [5, 4]},
                      "tooltip": [{"field": "label", "title": "mark"}]}},
        *[_mark_label(row, right_half=row["x"] > middle) for row in mark_rows],
        *([{"data": {"values": [row for row in data if row["low"] is not None]},
         "mark": {"type": "rule", "strokeWidth": 1.3},
         "encoding": {"x": x_encoding, "y": {"field": "low", "type": "quantitative", "scale": y_scale},
                      "y2": {"field": "high"}, "color": color,
                      "tooltip": [*tooltip, {"field": "low", "title": "− 1 SE", "format": ",.5~g"},
                                  {"field": "high", "title": "+ 1 SE", "format": ",.5~g"}]}}]
          if any(row["low"] is not None for row in data) else []),
        {"data": {"values": data},
         "mark": {"type": "line", "point": {"size": 36, "filled": True}, "strokeWidth": 1.8},
         "encoding": {"x": x_encoding, "y": {"field": "value", "type": "quantitative", "title": y_label,
                                             "scale": y_scale},
                      "color": color, "tooltip": tooltip}},
    ]
    return _spec(title, {"width": "container", "height": 240, "layer": layers})


def _mark_label(mark: Mapping, *, right_half: bool) -> dict:
    """The text of one sweep mark: the chosen value's at the top of the chart, others' half-way down,
    on the side of the line that faces the middle of the chart."""
    return {"data": {"values": [mark]},
            "mark": {"type": "text", "align": "right" if right_half else "left", "dx": -4 if right_half else 4,
                     "baseline": "top", "fontSize": 10.5, "color": ACCENT if mark["chosen"] else MUTED},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "text": {"field": "label"},
                         "y": {"value": 2 if mark["chosen"] else 110}}}


def group_density(cells: Sequence[Mapping], group_ids: Sequence, group_labels: Sequence[str],
                  centre_x: Sequence[float], centre_y: Sequence[float], *, title: str, x_label: str,
                  y_label: str) -> dict:
    """Groups (personas) in a plane as counts: ``cells`` (x_start, x_end, y_start, y_end, persona_id,
    n_students: a grid the warehouse counted, one row per cell and group) drawn as cells coloured by the
    group holding most of the cell's students, more opaque the more students it holds, with each group's
    centre marked by a numbered cross; the legend, below the chart, names each group in ``group_ids``
    order and folds into two columns beyond six groups. The page's persona selection dims the other
    groups' cells. No point of one student is drawn."""
    names = {group: f"{group} · {label}" for group, label in zip(group_ids, group_labels)}
    legend_labels = [names[group] for group in group_ids]
    by_cell: dict = {}
    for cell in cells:
        key = (cell["x_start"], cell["y_start"])
        entry = by_cell.setdefault(key, {"x_start": cell["x_start"], "x_end": cell["x_end"], "y_start": cell["y_start"],
                                         "y_end": cell["y_end"], "n_students": 0, "counts": {}})
        entry["n_students"] += int(cell["n_students"])
        entry["counts"][cell["persona_id"]] = entry["counts"].get(cell["persona_id"], 0) + int(cell["n_students"])
    data = []
    for entry in by_cell.values():
        persona, count = max(entry["counts"].items(), key=lambda item: (item[1], -item[0]))
        data.append({"x_start": entry["x_start"], "x_end": entry["x_end"], "y_start": entry["y_start"],
                     "y_end": entry["y_end"], "n_students": entry["n_students"], "persona_id": clean(persona),
                     "group": names.get(persona, str(persona)), "share": count / entry["n_students"]})
    centres = [{"x": cx, "y": cy, "persona_id": clean(group), "group": names[group], "number": str(group)}
               for group, cx, cy in zip(group_ids, centre_x, centre_y)]
    color = {"field": "group", "type": "nominal", "title": None, "sort": legend_labels,
             "scale": {"domain": legend_labels,
                       "range": [GROUP_COLORS[index % len(GROUP_COLORS)] for index in range(len(legend_labels))]},
             "legend": {"columns": 2 if len(legend_labels) > 6 else 1, "symbolOpacity": 1}}
    x_encoding = {"field": "x_start", "type": "quantitative", "title": wrap_title(x_label, 80)}
    y_encoding = {"field": "y_start", "type": "quantitative", "title": wrap_title(y_label, 50)}
    return _spec(title, {
        "width": "container", "height": 360,
        "layer": [
            {"data": {"values": data},
             "mark": {"type": "rect", "stroke": None},
             "encoding": {"x": x_encoding, "x2": {"field": "x_end"}, "y": y_encoding, "y2": {"field": "y_end"},
                          "color": color, "opacity": _persona_opacity(1, 0.12),
                          "fillOpacity": {"field": "n_students", "type": "quantitative", "legend": None,
                                          "scale": {"type": "sqrt", "range": [0.25, 0.95]}},
                          "tooltip": [{"field": "group", "title": "persona holding most of the cell"},
                                      {"field": "share", "type": "quantitative", "title": "its share", "format": ".0%"},
                                      {"field": "n_students", "type": "quantitative", "title": "students in the cell"}]}},
            {"data": {"values": centres},
             "mark": {"type": "point", "shape": "cross", "size": 220, "filled": True, "stroke": "#ffffff",
                      "strokeWidth": 1.2},
             "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                          "color": color, "opacity": _persona_opacity(1, 0.25),
                          "tooltip": [{"field": "group", "title": "centre of persona"}]}},
            {"data": {"values": centres},
             "mark": {"type": "text", "dx": 9, "dy": -7, "fontWeight": "bold", "fontSize": 12, "color": TEXT},
             "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"},
                          "text": {"field": "number"}, "opacity": _persona_opacity(1, 0.25)}},
        ],
    }, persona=True)


def profile_bars(labels: Sequence[str], values: Sequence[float | None], *, limit: float, title: str,
                 persona_id=None) -> dict:
    """Standardized differences from the cohort as bars from 0 (the cohort), one row per label: right of
    the line is above the cohort, left below, ±1 is one standard deviation. Bars beyond ±``limit`` are
    drawn to the limit; the tooltip (and the caller's table) gives the exact figure."""
    data = [{"label": str(label).replace("_", " "), "value": value,
             "drawn": None if value is None else max(-limit, min(limit, value)),
             "direction": None if value is None else ("above the cohort" if value >= 0 else "below the cohort"),
             "persona_id": clean(persona_id)}
            for label, value in zip(labels, values)]
    x = {"field": "drawn", "type": "quantitative", "title": "standardized difference (SD)",
         "scale": {"domain": [-limit, limit]}, "axis": {"values": [tick / 2 for tick in range(-4 * int(limit),
                                                                                                4 * int(limit) + 1)
                                                                  if abs(tick / 2) <= limit], "format": "+~g"}}
    return _spec(title, {
        "width": "container", "height": {"step": 22},
        "data": {"values": data},
        "encoding": {"y": {"field": "label", "type": "nominal", "sort": None, "title": None}},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.65}},
             "encoding": {"x": x, "x2": {"datum": 0},
                          "color": {"field": "direction", "type": "nominal", "title": None,
                                    "scale": {"domain": ["below the cohort", "above the cohort"],
                                              "range": [ACCENT, PRIMARY]}, "legend": {"direction": "horizontal"}},
                          "tooltip": [{"field": "label", "title": "column"},
                                      {"field": "value", "type": "quantitative", "title": "difference (SD)",
                                       "format": "+.3f"}]}},
            {"mark": {"type": "rule", "color": TEXT, "strokeDash": [4, 3]},
             "encoding": {"x": {"datum": 0}}},
        ],
    }, persona=persona_id is not None)


def intervals(labels: Sequence[str], rates: Sequence[float | None], lower: Sequence[float | None],
              upper: Sequence[float | None], *, reference: float | None, reference_label: str,
              notes: Sequence[str | None], title: str, x_label: str,
              persona_ids: Sequence | None = None) -> dict:
    """Rates with their confidence intervals as horizontal bars, first label on top, and a dashed
    vertical reference line (the overall rate) labelled above the first row. A row without a rate shows
    its note ("<10 positives: rate not shown") instead of a bar, so a withheld figure is visibly withheld.
    One 26 px row per label: a long list of groups makes a taller chart."""
    persona_ids = persona_ids if persona_ids is not None else [None] * len(labels)
    data = []
    for label, rate, low, high, note, persona_id in zip(labels, rates, lower, upper, notes, persona_ids):
        data.append({"label": str(label), "rate": rate, "low": low, "high": high,
                     "note": None if rate is not None else (note or "not shown"),
                     "rate_text": None if rate is None else _percent(rate), "persona_id": clean(persona_id)})
    highest = max([value for value in [*upper, reference] if value is not None], default=0.01)
    right = min(max(highest * 1.25, 0.01), 1.0)
    x = {"type": "quantitative", "title": x_label, "scale": {"domain": [0, right], "nice": False},
         "axis": {"format": ".1~%"}}
    persona = any(persona_id is not None for persona_id in persona_ids)
    opacity = _persona_opacity(1, 0.25) if persona else {"value": 1}
    tooltip = [{"field": "label", "title": "group"}, {"field": "rate", "title": "rate", "format": ".1%"},
               {"field": "low", "title": "95% interval from", "format": ".1%"},
               {"field": "high", "title": "to", "format": ".1%"}, {"field": "note", "title": "note"}]
    layers = [
        {"transform": [{"filter": "isValid(datum.rate)"}],
         "mark": {"type": "rule", "strokeWidth": 2, "color": PRIMARY},
         "encoding": {"x": {"field": "low", **x}, "x2": {"field": "high"}, "tooltip": tooltip, "opacity": opacity}},
        {"transform": [{"filter": "isValid(datum.rate)"}],
         "mark": {"type": "point", "filled": True, "size": 50, "color": PRIMARY},
         "encoding": {"x": {"field": "rate", **x}, "tooltip": tooltip, "opacity": opacity}},
        {"transform": [{"filter": "isValid(datum.rate)"}],
         "mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 10.5, "color": TEXT},
         "encoding": {"x": {"field": "high", **x}, "text": {"field": "rate_text"}, "opacity": opacity}},
        {"transform": [{"filter": "!isValid(datum.rate)"}],
         "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10.5, "fontStyle": "italic", "color": MUTED},
         "encoding": {"x": {"datum": 0, **x}, "text": {"field": "note"}, "tooltip": tooltip, "opacity": opacity}},
    ]
    order = list(dict.fromkeys(row["label"] for row in data))
    y = {"field": "label", "type": "nominal", "sort": order, "title": None, "scale": {"domain": order}}
    for layer in layers:
        layer["encoding"]["y"] = y
    spec_body = {"width": "container", "height": {"step": 26}, "data": {"values": data}, "layer": layers}
    if reference is not None:
        spec_body["layer"].append({
            "data": {"values": [{"reference": reference, "label": reference_label}]},
            "mark": {"type": "rule", "color": ACCENT, "strokeDash": [5, 4], "strokeWidth": 1.4},
            "encoding": {"x": {"field": "reference", **x},
                         "tooltip": [{"field": "label", "title": "reference"}]}})
        spec_body["layer"].append({
            "data": {"values": [{"reference": reference, "label": reference_label}]},
            "mark": {"type": "text", "color": ACCENT, "fontSize": 10.5, "dy": -10, "baseline": "bottom",
                     "align": "left" if reference <= right / 2 else "right", "dx": 4 if reference <= right / 2 else -4},
            "encoding": {"x": {"field": "reference", **x}, "y": {"value": 0}, "text": {"field": "label"}}})
    return _spec(title, spec_body, persona=persona, title_offset=22 if reference is not None else None)


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
                 x_label: str) -> dict:
    """Horizontal bars, one group per label (first on top) and one bar per ``(name, values)`` series, each
    labelled with its value (three decimals, for coefficients such as Cramér's V)."""
    names = [name for name, _ in series]
    data = [{"label": str(label), "series": name, "value": values[index],
             "text": None if values[index] is None else f"{values[index]:.3f}"}
            for name, values in series for index, label in enumerate(labels)]
    highest = max([row["value"] for row in data if row["value"] is not None], default=0)
    x = {"field": "value", "type": "quantitative", "title": x_label,
         "scale": {"domain": [0, max(highest * 1.25, 0.1)], "nice": False}}
    return _spec(title, {
        "width": "container", "height": {"step": 16},
        "data": {"values": data},
        "encoding": {"y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                     "yOffset": {"field": "series", "sort": names},
                     "tooltip": [{"field": "label", "title": "group"}, {"field": "series", "title": "series"},
                                 {"field": "value", "title": "value", "format": ".3f"}]},
        "layer": [
            {"mark": {"type": "bar"},
             "encoding": {"x": x, "color": {"field": "series", "type": "nominal", "sort": names, "title": None,
                                            "scale": {"domain": names, "range": GROUP_COLORS[:len(names)]},
                                            "legend": {"direction": "horizontal"}}}},
            {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10, "color": TEXT},
             "encoding": {"x": x, "text": {"field": "text"}}},
        ],
    })


def dot_comparison(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, limit: float,
                   title: str, x_label: str, reference_label: str) -> dict:
    """One row per label (first on top) with a dot per ``(name, values)`` series, the dots of a row joined
    by a line, against a dashed reference line at 0: a student and their peers in standard deviations from
    the cohort mean, say. Values beyond ±``limit`` are drawn at the limit (the tooltip gives the exact
    figure); a missing value draws no dot."""
    names = [name for name, _ in series]
    dots, spans = [], []
    for index, label in enumerate(labels):
        shown = str(label).replace("_", " ")
        drawn = []
        for name, values in series:
            value = values[index]
            clipped = None if value is None or not math.isfinite(value) else max(-limit, min(limit, value))
            dots.append({"label": shown, "series": name, "value": clean(value), "drawn": clipped})
            if clipped is not None:
                drawn.append(clipped)
        if drawn:
            spans.append({"label": shown, "low": min(drawn), "high": max(drawn)})
    x = {"type": "quantitative", "title": x_label, "scale": {"domain": [-limit * 1.05, limit * 1.05], "nice": False},
         "axis": {"tickCount": 10}}
    order = [str(label).replace("_", " ") for label in labels]
    y = {"field": "label", "type": "nominal", "sort": order, "title": None, "scale": {"domain": order}}
    return _spec(title, {
        "width": "container", "height": {"step": 24},
        "layer": [
            {"data": {"values": spans}, "mark": {"type": "rule", "color": GRID, "strokeWidth": 3},
             "encoding": {"x": {"field": "low", **x}, "x2": {"field": "high"}, "y": y}},
            {"data": {"values": [{"x": 0, "label": reference_label}]},
             "mark": {"type": "rule", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "x", **x},
                          "color": {"field": "label", "type": "nominal", "title": None,
                                    "scale": {"domain": [reference_label], "range": [TEXT]}},
                          "tooltip": [{"field": "label", "title": "reference"}]}},
            {"data": {"values": [dot for dot in dots if dot["drawn"] is not None]},
             "mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {"x": {"field": "drawn", **x}, "y": y,
                          "shape": {"field": "series", "type": "nominal", "sort": names, "title": None,
                                    "scale": {"domain": names, "range": ["circle", "diamond", "square", "triangle-up"][:len(names)]}},
                          "color": {"field": "series", "type": "nominal", "sort": names, "title": None,
                                    "scale": {"domain": names, "range": GROUP_COLORS[:len(names)]}},
                          "tooltip": [{"field": "label", "title": "column"}, {"field": "series", "title": "who"},
                                      {"field": "value", "type": "quantitative", "title": "SD from the cohort mean",
                                       "format": "+.3f"}]}},
        ],
        "resolve": {"scale": {"color": "independent", "shape": "independent"}},
    })


def _percent(value: float) -> str:
    return f"{value:.1%}"
