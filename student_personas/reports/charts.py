"""Charts for report pages, written directly as inline SVG text.

Every ``*_svg`` function takes plain data (sequences or arrays already computed from warehouse tables) and
returns one ``<svg>`` element, ready to place in a page. The SVG is assembled as text: numpy maps data to
pixels, :func:`nice_ticks` picks round axis values, and every string from the data is XML-escaped, so a
column named ``cost_$ <x>`` is drawn as written. Text is SVG ``<text>`` in DejaVu Sans (which Debian
ships; readers without it get Arial or Helvetica, which are narrower, so text still fits), and the layout
measures it with DejaVu Sans's own character widths (:func:`text_width`): long labels are wrapped or cut
with an ellipsis (:func:`fit_lines`) so that no text leaves the chart. Sizes are CSS pixels; each SVG has
a ``viewBox``, so it scales with the page, and ``role="img"`` with a ``<title>`` naming the chart. Element
ids start with the caller's ``chart_id``, so ids are stable from run to run and unique among the charts
of a page, and the same arguments always give the same SVG.

A :class:`Chart` is one such call as plain data, so :func:`draw_charts` can draw a page's charts once
the page is rendered, in worker processes if asked.
"""

from __future__ import annotations

import html
import math
import multiprocessing
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np

PRIMARY = "#2f6690"
ACCENT = "#c8553d"
GRID = "#d9dee4"
TEXT = "#1f2933"
MUTED = "#7b8794"
MISSING_CELL = "#eceff1"
AXIS = "#9aa5b1"
# One colour per group (persona): the Okabe-Ito colour-blind-safe set without its yellow, then tab10 shades.
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                "#8c564b", "#bcbd22", "#7f7f7f"]
# ColorBrewer scales from low to high, interpolated evenly in RGB as matplotlib's colormaps of these names.
RDBU_R = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d",
          "#b2182b", "#67001f")
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
PUOR_R = ("#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6", "#fdb863", "#e08214",
          "#b35806", "#7f3b08")

FONT_FAMILY = "'DejaVu Sans', 'Arial', 'Helvetica', sans-serif"
# Font sizes in pixels.
TITLE_SIZE = 13.5
LABEL_SIZE = 12
TICK_SIZE = 10.5
NOTE_SIZE = 10
CELL_SIZE = 9
LINE_HEIGHT = 1.2  # in font sizes
PAD = 8  # between the chart's edge and anything drawn
TICK = 4  # length of a tick mark
GAP = 3  # between a tick mark and its label
LEGEND_ROW = 16
SWATCH = 22  # width of a legend entry's line or marker

# Advance widths of DejaVu Sans (book and bold) for the characters " " to "~", in thousandths of an em.
_ADVANCES = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838)
_BOLD_ADVANCES = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838)


@dataclass(frozen=True)
class Chart:
    """One chart to draw: a ``*_svg`` function of this module with its arguments (``chart_id`` aside).

    Plain, picklable data, so a page can be rendered with a placeholder where each chart goes and the
    charts drawn afterwards, in worker processes if wanted (:func:`draw_charts`)."""

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

    A chart takes a few milliseconds to write, less than starting a worker, so one process is the right
    choice for report pages; more help only for many large charts. Workers are forked, so they need not
    import the caller's ``__main__`` (dbt's command line) again. The dbt process has other threads, and a
    forked child only gets the forking one, so a lock another thread held would stay held in the child;
    the workers only unpickle a chart, write its SVG with numpy and send it back (never touching DuckDB or
    dbt), and the locks they do take (imports, the allocator) are reset in a forked child by Python and
    the C library. An SVG depends only on its chart's arguments and id, so the result is the same however
    many processes draw it.
    """
    workers = min(processes, len(charts))
    if workers <= 1:
        return {chart.chart_id: chart.svg() for chart in charts}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return dict(zip([chart.chart_id for chart in charts], pool.map(Chart.svg, charts)))


# ---- text ------------------------------------------------------------------------------------------------

def _character_widths(text: str, size: float, bold: bool = False) -> list[float]:
    advances = _BOLD_ADVANCES if bold else _ADVANCES
    widths = []
    for character in text:
        code = ord(character) - 32
        if 0 <= code < len(advances):
            widths.append(advances[code])
        else:
            widths.append(1000 if unicodedata.east_asian_width(character) in "WF" else 700)
    return [width * size / 1000 for width in widths]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in pixels of ``text`` set in DejaVu Sans at ``size`` pixels: the font's advance widths for
    ASCII, an em for a wide (East Asian) character and 0.7 em for any other, which covers DejaVu Sans's
    accented letters and symbols."""
    return sum(_character_widths(text, size, bold))


def _shortened(text: str, width: float, size: float, bold: bool = False, always: bool = False) -> str:
    """``text`` if it fits ``width``, else its longest beginning that fits with an ellipsis after it
    (``always``: with an ellipsis in any case, to say that more text follows)."""
    if not always and text_width(text, size, bold) <= width:
        return text
    room = width - text_width("…", size, bold)
    ends = list(accumulate(_character_widths(text, size, bold)))
    keep = sum(1 for end in ends if end <= room)
    return text[:keep].rstrip(" _-/=,") + "…"


_WORD = re.compile(r"\S*\s*")
# A part of a word a line may end after: up to an underscore, hyphen, slash or equals sign (so a column
# name such as ``Current_Semester_Performance`` can break after an underscore).
_WORD_PART = re.compile(r"[^_/=-]*[_/=-]*")


def _pieces(paragraph: str, width: float, size: float, bold: bool):
    """The pieces a line may end after: words with their spaces, and the parts of a word too long for a
    line."""
    for word in _WORD.findall(paragraph):
        if text_width(word.rstrip(), size, bold) <= width:
            yield word
        else:
            yield from _WORD_PART.findall(word)


def fit_lines(text: str, width: float, size: float, max_lines: int = 1, bold: bool = False) -> list[str]:
    """``text`` as at most ``max_lines`` lines no wider than ``width`` pixels at ``size``: lines break at
    newlines and spaces, a word too long for a line after its underscores, hyphens, slashes or equals
    signs, and a part still too long anywhere; if text remains after the last line, that line ends with
    an ellipsis."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for piece in _pieces(paragraph, width, size, bold):
            if not piece:
                continue
            if current.strip() and text_width((current + piece).rstrip(), size, bold) > width:
                lines.append(current)
                current = ""
            current += piece
            while len(current.rstrip()) > 1 and text_width(current.rstrip(), size, bold) > width:
                ends = list(accumulate(_character_widths(current, size, bold)))
                cut = max(1, sum(1 for end in ends if end <= width))
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    lines = [line.strip() for line in lines]
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [_shortened(lines[max_lines - 1], width, size, bold, always=True)]
    return lines


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(text) -> str:
    """``text`` as XML character data or attribute value; characters XML cannot hold are left out."""
    return html.escape(_NOT_XML.sub("", str(text)))


# ---- numbers and scales ------------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from ``low`` to ``high`` for axis ticks: at most ``count`` steps apart, each step 1,
    2, 2.5 or 5 times a power of ten, every tick inside the interval."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(multiple * power for multiple in (1, 2, 2.5, 5, 10) if multiple * power >= raw * (1 - 1e-9))
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [round(index * step, 12) + 0.0 for index in range(first, last + 1)]


def _decimals(step: float) -> int:
    """Decimals that show every multiple of ``step`` exactly."""
    for decimals in range(10):
        scaled = abs(step) * 10 ** decimals
        if abs(scaled - round(scaled)) < 1e-6 * max(scaled, 1):
            return decimals
    return 10


def _number(value: float, decimals: int, suffix: str = "") -> str:
    """A tick value: thousands separated, a true minus sign, no minus on a zero."""
    text = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and any(digit in "123456789" for digit in text)
    return ("−" if negative else "") + text + suffix


def _tick_labels(ticks: Sequence[float], percent: bool = False) -> list[str]:
    """Labels of evenly spaced ticks, all with the decimals their step needs (``percent``: as percentages
    of 1)."""
    values = [tick * 100 if percent else tick for tick in ticks]
    step = values[1] - values[0] if len(values) > 1 else (values[0] if values else 1)
    decimals = _decimals(step) if step else 0
    return [_number(value, decimals, "%" if percent else "") for value in values]


def _padded(low: float, high: float, margin: float = 0.05) -> tuple[float, float]:
    """A data range widened by ``margin`` of its span on each side (so no point sits on an axis); a
    single value gets a range around it."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    if high <= low:
        half = abs(low) * 0.05 or 0.05
        return low - half, high + half
    span = high - low
    return low - margin * span, high + margin * span


def _finite_range(*arrays) -> tuple[float, float]:
    """Smallest and largest finite value of the arrays (NaN, NaN if none)."""
    values = np.concatenate([np.asarray(array, dtype=float).ravel() for array in arrays] or [np.empty(0)])
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if len(values) else (math.nan, math.nan)


class _Scale:
    """Data values from ``low`` to ``high`` mapped linearly (or on a log scale) to pixels ``start`` to
    ``end``; works on numbers and numpy arrays."""

    def __init__(self, low: float, high: float, start: float, end: float, log: bool = False):
        self.log = log
        self.low, self.high = (math.log10(low), math.log10(high)) if log else (low, high)
        self.start = start
        self.factor = (end - start) / ((self.high - self.low) or 1.0)

    def __call__(self, values):
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
        return self.start + (values - self.low) * self.factor


def _linear_ticks(low: float, high: float, length: float, horizontal: bool,
                  percent: bool = False) -> tuple[list[float], list[str]]:
    """Ticks of a linear axis ``length`` pixels long: about one per 40 pixels across (26 up), fewer if
    labels would touch."""
    count = max(2, int(length // (40 if horizontal else 26)))
    while True:
        ticks = nice_ticks(low, high, count)
        labels = _tick_labels(ticks, percent)
        if not horizontal or count <= 2 or len(ticks) < 2:
            return ticks, labels
        spacing = length * (ticks[1] - ticks[0]) / (high - low)
        if max(text_width(label, TICK_SIZE) for label in labels) + 8 <= spacing:
            return ticks, labels
        count -= 1


def _log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Ticks of a log axis: 1, 2 and 5 times powers of ten within the range, or round linear values if
    fewer than two of those fall in it."""
    ticks = [multiple * 10.0 ** power for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
             for multiple in (1, 2, 5)]
    ticks = [float(f"{tick:.12g}") for tick in ticks if low <= tick <= high]
    if len(ticks) < 2:
        ticks = [tick for tick in nice_ticks(low, high, 4) if tick > 0]
    return ticks, [f"{tick:g}" for tick in ticks]


def _every_nth(ticks: Sequence[float], labels: Sequence[str], spacing: float) -> tuple[list, list]:
    """Every n-th tick, n as small as keeps labels ``spacing`` pixels apart from touching."""
    widest = max((text_width(label, TICK_SIZE) for label in labels), default=0)
    step = max(1, math.ceil((widest + 8) / spacing)) if spacing > 0 else 1
    return list(ticks[::step]), list(labels[::step])


# ---- SVG elements ------------------------------------------------------------------------------------------

def _text(x: float, y: float, text: str, size: float | None = None, anchor: str | None = None,
          fill: str | None = None, bold: bool = False, italic: bool = False, rotate: float | None = None) -> str:
    """A ``<text>`` element with its baseline at ``y``; unset attributes inherit from the enclosing group."""
    attributes = f'x="{x:.1f}" y="{y:.1f}"'
    if size:
        attributes += f' font-size="{size:g}"'
    if anchor:
        attributes += f' text-anchor="{anchor}"'
    if fill:
        attributes += f' fill="{fill}"'
    if bold:
        attributes += ' font-weight="bold"'
    if italic:
        attributes += ' font-style="italic"'
    if rotate:
        attributes += f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"'
    return f"<text {attributes}>{_escape(text)}</text>"


def _text_block(x: float, y: float, lines: Sequence[str], size: float, align: str = "middle", **attributes) -> str:
    """Lines of text one under the other, the block's top, middle or bottom (``align``) at ``y``."""
    step = size * LINE_HEIGHT
    first = {"top": y + 0.78 * size, "middle": y - (len(lines) - 1) * step / 2 + 0.36 * size,
             "bottom": y - (len(lines) - 1) * step - 0.24 * size}[align]
    return "".join(_text(x, first + index * step, line, size, **attributes) for index, line in enumerate(lines))


def _block_height(lines: Sequence[str], size: float) -> float:
    return len(lines) * size * LINE_HEIGHT


def _marker(shape: str, x: float, y: float, size: float) -> str:
    """A marker ``size`` pixels across centred on (x, y), its fill and stroke left to the enclosing group:
    o circle, s square, ^ triangle, D diamond, X cross."""
    r = size / 2
    if shape == "o":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.2f}"/>'
    if shape == "s":
        side = size * 0.9
        return f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" height="{side:.1f}"/>'
    if shape == "^":
        return f'<path d="M{x:.1f} {y - r:.1f}L{x + r:.1f} {y + r * 0.8:.1f}H{x - r:.1f}Z"/>'
    if shape == "D":
        return (f'<path d="M{x:.1f} {y - r:.1f}L{x + r * 0.8:.1f} {y:.1f}L{x:.1f} {y + r:.1f}'
                f'L{x - r * 0.8:.1f} {y:.1f}Z"/>')
    if shape == "X":
        arm, half = r, r * 0.42  # arm length from the centre, half the arm's thickness
        points = [(half, 0), (arm, arm - half), (arm - half, arm), (0, half), (half - arm, arm), (-arm, arm - half),
                  (-half, 0), (-arm, half - arm), (half - arm, -arm), (0, -half), (arm - half, -arm), (arm, half - arm)]
        return '<path d="M' + "L".join(f"{x + dx:.1f} {y + dy:.1f}" for dx, dy in points) + 'Z"/>'
    raise ValueError(f"unknown marker {shape!r}")


@dataclass(frozen=True)
class _Box:
    """A rectangle in pixels: the plotting area of a chart."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


class _Canvas:
    """An SVG ``width`` pixels wide being assembled: elements in paint order, then :meth:`svg` wraps them."""

    def __init__(self, chart_id: str, title: str, width: float):
        self.chart_id = chart_id
        self.title = title
        self.width = math.ceil(width)
        self.parts: list[str] = []

    def add(self, *markup: str) -> None:
        self.parts.extend(markup)

    def group(self, children: Sequence[str], **attributes) -> None:
        """Elements in a ``<g>`` whose attributes (``font_size`` for ``font-size``) they inherit."""
        if children:
            attribute_text = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
            self.parts.append(f"<g{attribute_text}>{''.join(children)}</g>")

    def svg(self, height: float) -> str:
        width, height = self.width, math.ceil(height)
        chart_id = _escape(self.chart_id)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-title" '
                f'style="font-family: {FONT_FAMILY}" font-size="{TICK_SIZE}" fill="{TEXT}">'
                f'<title id="{chart_id}-title">{_escape(self.title)}</title>'
                f'<rect width="{width}" height="{height}" fill="#ffffff"/>{"".join(self.parts)}</svg>')


def _title_lines(title: str, width: float) -> list[str]:
    return fit_lines(title, width - 2 * PAD, TITLE_SIZE, 2, bold=True)


def _draw_title(canvas: _Canvas, lines: Sequence[str], centre: float) -> None:
    """The title centred on ``centre`` (the plot's middle), moved in if it would leave the chart."""
    half = max((text_width(line, TITLE_SIZE, bold=True) for line in lines), default=0) / 2
    x = min(max(centre, PAD + half), canvas.width - PAD - half)
    canvas.add(_text_block(x, PAD, lines, TITLE_SIZE, "top", anchor="middle", bold=True))


def _title_height(lines: Sequence[str]) -> float:
    return PAD + _block_height(lines, TITLE_SIZE) + 8


def _grid(canvas: _Canvas, box: _Box, xs: Sequence[float] = (), ys: Sequence[float] = ()) -> None:
    """Grid lines at pixel positions ``xs`` (vertical) and ``ys`` (horizontal), under the data."""
    lines = [f"M{x:.1f} {box.top:.1f}V{box.bottom:.1f}" for x in xs]
    lines += [f"M{box.left:.1f} {y:.1f}H{box.right:.1f}" for y in ys]
    if lines:
        canvas.add(f'<path d="{"".join(lines)}" fill="none" stroke="{GRID}" stroke-width="0.8"/>')


def _inside(x: float, text: str, width: float) -> float:
    """Where to centre tick label ``text`` meant for ``x`` so that it stays inside a chart ``width`` wide
    (a label at the end of an axis is moved in rather than cut)."""
    half = text_width(text, TICK_SIZE) / 2
    return min(max(x, half + 1), width - half - 1)


def _frame(canvas: _Canvas, box: _Box, x_ticks: Sequence[float], x_labels: Sequence[str], y_ticks: Sequence[float],
           y_labels: Sequence[Sequence[str]], x_label: Sequence[str] = (), y_label: Sequence[str] = ()) -> None:
    """The left and bottom axis lines with tick marks at pixel positions, tick labels (each y label as
    lines), and the axis labels as lines: the x label under the tick labels, the y label turned a
    quarter at the chart's left edge."""
    marks = "".join(f"M{x:.1f} {box.bottom:.1f}v{TICK}" for x in x_ticks)
    marks += "".join(f"M{box.left:.1f} {y:.1f}h{-TICK}" for y in y_ticks)
    canvas.add(f'<path d="M{box.left:.1f} {box.top:.1f}V{box.bottom:.1f}H{box.right:.1f}{marks}" fill="none" '
               f'stroke="{AXIS}" stroke-width="1"/>')
    canvas.group([_text(_inside(x, label, canvas.width), box.bottom + TICK + GAP + 0.78 * TICK_SIZE, label)
                  for x, label in zip(x_ticks, x_labels)], text_anchor="middle")
    canvas.group([_text_block(box.left - TICK - GAP, y, lines, TICK_SIZE) for y, lines in zip(y_ticks, y_labels)],
                 text_anchor="end")
    if x_label:
        top = box.bottom + TICK + GAP + TICK_SIZE * LINE_HEIGHT + 3
        canvas.add(_text_block((box.left + box.right) / 2, top, x_label, LABEL_SIZE, "top", anchor="middle"))
    if y_label:
        centre = (box.top + box.bottom) / 2
        canvas.add(*(_text(PAD + (index + 0.78) * LABEL_SIZE * LINE_HEIGHT, centre, line, LABEL_SIZE,
                           anchor="middle", rotate=-90) for index, line in enumerate(y_label)))


def _x_label_height(lines: Sequence[str]) -> float:
    """Height under the plot taken by tick marks, tick labels and the x label ``lines``."""
    return TICK + GAP + TICK_SIZE * LINE_HEIGHT + (3 + _block_height(lines, LABEL_SIZE) if lines else 0)


def _y_label_width(lines: Sequence[str]) -> float:
    return _block_height(lines, LABEL_SIZE) + 4 if lines else 0


# ---- legends -----------------------------------------------------------------------------------------------

def _line_swatch(colour: str, width: float = 2, dash: str | None = None, marker: str | None = None,
                 marker_size: float = 6) -> Callable[[float, float], str]:
    """A legend swatch: a line, dashed or with a marker in its middle."""
    def draw(x: float, y: float) -> str:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        line = f'<path d="M{x:.1f} {y:.1f}h{SWATCH}" stroke="{colour}" stroke-width="{width:g}"{dashes}/>'
        return line + (f'<g fill="{colour}">{_marker(marker, x + SWATCH / 2, y, marker_size)}</g>' if marker else "")
    return draw


def _marker_swatch(colour: str, marker: str, size: float = 7) -> Callable[[float, float], str]:
    return lambda x, y: f'<g fill="{colour}">{_marker(marker, x + SWATCH / 2, y, size)}</g>'


def _bar_swatch(colour: str) -> Callable[[float, float], str]:
    return lambda x, y: f'<rect x="{x + 3:.1f}" y="{y - 5:.1f}" width="{SWATCH - 6}" height="10" fill="{colour}"/>'


Legend = list[list[tuple[Callable[[float, float], str], str, float]]]


def _legend_rows(entries: Sequence[tuple[Callable[[float, float], str], str]], width: float,
                 inline: bool = False) -> Legend:
    """Legend entries (swatch, label) laid out in rows ``width`` pixels wide: one entry per row, or
    ``inline`` side by side as long as they fit. Labels too long for a row are cut."""
    rows: Legend = []
    used = 0.0
    for swatch, label in entries:
        text = _shortened(label, width - SWATCH - 5, NOTE_SIZE)
        item = SWATCH + 5 + text_width(text, NOTE_SIZE)
        if not rows or not inline or used + 16 + item > width:
            rows.append([])
            used = -16
        rows[-1].append((swatch, text, item))
        used += 16 + item
    return rows


def _draw_legend(canvas: _Canvas, rows: Legend, left: float, top: float, width: float | None = None) -> None:
    """The legend rows from ``top``, left-aligned at ``left`` or centred in ``width`` from it."""
    parts = []
    for index, row in enumerate(rows):
        y = top + (index + 0.5) * LEGEND_ROW
        row_width = sum(item for _, _, item in row) + 16 * (len(row) - 1)
        x = left + (width - row_width) / 2 if width else left
        for swatch, text, item in row:
            parts.append(swatch(x, y))
            parts.append(_text(x + SWATCH + 5, y + 0.36 * NOTE_SIZE, text))
            x += item + 16
    canvas.group(parts, font_size=NOTE_SIZE)


# ---- charts ------------------------------------------------------------------------------------------------

def histogram_svg(bin_starts: Sequence[float], bin_ends: Sequence[float], counts: Sequence[int], *,
                  title: str, x_label: str, y_label: str, chart_id: str) -> str:
    """A histogram from bins counted in SQL (so any number of rows can be summarised by the warehouse)."""
    width, plot_height = 340, 160
    starts = np.asarray(bin_starts, dtype=float)
    ends = np.asarray(bin_ends, dtype=float)
    values = np.asarray(counts, dtype=float)
    titles = _title_lines(title, width)
    top = _title_height(titles)
    y_high = _padded(0, float(values.max(initial=0)) or 1.0)[1]
    y_ticks, y_tick_labels = _linear_ticks(0, y_high, plot_height, horizontal=False)
    y_lines = fit_lines(y_label, plot_height, LABEL_SIZE)
    left = PAD + _y_label_width(y_lines) + max(text_width(label, TICK_SIZE) for label in y_tick_labels) + GAP + TICK
    x_lines = fit_lines(x_label, width - left - PAD, LABEL_SIZE)
    box = _Box(left, top, width - PAD - 12, top + plot_height)
    x_low, x_high = _padded(*_finite_range(starts, ends))
    x_ticks, x_tick_labels = _linear_ticks(x_low, x_high, box.width, horizontal=True)
    x = _Scale(x_low, x_high, box.left, box.right)
    y = _Scale(0, y_high, box.bottom, box.top)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, ys=[y(tick) for tick in y_ticks])
    bars = []
    for start, end, value in zip(x(starts), x(ends), values):
        if np.isfinite(start) and np.isfinite(end) and np.isfinite(value):
            bars.append(f'<rect x="{start:.2f}" y="{y(value):.2f}" width="{end - start:.2f}" '
                        f'height="{box.bottom - y(value):.2f}"/>')
    canvas.group(bars, fill=PRIMARY, stroke="#ffffff", stroke_width="0.5")
    _frame(canvas, box, [x(tick) for tick in x_ticks], x_tick_labels, [y(tick) for tick in y_ticks],
           [[label] for label in y_tick_labels], x_lines, y_lines)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(box.bottom + _x_label_height(x_lines) + PAD)


def _category_labels(labels: Sequence, width: float, size: float = TICK_SIZE, max_lines: int = 2) -> list[list[str]]:
    return [fit_lines(str(label), width, size, max_lines) for label in labels]


def _widest(blocks: Sequence[Sequence[str]], size: float = TICK_SIZE) -> float:
    return max((text_width(line, size) for lines in blocks for line in lines), default=0)


def _bar_axis_high(values: np.ndarray, notes: Sequence[str], length: float, room: float, least: float,
                   size: float) -> float:
    """The end of a bar chart's value axis, ``length`` pixels long: at least ``least``, and far enough
    that each bar's note, written after its end, stays within ``room`` pixels of the axis origin."""
    high = least
    for value, note in zip(values, notes):
        if np.isfinite(value) and value > 0:
            free = max(room - 5 - text_width(note, size), length * 0.2)
            high = max(high, value * length / free)
    return high


def bar_svg(labels: Sequence[str], counts: Sequence[int], *, title: str, x_label: str, chart_id: str) -> str:
    """Horizontal bars, first label on top, each bar annotated with its count and share of the total."""
    width, row = 340, 30
    values = np.asarray(counts, dtype=float)
    total = values.sum()
    notes = [f"{value:,.0f}" + (f" ({value / total:.0%})" if total else "") for value in values]
    titles = _title_lines(title, width)
    top = _title_height(titles)
    label_blocks = _category_labels(labels, width * 0.4)
    left = PAD + _widest(label_blocks) + GAP + TICK
    box = _Box(left, top, width - PAD - 6, top + row * max(len(labels), 1))
    high = _bar_axis_high(values, notes, box.width, width - PAD - box.left, (values.max(initial=0) * 1.3) or 1,
                          NOTE_SIZE)
    x_ticks, x_tick_labels = _linear_ticks(0, high, box.width, horizontal=True)
    x = _Scale(0, high, box.left, box.right)
    centres = [box.top + row * (index + 0.5) for index in range(len(labels))]
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, xs=[x(tick) for tick in x_ticks])
    canvas.group([f'<rect x="{box.left:.1f}" y="{centre - row * 0.325:.1f}" width="{x(value) - box.left:.2f}" '
                  f'height="{row * 0.65:.1f}"/>' for centre, value in zip(centres, values)], fill=PRIMARY)
    canvas.group([_text(x(value) + 4, centre + 0.36 * NOTE_SIZE, note)
                  for centre, value, note in zip(centres, values, notes)], font_size=NOTE_SIZE)
    _frame(canvas, box, [x(tick) for tick in x_ticks], x_tick_labels, centres, label_blocks, x_lines)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(box.bottom + _x_label_height(x_lines) + PAD)


def _hex_to_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[index:index + 2], 16) for index in (1, 3, 5)], dtype=float) / 255


@dataclass(frozen=True)
class ColourScale:
    """How a heatmap colours values: ``colours`` (evenly spaced, low to high) span ``low`` to ``high``,
    on a log scale if ``log``; values beyond are drawn in the end colours. ``ticks`` and ``tick_labels``
    fix the colour bar's ticks (by default round values)."""

    colours: tuple[str, ...]
    low: float
    high: float
    log: bool = False
    ticks: tuple[float, ...] = ()
    tick_labels: tuple[str, ...] = ()

    def position(self, values) -> np.ndarray:
        """Where values fall on the scale, from 0 to 1 (NaN stays NaN; on a log scale, 0 or less is low)."""
        values = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(values > 0, np.log(values), -np.inf)
            low, high = math.log(self.low), math.log(self.high)
        else:
            low, high = self.low, self.high
        with np.errstate(invalid="ignore"):
            return np.clip((values - low) / ((high - low) or 1.0), 0, 1)

    def rgb(self, values) -> np.ndarray:
        """Colours of values as RGB rows from 0 to 1 (NaN rows for NaN values)."""
        anchors = np.array([_hex_to_rgb(colour) for colour in self.colours])
        scaled = self.position(values).ravel() * (len(anchors) - 1)
        index = np.clip(np.nan_to_num(np.floor(scaled)), 0, len(anchors) - 2).astype(int)
        fraction = (scaled - index)[:, None]
        return anchors[index] * (1 - fraction) + anchors[index + 1] * fraction


# Colour scales of heatmaps, each from the finite values of the matrix.
HEATMAP_SCALES: dict[str, Callable[[np.ndarray], ColourScale]] = {
    # Coefficients in [-1, 1] such as correlations, 0 in the middle.
    "correlation": lambda values: ColourScale(RDBU_R, -1, 1),
    # Non-negative magnitudes such as loadings, from 0 to the largest value.
    "magnitude": lambda values: ColourScale(BLUES, 0, max(float(np.max(values, initial=0)), 1e-12)),
    # Ratios to a reference (1 = as the reference) on a log scale, so 0.5 and 2 are equally far from 1.
    "ratio": lambda values: ColourScale(PUOR_R, 0.5, 2, log=True, ticks=(0.5, 0.75, 1, 1.5, 2),
                                        tick_labels=("≤0.5", "0.75", "1", "1.5", "≥2")),
}


def _luminance(rgb) -> float:
    """Perceived lightness of a colour (0 black, 1 white), to pick readable text on it."""
    red, green, blue = rgb[:3]
    return 0.299 * red + 0.587 * green + 0.114 * blue


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def heatmap_svg(matrix: np.ndarray, row_labels: Sequence[str], column_labels: Sequence[str] | None = None, *,
                title: str, colorbar_label: str, chart_id: str, scale: str = "correlation",
                cell_text: Sequence[Sequence[str]] | None = None) -> str:
    """A matrix of values as coloured cells, annotated when it is small enough to read.

    ``column_labels`` defaults to ``row_labels`` (a symmetric matrix such as correlations, drawn with
    square cells); column labels with line breaks are set horizontally above the matrix, others slanted
    below it. ``scale`` is a key of :data:`HEATMAP_SCALES`. Missing cells (NaN) are drawn in
    :data:`MISSING_CELL`; ``cell_text`` gives each cell's text instead of its value (two decimals), which
    is how a cell withheld from publication reads "<10" rather than blank. Cell text is white on dark
    colours and dark on light ones.
    """
    matrix = np.asarray(matrix, dtype=float)
    symmetric = column_labels is None
    row_labels = [str(label) for label in row_labels]
    column_labels = row_labels if symmetric else [str(label) for label in column_labels]
    n_rows, n_columns = matrix.shape
    colour_scale = HEATMAP_SCALES[scale](matrix[np.isfinite(matrix)])
    multiline = any("\n" in label for label in column_labels)

    # Cells: square for a symmetric matrix, else rows of fixed height and columns wide enough for their
    # labels set horizontally (or for cell notes such as "suppressed").
    if symmetric:
        cell_width = cell_height = max(12.0, min(40.0, 600 / max(n_rows, 1)))
    else:
        cell_height = max(12.0, min(30.0, 900 / max(n_rows, 1)))
        widest_line = _widest([label.split("\n") for label in column_labels], 9) if multiline else 0
        cell_width = max(min(max(66.0, widest_line + 8), 190.0), min(66.0, 640 / max(n_columns, 1)))
    label_size = min(TICK_SIZE, max(7.0, cell_height * 0.75))
    row_blocks = [[_shortened(label, 260, label_size)] for label in row_labels]
    column_size = 9 if multiline else min(TICK_SIZE, max(7.0, cell_width * 0.75))
    if multiline:
        column_blocks = [[_shortened(line, cell_width - 4, column_size) for line in label.split("\n")]
                         for label in column_labels]
        above = max(len(lines) for lines in column_blocks) * column_size * LINE_HEIGHT + 6
        below = 0.0
    else:
        column_blocks = [[_shortened(label, 170, column_size)] for label in column_labels]
        above = 0.0
        below = TICK + (_widest(column_blocks, column_size) + column_size) * math.sqrt(0.5) + 4

    left = PAD + _widest(row_blocks, label_size) + GAP + TICK
    right = left + cell_width * n_columns
    # The title fits the narrowest the chart can be: the colour bar with one line of label, no tick labels.
    titles = _title_lines(title, right + 28 + TICK + GAP + 6 + LABEL_SIZE * LINE_HEIGHT + PAD)
    top = _title_height(titles) + above
    box = _Box(left, top, right, top + cell_height * n_rows)
    # Tall enough for a short colour bar label on one line; a longer one may take two.
    label_top = _title_height(titles)
    height = max(box.bottom + below, label_top + min(text_width(colorbar_label, LABEL_SIZE), 180)) + PAD

    # The colour bar: 70% of the matrix's height (at least 120 px, at most all of it), ticks and label right.
    bar_height = min(max(box.height * 0.7, min(box.height, 120.0)), box.height)
    bar = _Box(box.right + 16, (box.top + box.bottom - bar_height) / 2, box.right + 28,
               (box.top + box.bottom + bar_height) / 2)
    if colour_scale.ticks:
        bar_ticks, bar_labels = list(colour_scale.ticks), list(colour_scale.tick_labels)
    else:
        bar_ticks, bar_labels = _linear_ticks(colour_scale.low, colour_scale.high, bar.height, horizontal=False)
    bar_label_x = bar.right + TICK + GAP + max((text_width(label, TICK_SIZE) for label in bar_labels), default=0) + 6
    # The colour bar's label runs up beside it, between the title and the bottom of the chart.
    bar_lines = fit_lines(colorbar_label, height - PAD - label_top, LABEL_SIZE, 2)
    width = bar_label_x + _block_height(bar_lines, LABEL_SIZE) + PAD

    canvas = _Canvas(chart_id, title, width)
    rgb = colour_scale.rgb(matrix).reshape(n_rows, n_columns, 3)
    finite = np.isfinite(matrix)
    cells = []
    for row in range(n_rows):
        for column in range(n_columns):
            fill = _hex(rgb[row, column]) if finite[row, column] else MISSING_CELL
            cells.append(f'<rect x="{box.left + column * cell_width:.1f}" y="{box.top + row * cell_height:.1f}" '
                         f'width="{cell_width + 0.3:.1f}" height="{cell_height + 0.3:.1f}" fill="{fill}"/>')
    canvas.add(*cells)
    if n_rows * n_columns <= 400:
        texts = [[cell_text[row][column] if cell_text is not None else
                  (f"{matrix[row, column]:.2f}" if finite[row, column] else "") for column in range(n_columns)]
                 for row in range(n_rows)]
        widest = max((text_width(text, 1) for line in texts for text in line), default=0)
        size = min(CELL_SIZE, cell_height * 0.45, (cell_width - 4) / widest if widest else CELL_SIZE)
        if size >= 5:
            notes = []
            for row in range(n_rows):
                for column in range(n_columns):
                    if texts[row][column]:
                        light = finite[row, column] and _luminance(rgb[row, column]) < 0.5
                        notes.append(_text(box.left + (column + 0.5) * cell_width,
                                           box.top + (row + 0.5) * cell_height + 0.36 * size, texts[row][column],
                                           fill="#ffffff" if light else None))
            canvas.group(notes, font_size=f"{size:.3g}", text_anchor="middle")

    centres_x = [box.left + (column + 0.5) * cell_width for column in range(n_columns)]
    centres_y = [box.top + (row + 0.5) * cell_height for row in range(n_rows)]
    canvas.group([_text_block(box.left - TICK - GAP, y, lines, label_size) for y, lines in zip(centres_y, row_blocks)],
                 text_anchor="end", font_size=f"{label_size:g}")
    marks = "".join(f"M{box.left:.1f} {y:.1f}h{-TICK}" for y in centres_y)
    if multiline:
        canvas.group([_text_block(x, box.top - 6, lines, column_size, "bottom")
                      for x, lines in zip(centres_x, column_blocks)],
                     text_anchor="middle", font_size=f"{column_size:g}")
    else:
        marks += "".join(f"M{x:.1f} {box.bottom:.1f}v{TICK}" for x in centres_x)
        offset = column_size * 0.36 * math.sqrt(0.5)  # so the slanted text's middle, not its baseline, meets the tick
        canvas.group([_text(x + offset, box.bottom + TICK + 3 + offset, lines[0], rotate=-45)
                      for x, lines in zip(centres_x, column_blocks)], text_anchor="end", font_size=f"{column_size:g}")
    canvas.add(f'<path d="{marks}" stroke="{AXIS}" stroke-width="1"/>')

    gradient_id = f"{_escape(chart_id)}-colours"
    stops = "".join(f'<stop offset="{index / (len(colour_scale.colours) - 1):.3f}" stop-color="{colour}"/>'
                    for index, colour in enumerate(colour_scale.colours))
    canvas.add(f'<defs><linearGradient id="{gradient_id}" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient></defs>',
               f'<rect x="{bar.left:.1f}" y="{bar.top:.1f}" width="{bar.width:.1f}" height="{bar.height:.1f}" '
               f'fill="url(#{gradient_id})" stroke="{AXIS}" stroke-width="0.8"/>')
    positions = [bar.bottom - float(colour_scale.position(tick)) * bar.height for tick in bar_ticks]
    canvas.add(f'<path d="{"".join(f"M{bar.right:.1f} {y:.1f}h{TICK}" for y in positions)}" stroke="{AXIS}" '
               f'stroke-width="1"/>')
    canvas.group([_text(bar.right + TICK + GAP, y + 0.36 * TICK_SIZE, label)
                  for y, label in zip(positions, bar_labels)])
    middle = (box.top + box.bottom) / 2
    half = max(text_width(line, LABEL_SIZE) for line in bar_lines) / 2
    middle = min(max(middle, label_top + half), height - PAD - half)
    canvas.add(*(_text(bar_label_x + (index + 0.78) * LABEL_SIZE * LINE_HEIGHT, middle, line, LABEL_SIZE,
                       anchor="middle", rotate=-90) for index, line in enumerate(bar_lines)))
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(height)


def _legend_corner(box: _Box, size: tuple[float, float], xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """Top-left corner for a legend of ``size`` inside ``box``: the corner of the box covering the fewest of
    the points (pixel positions), upper right first on a tie."""
    legend_width, legend_height = size
    right, bottom = box.right - legend_width - 6, box.bottom - legend_height - 4
    corners = [(right, box.top + 4), (box.left + 6, box.top + 4), (box.left + 6, bottom), (right, bottom)]

    def covered(corner):
        x, y = corner
        return int(np.count_nonzero((xs >= x) & (xs <= x + legend_width) & (ys >= y) & (ys <= y + legend_height)))
    return min(corners, key=covered)


def _points(xs: np.ndarray, ys: np.ndarray, radius: float) -> list[str]:
    return [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}"/>' for x, y in zip(xs.tolist(), ys.tolist())]


def scatter_svg(x: np.ndarray, y: np.ndarray, *, slope: float, intercept: float, title: str, x_label: str,
                y_label: str, chart_id: str) -> str:
    """Points with their least-squares line (``slope``, ``intercept``), drawn from the least to the
    largest x; a legend names the line in the corner with the fewest points."""
    width, plot_height = 420, 220
    x_values, y_values = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    drawn = np.isfinite(x_values) & np.isfinite(y_values)
    x_values, y_values = x_values[drawn], y_values[drawn]
    has_line = len(x_values) > 0 and slope is not None and math.isfinite(slope) and math.isfinite(intercept)
    line_x = np.array([x_values.min(), x_values.max()]) if has_line else np.empty(0)
    line_y = slope * line_x + intercept if has_line else np.empty(0)
    titles = _title_lines(title, width)
    top = _title_height(titles)
    y_low, y_high = _padded(*_finite_range(y_values, line_y))
    y_ticks, y_tick_labels = _linear_ticks(y_low, y_high, plot_height, horizontal=False)
    y_lines = fit_lines(y_label, plot_height, LABEL_SIZE, 2)
    left = PAD + _y_label_width(y_lines) + max(text_width(label, TICK_SIZE) for label in y_tick_labels) + GAP + TICK
    box = _Box(left, top, width - PAD - 12, top + plot_height)
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE, 2)
    x_low, x_high = _padded(*_finite_range(x_values))
    x_ticks, x_tick_labels = _linear_ticks(x_low, x_high, box.width, horizontal=True)
    to_x, to_y = _Scale(x_low, x_high, box.left, box.right), _Scale(y_low, y_high, box.bottom, box.top)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, [to_x(tick) for tick in x_ticks], [to_y(tick) for tick in y_ticks])
    pixels_x, pixels_y = to_x(x_values), to_y(y_values)
    canvas.group(_points(pixels_x, pixels_y, 1.75), fill=PRIMARY, fill_opacity="0.35")
    if has_line:
        (x1, x2), (y1, y2) = to_x(line_x), to_y(line_y)
        canvas.add(f'<path d="M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" stroke="{ACCENT}" stroke-width="2.5"/>')
        legend = _legend_rows([(_line_swatch(ACCENT, 2.5), "least-squares line")], box.width)
        legend_width = legend[0][0][2]
        # The line counts as points too, so the legend is not put across it.
        along = np.linspace(0, 1, 50)
        corner = _legend_corner(box, (legend_width, LEGEND_ROW), np.append(pixels_x, x1 + (x2 - x1) * along),
                                np.append(pixels_y, y1 + (y2 - y1) * along))
        canvas.add(f'<rect x="{corner[0] - 2:.1f}" y="{corner[1]:.1f}" width="{legend_width + 4:.1f}" '
                   f'height="{LEGEND_ROW}" fill="#ffffff" fill-opacity="0.8"/>')
        _draw_legend(canvas, legend, *corner)
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, [to_y(tick) for tick in y_ticks],
           [[label] for label in y_tick_labels], x_lines, y_lines)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(box.bottom + _x_label_height(x_lines) + PAD)


def sweep_svg(x: Sequence[float], series: Sequence[tuple[str, Sequence[float], Sequence[float] | None]], *,
              marks: Sequence[tuple[float, str]], title: str, x_label: str, y_label: str, chart_id: str,
              log_y: bool = False) -> str:
    """A metric sweep (NMF rank, K-Means k): one line per ``(label, values, errors)`` series, with ±errors
    as bars when given, and labelled vertical ``marks``. The first mark is the chosen value (solid accent
    line, labelled at the top); further marks (dashed, labelled half-way up) show what another rule would
    pick. ``log_y`` for series spanning orders of magnitude (values of 0 or less are not drawn)."""
    markers = ["o", "s", "^", "D"]
    width, plot_height = 520, 230
    x_values = np.asarray(x, dtype=float)
    lines = [(label, np.asarray(values, dtype=float),
              None if errors is None else np.nan_to_num(np.asarray(errors, dtype=float)))
             for label, values, errors in series]
    ends = [values - (0 if errors is None else errors) for _, values, errors in lines]
    ends += [values + (0 if errors is None else errors) for _, values, errors in lines]
    if log_y:
        ends = [np.where(end > 0, end, np.nan) for end in ends]
    titles = _title_lines(title, width)
    top = _title_height(titles)
    y_low, y_high = _finite_range(*ends)
    if log_y:
        if not math.isfinite(y_low):
            y_low, y_high = 0.1, 1.0
        exponent_low, exponent_high = _padded(math.log10(y_low), math.log10(y_high))
        y_low, y_high = 10 ** exponent_low, 10 ** exponent_high
        y_ticks, y_tick_labels = _log_ticks(y_low, y_high)
    else:
        y_low, y_high = _padded(y_low, y_high)
        y_ticks, y_tick_labels = _linear_ticks(y_low, y_high, plot_height, horizontal=False)
    y_lines = fit_lines(y_label, plot_height, LABEL_SIZE, 2)
    left = PAD + _y_label_width(y_lines) + max((text_width(label, TICK_SIZE) for label in y_tick_labels), default=0)
    box = _Box(left + GAP + TICK, top, width - PAD - 10, top + plot_height)
    x_low, x_high = _padded(*_finite_range(x_values, [position for position, _ in marks]))
    to_x = _Scale(x_low, x_high, box.left, box.right)
    to_y = _Scale(y_low, y_high, box.bottom, box.top, log=log_y)
    finite_x = np.unique(x_values[np.isfinite(x_values)])
    spacing = float(np.diff(finite_x).min()) * to_x.factor if len(finite_x) > 1 else box.width
    x_ticks, x_tick_labels = _every_nth(finite_x.tolist(), [f"{value:g}" for value in finite_x], spacing)
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE)
    legend = _legend_rows([(_line_swatch(GROUP_COLORS[index % len(GROUP_COLORS)], 2, marker=markers[index % 4]), label)
                           for index, (label, _, _) in enumerate(lines)], width - box.left - PAD)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, [to_x(tick) for tick in x_ticks], [to_y(tick) for tick in y_ticks])
    middle = (x_low + x_high) / 2
    for index, (position, label) in enumerate(marks):
        chosen = index == 0
        colour = ACCENT if chosen else MUTED
        pixel = to_x(position)
        dash = "" if chosen else ' stroke-dasharray="5 3"'
        canvas.add(f'<path d="M{pixel:.1f} {box.top:.1f}V{box.bottom:.1f}" stroke="{colour}" '
                   f'stroke-width="{1.8 if chosen else 1.4}"{dash}/>')
        text = _shortened(label, box.width - 10, NOTE_SIZE)
        right_side = position <= middle
        if right_side and pixel + 5 + text_width(text, NOTE_SIZE) > box.right:
            right_side = False
        elif not right_side and pixel - 5 - text_width(text, NOTE_SIZE) < box.left:
            right_side = True
        y = box.top + 5 + 0.78 * NOTE_SIZE if chosen else (box.top + box.bottom) / 2 + 0.36 * NOTE_SIZE
        canvas.add(_text(pixel + 5 if right_side else pixel - 5, y, text, NOTE_SIZE,
                         anchor="start" if right_side else "end", fill=colour))
    for index, (_, values, errors) in enumerate(lines):
        colour = GROUP_COLORS[index % len(GROUP_COLORS)]
        drawn = np.isfinite(x_values) & np.isfinite(values) & ((values > 0) if log_y else True)
        pixels_x, pixels_y = to_x(x_values), to_y(values)
        path, pen_down = [], False
        for is_drawn, pixel_x, pixel_y in zip(drawn, pixels_x, pixels_y):
            if is_drawn:
                path.append(f"{'L' if pen_down else 'M'}{pixel_x:.1f} {pixel_y:.1f}")
            pen_down = bool(is_drawn)
        if errors is not None:
            for is_drawn, pixel_x, value, error in zip(drawn, pixels_x, values, errors):
                if is_drawn and error > 0:
                    low_end = value - error
                    low_pixel = to_y(low_end) if low_end > 0 or not log_y else box.bottom
                    high_pixel = to_y(value + error)
                    path.append(f"M{pixel_x:.1f} {low_pixel:.1f}V{high_pixel:.1f}M{pixel_x - 3.5:.1f} {low_pixel:.1f}h7"
                                f"M{pixel_x - 3.5:.1f} {high_pixel:.1f}h7")
        canvas.add(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2" '
                   'stroke-linejoin="round"/>')
        canvas.group([_marker(markers[index % 4], pixel_x, pixel_y, 6)
                      for is_drawn, pixel_x, pixel_y in zip(drawn, pixels_x, pixels_y) if is_drawn], fill=colour)
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, [to_y(tick) for tick in y_ticks],
           [[label] for label in y_tick_labels], x_lines, y_lines)
    legend_top = box.bottom + _x_label_height(x_lines) + 8
    _draw_legend(canvas, legend, box.left, legend_top)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(legend_top + LEGEND_ROW * len(legend) + PAD)


def group_scatter_svg(x: np.ndarray, y: np.ndarray, groups: np.ndarray, group_ids: Sequence, group_labels: Sequence[str],
                      centre_x: Sequence[float], centre_y: Sequence[float], *, title: str, x_label: str,
                      y_label: str, chart_id: str) -> str:
    """Points coloured by group with each group's centre marked by a numbered cross; the legend, below
    the axes, names each group in ``group_ids`` order."""
    width, plot_height = 600, 300
    x_values, y_values = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    groups = np.asarray(groups)
    centres_x, centres_y = np.asarray(centre_x, dtype=float), np.asarray(centre_y, dtype=float)
    titles = _title_lines(title, width)
    top = _title_height(titles)
    y_low, y_high = _padded(*_finite_range(y_values, centres_y))
    y_ticks, y_tick_labels = _linear_ticks(y_low, y_high, plot_height, horizontal=False)
    y_lines = fit_lines(y_label, plot_height, LABEL_SIZE, 3)
    left = PAD + _y_label_width(y_lines) + max(text_width(label, TICK_SIZE) for label in y_tick_labels) + GAP + TICK
    box = _Box(left, top, width - PAD - 14, top + plot_height)
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE, 2)
    x_low, x_high = _padded(*_finite_range(x_values, centres_x))
    x_ticks, x_tick_labels = _linear_ticks(x_low, x_high, box.width, horizontal=True)
    to_x, to_y = _Scale(x_low, x_high, box.left, box.right), _Scale(y_low, y_high, box.bottom, box.top)
    colours = [GROUP_COLORS[index % len(GROUP_COLORS)] for index in range(len(group_ids))]
    legend = _legend_rows([(_marker_swatch(colour, "o"), f"{group} · {label}")
                           for colour, group, label in zip(colours, group_ids, group_labels)], width - box.left - PAD)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, [to_x(tick) for tick in x_ticks], [to_y(tick) for tick in y_ticks])
    for colour, group in zip(colours, group_ids):
        chosen = (groups == group) & np.isfinite(x_values) & np.isfinite(y_values)
        canvas.group(_points(to_x(x_values[chosen]), to_y(y_values[chosen]), 1.65), fill=colour, fill_opacity="0.45")
    for colour, group, centre_x_value, centre_y_value in zip(colours, group_ids, centres_x, centres_y):
        if math.isfinite(centre_x_value) and math.isfinite(centre_y_value):
            pixel_x, pixel_y = to_x(centre_x_value), to_y(centre_y_value)
            canvas.group([_marker("X", pixel_x, pixel_y, 16)], fill=colour, stroke="#ffffff", stroke_width="1.2")
            canvas.add(_text(pixel_x + 9, pixel_y - 7, str(group), 11, bold=True))
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, [to_y(tick) for tick in y_ticks],
           [[label] for label in y_tick_labels], x_lines, y_lines)
    legend_top = box.bottom + _x_label_height(x_lines) + 10
    _draw_legend(canvas, legend, box.left, legend_top)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(legend_top + LEGEND_ROW * len(legend) + PAD)


def radar_svg(labels: Sequence[str], values: Sequence[float], *, limit: float, title: str, chart_id: str) -> str:
    """A radar of standardized differences from the cohort: one spoke per label, clockwise from the top;
    the dashed ring at 0 is the cohort, outward is above it and inward below. Values beyond ±``limit`` are
    drawn at the limit (the caller's table gives the exact figures); a missing value is left out of the
    outline."""
    width, radius, label_size = 380, 92.0, 9.5
    angles = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
    drawn = np.clip(np.asarray(values, dtype=float), -limit, limit)
    titles = _title_lines(title, width)
    centre_x = width / 2

    # Spoke labels around the circle, wrapped to the room between the circle and the chart's edge.
    label_distance = radius + 8
    placed = []  # (dx, dy of the anchor from the centre, anchor, lines, vertical alignment)
    for angle, label in zip(angles, labels):
        sine, cosine = math.sin(angle), math.cos(angle)
        dx, dy = label_distance * sine, -label_distance * cosine
        if abs(sine) < 0.3:
            anchor, room = "middle", 2 * min(centre_x - PAD - abs(dx), 110)
        elif sine > 0:
            anchor, room = "start", centre_x - PAD - dx
        else:
            anchor, room = "end", centre_x - PAD + dx
        align = "bottom" if cosine > 0.3 else "top" if cosine < -0.3 else "middle"
        placed.append((dx, dy, anchor, fit_lines(str(label).replace("_", " "), room, label_size, 3), align))
    extents = [(dy - _block_height(lines, label_size) * {"bottom": 1, "top": 0, "middle": 0.5}[align],
                dy + _block_height(lines, label_size) * {"bottom": 0, "top": 1, "middle": 0.5}[align])
               for _, dy, _, lines, align in placed]
    above = max([radius] + [-low for low, _ in extents])
    below = max([radius] + [high for _, high in extents])
    centre_y = _title_height(titles) + above
    legend = _legend_rows([(_line_swatch(TEXT, 1.3, dash="4 3"), "cohort (0)"),
                           (_line_swatch(PRIMARY, 2.5, marker="o", marker_size=6), "this persona")],
                          width - 2 * PAD, inline=True)
    legend_top = centre_y + below + 10

    def point(value, angle):
        distance = radius * (value + limit) / (2 * limit)
        return centre_x + distance * math.sin(angle), centre_y - distance * math.cos(angle)

    canvas = _Canvas(chart_id, title, width)
    ticks = np.arange(-limit, limit + 0.5, 1.0)
    rings = "".join(f'<circle cx="{centre_x:.1f}" cy="{centre_y:.1f}" r="{radius * (tick + limit) / (2 * limit):.1f}"/>'
                    for tick in ticks if tick + limit > 0)
    spokes = "".join(f"M{centre_x:.1f} {centre_y:.1f}L{point(limit, angle)[0]:.1f} {point(limit, angle)[1]:.1f}"
                     for angle in angles)
    canvas.add(f'<g fill="none" stroke="{GRID}" stroke-width="0.8">{rings}'
               f'<circle cx="{centre_x:.1f}" cy="{centre_y:.1f}" r="{radius:.1f}" stroke-width="1.2"/>'
               f'<path d="{spokes}"/></g>',
               f'<circle cx="{centre_x:.1f}" cy="{centre_y:.1f}" r="{radius / 2:.1f}" fill="none" stroke="{TEXT}" '
               f'stroke-width="1.3" stroke-dasharray="4 3"/>')
    outline = [point(value, angle) for value, angle in zip(drawn, angles) if math.isfinite(value)]
    if outline:
        path = "M" + "L".join(f"{px:.1f} {py:.1f}" for px, py in outline) + "Z"
        canvas.add(f'<path d="{path}" fill="{PRIMARY}" fill-opacity="0.18" stroke="{PRIMARY}" stroke-width="2.5" '
                   'stroke-linejoin="round"/>')
        canvas.group([_marker("o", px, py, 6) for px, py in outline], fill=PRIMARY)
    # Ring values between the first two spokes, where the outline is least likely to cover them.
    between = math.pi / max(len(labels), 1)
    canvas.group([_text(*point(tick, between), "0" if tick == 0 else ("+" if tick > 0 else "−") + f"{abs(tick):g}")
                  for tick in ticks if tick + limit > 0], font_size="8.5", fill=MUTED, text_anchor="middle",
                 stroke="#ffffff", stroke_width="2.5", paint_order="stroke")
    canvas.group([_text_block(centre_x + dx, centre_y + dy, lines, label_size, align, anchor=anchor)
                  for dx, dy, anchor, lines, align in placed], font_size=f"{label_size:g}")
    _draw_legend(canvas, legend, PAD, legend_top, width - 2 * PAD)
    _draw_title(canvas, titles, centre_x)
    return canvas.svg(legend_top + LEGEND_ROW * len(legend) + PAD)


def interval_svg(labels: Sequence[str], rates: Sequence[float | None], lower: Sequence[float | None],
                 upper: Sequence[float | None], *, reference: float | None, reference_label: str,
                 notes: Sequence[str | None], title: str, x_label: str, chart_id: str) -> str:
    """Rates with their confidence intervals as horizontal error bars, first label on top, and a
    vertical reference line (the overall rate) labelled above the first row, where no bar can hide it. A
    row without a rate shows its note instead of a bar, so a withheld figure is visibly withheld rather
    than missing. The axis runs from 0 to a quarter past the highest interval end, never beyond 100%."""
    row, plot_width = 36, 330
    label_blocks = _category_labels(labels, 260)
    highest = max([value for value in [*upper, reference] if value is not None], default=0.01)
    right = min(max(highest * 1.25, 0.001), 1.0)  # a rate never exceeds 100%; value labels may sit beyond the axis
    value_notes = [None if rate is None else f"{rate:.1%}" for rate in rates]
    left = PAD + _widest(label_blocks) + GAP + TICK
    width = left + plot_width + 12 + max((text_width(note, NOTE_SIZE) for note in value_notes if note), default=0) + PAD
    titles = _title_lines(title, width)
    top = _title_height(titles)
    first_row = -1.4 if reference is not None else -0.6
    box = _Box(left, top, left + plot_width, top + row * (len(labels) - 0.4 - first_row))
    to_x = _Scale(0, right, box.left, box.right)
    x_ticks, x_tick_labels = _linear_ticks(0, right, box.width, horizontal=True, percent=True)
    x_lines = fit_lines(x_label, width - 2 * PAD, LABEL_SIZE, 2)
    centres = [box.top + row * (index - first_row) for index in range(len(labels))]

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, xs=[to_x(tick) for tick in x_ticks])
    if reference is not None:
        pixel = to_x(min(reference, right))
        canvas.add(f'<path d="M{pixel:.1f} {box.top:.1f}V{box.bottom:.1f}" stroke="{ACCENT}" stroke-width="1.6" '
                   'stroke-dasharray="5 3"/>')
        right_half = reference > right / 2
        room = (pixel - box.left if right_half else width - PAD - pixel) - 5
        text = _shortened(reference_label, room, NOTE_SIZE)
        canvas.add(_text(pixel - 5 if right_half else pixel + 5, box.top + row * (-1 - first_row) + 0.36 * NOTE_SIZE,
                         text, NOTE_SIZE, anchor="end" if right_half else "start", fill=ACCENT))
    bars, dots, texts = [], [], []
    for centre, rate, low, high, note, value_note in zip(centres, rates, lower, upper, notes, value_notes):
        if rate is None:
            text = _shortened(note or "not shown", box.width - 8, NOTE_SIZE)
            canvas.add(f'<rect x="{box.left + 3:.1f}" y="{centre - NOTE_SIZE * 0.7:.1f}" '
                       f'width="{text_width(text, NOTE_SIZE) + 4:.1f}" height="{NOTE_SIZE * 1.4:.1f}" fill="#ffffff"/>',
                       _text(box.left + 5, centre + 0.36 * NOTE_SIZE, text, NOTE_SIZE, fill=MUTED, italic=True))
            continue
        low_pixel = to_x(rate if low is None else low)
        high_pixel = to_x(rate if high is None else high)
        bars.append(f"M{low_pixel:.1f} {centre:.1f}H{high_pixel:.1f}M{low_pixel:.1f} {centre - 4:.1f}v8"
                    f"M{high_pixel:.1f} {centre - 4:.1f}v8")
        dots.append(_marker("o", to_x(rate), centre, 7))
        texts.append(_text(high_pixel + 5, centre + 0.36 * NOTE_SIZE, value_note))
    canvas.add(f'<path d="{"".join(bars)}" fill="none" stroke="{PRIMARY}" stroke-width="2"/>')
    canvas.group(dots, fill=PRIMARY)
    canvas.group(texts, font_size=NOTE_SIZE)
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, centres, label_blocks)
    # The x label is centred under the axis but may run wider than it, within the chart.
    x_label_top = box.bottom + _x_label_height(())
    half = max(text_width(line, LABEL_SIZE) for line in x_lines) / 2
    centre_x = min(max((box.left + box.right) / 2, PAD + half), width - PAD - half)
    canvas.add(_text_block(centre_x, x_label_top + 3, x_lines, LABEL_SIZE, "top", anchor="middle"))
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(box.bottom + _x_label_height(x_lines) + PAD)


def grouped_bar_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                    x_label: str, chart_id: str) -> str:
    """Horizontal bars, one group per label (first on top) and one bar per ``(name, values)`` series, each
    annotated with its value (three decimals, for coefficients such as Cramér's V); the legend is below."""
    width = 540
    n_series = max(len(series), 1)
    group = 26 * n_series + 10
    bar = 0.8 * group / n_series
    values = np.array([np.asarray(list(values), dtype=float) for _, values in series]).reshape(len(series), len(labels))
    notes = [[f"{value:.3f}" if np.isfinite(value) else "" for value in row] for row in values]
    titles = _title_lines(title, width)
    top = _title_height(titles)
    label_blocks = _category_labels(labels, width * 0.35)
    left = PAD + _widest(label_blocks) + GAP + TICK
    box = _Box(left, top, width - PAD - 6, top + group * max(len(labels), 1))
    least = max(float(np.nanmax(values, initial=0)) * 1.25, 0.1)
    high = _bar_axis_high(values.ravel(), [note for row in notes for note in row], box.width,
                          width - PAD - box.left, least, 9.5)
    to_x = _Scale(0, high, box.left, box.right)
    x_ticks, x_tick_labels = _linear_ticks(0, high, box.width, horizontal=True)
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE)
    centres = [box.top + group * (index + 0.5) for index in range(len(labels))]
    colours = [GROUP_COLORS[index % len(GROUP_COLORS)] for index in range(len(series))]
    legend = _legend_rows([(_bar_swatch(colour), name) for colour, (name, _) in zip(colours, series)], box.width,
                          inline=True)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, xs=[to_x(tick) for tick in x_ticks])
    texts = []
    for index, colour in enumerate(colours):
        rects = []
        for centre, value, note in zip(centres, values[index], notes[index]):
            if np.isfinite(value):
                y = centre - 0.4 * group + bar * index
                rects.append(f'<rect x="{box.left:.1f}" y="{y + bar * 0.04:.1f}" '
                             f'width="{to_x(max(value, 0)) - box.left:.2f}" height="{bar * 0.92:.1f}"/>')
                texts.append(_text(to_x(max(value, 0)) + 4, y + bar / 2 + 0.36 * 9.5, note))
        canvas.group(rects, fill=colour)
    canvas.group(texts, font_size="9.5")
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, centres, label_blocks, x_lines)
    legend_top = box.bottom + _x_label_height(x_lines) + 8
    _draw_legend(canvas, legend, box.left, legend_top, box.width)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(legend_top + LEGEND_ROW * len(legend) + PAD)


def dot_comparison_svg(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, limit: float,
                       title: str, x_label: str, reference_label: str, chart_id: str) -> str:
    """One row per label (first on top) with a dot per ``(name, values)`` series, the dots of a row joined
    by a line, against a dashed reference line at 0: a student and their peers in standard deviations from
    the cohort mean, say. Values beyond ±``limit`` are drawn at the limit (the caller's table gives the
    exact figures); a missing value draws no dot."""
    width, row = 540, 32
    markers = ["o", "D", "s", "^"]
    values = np.clip(np.array([list(values) for _, values in series], dtype=float).reshape(len(series), len(labels)),
                     -limit, limit)
    titles = _title_lines(title, width)
    top = _title_height(titles)
    label_blocks = _category_labels([str(label).replace("_", " ") for label in labels], width * 0.35)
    left = PAD + _widest(label_blocks) + GAP + TICK
    box = _Box(left, top, width - PAD - 14, top + row * max(len(labels), 1))
    low, high = -limit * 1.05, limit * 1.05
    to_x = _Scale(low, high, box.left, box.right)
    x_ticks, x_tick_labels = _linear_ticks(low, high, box.width, horizontal=True)
    x_lines = fit_lines(x_label, box.width, LABEL_SIZE)
    centres = np.array([box.top + row * (index + 0.5) for index in range(len(labels))])
    colours = [GROUP_COLORS[index % len(GROUP_COLORS)] for index in range(len(series))]
    legend = _legend_rows([(_line_swatch(TEXT, 1.3, dash="4 3"), reference_label)]
                          + [(_marker_swatch(colour, markers[index % 4], 8), name)
                             for index, (colour, (name, _)) in enumerate(zip(colours, series))], width - box.left - PAD)

    canvas = _Canvas(chart_id, title, width)
    _grid(canvas, box, xs=[to_x(tick) for tick in x_ticks])
    canvas.add(f'<path d="M{to_x(0):.1f} {box.top:.1f}V{box.bottom:.1f}" stroke="{TEXT}" stroke-width="1.3" '
               'stroke-dasharray="4 3"/>')
    ranges = []
    for column, centre in enumerate(centres):
        finite = values[:, column][np.isfinite(values[:, column])]
        if len(finite):
            ranges.append(f"M{to_x(finite.min()):.1f} {centre:.1f}H{to_x(finite.max()):.1f}")
    canvas.add(f'<path d="{"".join(ranges)}" stroke="{GRID}" stroke-width="4" stroke-linecap="round"/>')
    for index, colour in enumerate(colours):
        canvas.group([_marker(markers[index % 4], to_x(value), centre, 8)
                      for value, centre in zip(values[index], centres) if np.isfinite(value)], fill=colour)
    _frame(canvas, box, [to_x(tick) for tick in x_ticks], x_tick_labels, centres.tolist(), label_blocks, x_lines)
    legend_top = box.bottom + _x_label_height(x_lines) + 8
    _draw_legend(canvas, legend, box.left, legend_top)
    _draw_title(canvas, titles, (box.left + box.right) / 2)
    return canvas.svg(legend_top + LEGEND_ROW * len(legend) + PAD)
