"""Components a page template calls to show query results: tables, metric tiles, charts and the persona
selection.

Each returns HTML markup. Values from the data are always escaped here (``markupsafe``); a chart is a
Vega-Lite spec (:mod:`student_personas.reports.charts`) in an inline JSON script, drawn by the browser with
the inlined vega-embed (:mod:`student_personas.reports.assets`), so a page needs no request from outside
itself. A :class:`Components` object serves one page render: it numbers the page's charts and tables and
counts them for the listing of rendered pages; :meth:`Components.page_scripts` (called by the layout after
the content) inlines the scripts the page needs.

The API, for page authors:

- ``data_table(rows, columns, formats=None, empty=..., *, filters=None, persona=None, search=None)``: a
  table; every table sorts by a click on its header. ``filters`` names the columns (keys of ``columns``)
  a select above the table filters by (e.g. persona, tier); ``search`` adds a text search box (default:
  for tables of more than 12 rows); ``persona`` names the row key holding a persona id, so the page's
  persona selection highlights those rows.
- ``metric(label, value, kind, note)``: a headline figure.
- charts: ``histograms``, ``bar_charts``, ``heatmap`` (symmetric, from pairs), ``matrix_heatmap`` (from a
  long table), ``scatter`` (a pair as a grid of counts), ``sweep`` (also the elbow chart), ``group_density``
  (personas in a plane as a grid of counts), ``radar`` (a persona's
  standardized differences), ``intervals``, ``grouped_bars``, ``dot_comparison``. Each takes its data
  rows, the keys to read and a title; ``caption`` adds a caption. Charts of personas take ``persona``:
  the row key (or, for ``radar``, the value) of the persona id, for the page's highlight.
- ``persona_selector(rows, id_key, label_key)``: the select that highlights a persona across the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Number

from markupsafe import Markup

from student_personas.reports import assets, charts
from student_personas.reports.formatting import FORMATS, format_value, is_missing

# Tables longer than this get a search box unless the template says otherwise.
SEARCH_FROM_ROWS = 12
# Charts with more points than this are drawn on a canvas rather than as SVG elements.


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
    """One x/y pair: its statistics over all rows (a row of ``feature_bivariate_fits``) and the grid of
    counts its scatter plot draws (rows of ``feature_bivariate_bins``)."""

    statistics: Mapping
    cells: list

    @property
    def x_column(self) -> str:
        return self.statistics["x_column"]

    @property
    def y_column(self) -> str:
        return self.statistics["y_column"]

    @property
    def row(self) -> dict:
        """The pair as a table row (column names and every statistic)."""
        return dict(self.statistics)


def bivariate(statistics: Iterable[Mapping], cells: Iterable[Mapping]) -> list[BivariatePair]:
    """One pair per row of ``statistics`` (x_column, y_column, n_students, pearson_r, pearson_p,
    spearman_rho, spearman_p, slope, intercept: computed in the warehouse over every row), in row order,
    with its cells from ``cells`` (x_column, y_column, x_start, x_end, y_start, y_end, n_students: counted
    in the warehouse), so no student's values reach the page."""
    cells = list(cells)
    return [BivariatePair(dict(row), [cell for cell in cells if (cell["x_column"], cell["y_column"]) ==
                                      (row["x_column"], row["y_column"])]) for row in statistics]


def _value_attribute(value, kind: str) -> Markup:
    """A numeric cell's raw value, which the table sorts by (the shown text is formatted)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)  # a published count is text: digits, or a marker such as "<10"
    if kind == "text" or is_missing(value) or isinstance(value, bool) or not isinstance(value, Number):
        return Markup()
    return Markup(' data-value="{}"').format(repr(float(value)))


@dataclass(frozen=True)
class Chart:
    """One chart of a page: its element id, its Vega-Lite spec and how the browser draws it."""

    chart_id: str
    spec: Mapping
    renderer: str = "svg"


class Components:
    """The component functions for one page render: numbers its charts and tables and counts them."""

    def __init__(self, page_name: str):
        self.page_name = page_name
        self.charts: list[Chart] = []
        self.n_tables = 0

    def functions(self) -> dict:
        """Everything a template may call, by name."""
        return {
            "format": format_value,
            "metric": metric,
            "bivariate": bivariate,
            "data_table": self.data_table,
            "persona_selector": self.persona_selector,
            "histograms": self.histograms,
            "bar_charts": self.bar_charts,
            "heatmap": self.heatmap,
            "matrix_heatmap": self.matrix_heatmap,
            "scatter": self.scatter,
            "sweep": self.sweep,
            "group_density": self.group_density,
            "radar": self.radar,
            "intervals": self.intervals,
            "grouped_bars": self.grouped_bars,
            "dot_comparison": self.dot_comparison,
            "page_scripts": self.page_scripts,
        }

    # ---- page scripts -------------------------------------------------------------------------------

    def page_scripts(self) -> Markup:
        """The scripts of this page, for the end of ``<body>``: the Vega-Lite toolchain when the page has a
        chart, and the page behaviour when it has a chart or a table (none for a page with neither)."""
        if not self.charts and not self.n_tables:
            return Markup()
        return (assets.library_scripts() if self.charts else Markup()) + assets.page_script()

    # ---- tables ------------------------------------------------------------------------------------

    def data_table(self, rows: Iterable[Mapping], columns: Mapping[str, str], formats: Mapping[str, str] | None = None,
                   empty: str = "No rows.", *, filters: Iterable[str] | None = None, persona: str | None = None,
                   search: bool | None = None) -> Markup:
        """A table of ``rows`` showing ``columns`` (key → header) with each value formatted by ``formats``
        (key → kind, see :func:`format_value`; numbers are right-aligned and sort by value). A column that
        mixes kinds (means and shares, say) names instead the row key holding each row's kind. ``empty``
        is said instead of an empty table.

        Every header sorts the table. ``filters`` (keys of ``columns``) get a select each above the table,
        listing the column's shown values in order of first appearance; ``search`` a text box (default:
        tables of more than 12 rows); ``persona`` names the row key of a persona id, marked on each row
        (``data-persona``) for the page's persona highlight.
        """
        rows = list(rows)
        formats = formats or {}
        if not rows:
            return Markup('<p class="empty">{}</p>').format(empty)
        self.n_tables += 1
        table_id = f"{self.page_name}-table-{self.n_tables}"
        numeric = {key for key, kind in formats.items() if kind != "text"}
        keys = list(columns)

        def kind_of(row: Mapping, key: str) -> str:
            kind = formats.get(key, "text")
            return kind if kind in FORMATS else row[kind]

        header = Markup("").join(
            Markup('<th scope="col"{}>{}</th>').format(Markup(' class="num"') if key in numeric else Markup(), label)
            for key, label in columns.items())
        body_rows = []
        for row in rows:
            persona_attribute = (Markup(' data-persona="{}"').format(row[persona])
                                 if persona and not is_missing(row[persona]) else Markup())
            cells = Markup("").join(
                Markup("<td{}{}>{}</td>").format(Markup(' class="num"') if key in numeric else Markup(),
                                                 _value_attribute(row[key], kind_of(row, key)),
                                                 format_value(row[key], kind_of(row, key)))
                for key in keys)
            body_rows.append(Markup("<tr{}>{}</tr>").format(persona_attribute, cells))
        tools = self._table_tools(table_id, rows, columns, kind_of, list(filters or []),
                                  len(rows) > SEARCH_FROM_ROWS if search is None else search)
        return Markup('{}<div class="table-wrap"><table class="data" id="{}" data-sortable><thead><tr>{}</tr></thead>'
                      "<tbody>{}</tbody></table></div>").format(tools, table_id, header, Markup("").join(body_rows))

    @staticmethod
    def _table_tools(table_id: str, rows: list[Mapping], columns: Mapping[str, str], kind_of, filters: list[str],
                     search: bool) -> Markup:
        unknown = [key for key in filters if key not in columns]
        if unknown:
            raise ValueError(f"filters name columns the table does not show: {', '.join(unknown)}")
        if not filters and not search:
            return Markup()
        keys = list(columns)
        controls = []
        for key in filters:
            values = list(dict.fromkeys(format_value(row[key], kind_of(row, key)) for row in rows))
            options = Markup("").join(Markup('<option value="{}">{}</option>').format(value, value) for value in values)
            controls.append(Markup('<label>{} <select data-filter-column="{}"><option value="">all</option>{}</select>'
                                   "</label>").format(columns[key], keys.index(key), options))
        if search:
            controls.append(Markup('<label>Search <input type="search" data-table-search placeholder="any text">'
                                   "</label>"))
        return Markup('<div class="table-tools" data-table="{}">{}<span class="row-count" data-row-count>{} rows</span>'
                      "</div>").format(table_id, Markup("").join(controls), len(rows))

    def persona_selector(self, rows: Iterable[Mapping], id_key: str, label_key: str) -> Markup:
        """A select that highlights one persona across the page's charts and tables (or none)."""
        options = Markup("").join(Markup('<option value="{}">{} · {}</option>').format(row[id_key], row[id_key],
                                                                                      row[label_key])
                                  for row in rows)
        return Markup('<label class="persona-selector">Highlight a persona <select data-persona-select>'
                      '<option value="">none</option>{}</select></label>').format(options)

    # ---- charts ------------------------------------------------------------------------------------

    def _figure(self, spec: Mapping, *, label: str, caption: str | None = None, renderer: str = "svg",
                wide: bool = False) -> Markup:
        """One chart in a <figure> labelled ``label``: an element the browser draws ``spec`` into, and the
        spec itself as inline JSON."""
        chart = Chart(f"{self.page_name}-chart-{len(self.charts) + 1}", spec, renderer)
        self.charts.append(chart)
        caption_html = Markup("<figcaption>{}</figcaption>").format(caption) if caption else Markup()
        return Markup('<figure class="chart{}" aria-label="{}"><div class="vega-chart" id="{}" data-renderer="{}">'
                      '</div><script type="application/json" data-chart-spec="{}">{}</script>{}</figure>').format(
            " wide-chart" if wide else "", label, chart.chart_id, renderer, chart.chart_id,
            Markup(charts.to_json(spec)), caption_html)

    def histograms(self, rows: Iterable[Mapping], group: str, start: str, end: str, count: str, *,
                   x_label: str, y_label: str) -> Markup:
        """A grid of histograms, one per value of ``group``, from bins counted in the warehouse."""
        figures = []
        for name, bins in _groups(rows, group).items():
            figures.append(self._figure(
                charts.histogram([row[start] for row in bins], [row[end] for row in bins], [row[count] for row in bins],
                                 title=str(name), x_label=x_label, y_label=y_label),
                label=f"Histogram of {name}"))
        return Markup('<div class="chart-grid">{}</div>').format(Markup("").join(figures))

    def bar_charts(self, rows: Iterable[Mapping], group: str, label: str, count: str, *, x_label: str,
                   caption: str | None = None) -> Markup:
        """A grid of horizontal bar charts, one per value of ``group`` (bars in row order); ``caption``
        names the column whose value in a group's first row captions its chart."""
        figures = []
        for name, levels in _groups(rows, group).items():
            figures.append(self._figure(
                charts.bars([row[label] for row in levels], [row[count] for row in levels], title=str(name),
                            x_label=x_label),
                label=f"Counts of {name}", caption=levels[0][caption] if caption else None))
        return Markup('<div class="chart-grid">{}</div>').format(Markup("").join(figures))

    def heatmap(self, rows: Iterable[Mapping], x: str, y: str, value: str, *, title: str, colorbar_label: str) -> Markup:
        """A symmetric matrix heatmap (correlations) from one row per unordered pair; the diagonal is 1 and
        labels keep their order of first appearance."""
        rows = list(rows)
        labels = list(dict.fromkeys(str(name) for row in rows for name in (row[x], row[y])))
        coefficients = {}
        for row in rows:
            coefficients[(str(row[x]), str(row[y]))] = coefficients[(str(row[y]), str(row[x]))] = row[value]
        cells = []
        for row_label in labels:
            for column_label in labels:
                coefficient = 1.0 if row_label == column_label else coefficients.get((row_label, column_label))
                cells.append({"row": row_label, "column": column_label, "value": coefficient,
                              "text": format_value(coefficient, "number") if coefficient is not None else ""})
        spec = charts.heatmap(cells, labels, labels, title=title, colorbar_label=colorbar_label, scale="correlation")
        return self._figure(spec, label=title, wide=True)

    def matrix_heatmap(self, rows: Iterable[Mapping], row: str, column: str, value: str, *, title: str,
                       colorbar_label: str, scale: str, missing_text: str | None = None, kind: str = "number",
                       caption: str | None = None, persona: str | None = None) -> Markup:
        """A heatmap of a long table, one cell per row at (``row``, ``column``), both in order of first
        appearance, coloured by ``value`` on ``scale`` (see :data:`charts.HEATMAP_SCALES`) and annotated
        with it formatted as ``kind``. A cell whose value is null shows the row's ``missing_text`` column
        (such as a published count "<10") and no value. ``persona`` names the row key of a persona id."""
        rows = list(rows)
        row_labels = list(dict.fromkeys(str(item[row]) for item in rows))
        column_labels = list(dict.fromkeys(str(item[column]) for item in rows))
        cells = []
        for item in rows:
            missing = is_missing(item[value])
            note = item[missing_text] if missing and missing_text else None
            cells.append({"row": str(item[row]), "column": str(item[column]),
                          "value": None if missing else item[value],
                          "text": ("" if note is None else str(note)) if missing else format_value(item[value], kind),
                          **({"persona_id": item[persona]} if persona else {})})
        spec = charts.heatmap(cells, row_labels, column_labels, title=title, colorbar_label=colorbar_label,
                              scale=scale, persona=persona is not None)
        return self._figure(spec, label=title, caption=caption, wide=True)

    def sweep(self, rows: Iterable[Mapping], x: str, series: Mapping[str, tuple[str, str | None]], *,
              marks: Iterable[tuple[float, str]], title: str, x_label: str, y_label: str, log_y: bool = False,
              caption: str | None = None) -> Markup:
        """A parameter sweep chart: ``series`` maps each legend label to its (value column, error column or
        None); ``marks`` are (x, label) vertical lines, the chosen value first. With inertia per k it is the
        elbow chart."""
        rows = list(rows)
        lines = [(label, [item[key] for item in rows], None if error is None else [item[error] for item in rows])
                 for label, (key, error) in series.items()]
        spec = charts.sweep([item[x] for item in rows], lines, marks=[tuple(mark) for mark in marks], title=title,
                            x_label=x_label, y_label=y_label, log_y=log_y)
        return self._figure(spec, label=title, caption=caption)

    def group_density(self, cells: Iterable[Mapping], centres: Iterable[Mapping], *, x: str, y: str, group: str,
                      label: str, title: str, x_label: str, y_label: str, caption: str | None = None) -> Markup:
        """Groups (personas) in a plane as a grid of counts: ``cells`` are rows of x_start, x_end, y_start,
        y_end, ``group`` (a persona id) and n_students; each cell takes the colour of the group holding most
        of it. ``centres`` has one row per group (its ``group`` id, ``x``, ``y`` and legend ``label``), in
        legend order. The page's persona selection highlights one group."""
        centres = list(centres)
        cells = [{**cell, "persona_id": cell[group]} for cell in cells]
        spec = charts.group_density(cells, [item[group] for item in centres], [item[label] for item in centres],
                                    [item[x] for item in centres], [item[y] for item in centres], title=title,
                                    x_label=x_label, y_label=y_label)
        return self._figure(spec, label=title, caption=caption)

    def radar(self, rows: Iterable[Mapping], label: str, value: str, *, limit: float, title: str,
              caption: str | None = None, persona=None) -> Markup:
        """A persona's standardized differences from the cohort, one row per ``label``: drawn as bars from
        the cohort line (0), which read more exactly than the spokes of a radar and stay legible for any
        number of columns. ``persona`` is the persona id, for the page's highlight."""
        rows = list(rows)
        if not rows:
            raise ValueError("a profile chart needs at least one row")
        spec = charts.profile_bars([item[label] for item in rows], [item[value] for item in rows], limit=limit,
                                   title=title, persona_id=persona)
        return self._figure(spec, label=title, caption=caption)

    def intervals(self, rows: Iterable[Mapping], label: str, rate: str, lower: str, upper: str, *, note: str,
                  reference: float | None, reference_label: str, title: str, x_label: str,
                  caption: str | None = None, persona: str | None = None) -> Markup:
        """Rates with interval bars, one row per label, and a reference line; a row whose rate is null shows
        its ``note`` column instead. ``persona`` names the row key of a persona id."""
        rows = list(rows)
        spec = charts.intervals(
            [item[label] for item in rows], [item[rate] for item in rows], [item[lower] for item in rows],
            [item[upper] for item in rows], reference=reference, reference_label=reference_label,
            notes=[item[note] for item in rows], title=title, x_label=x_label,
            persona_ids=[item[persona] for item in rows] if persona else None)
        return self._figure(spec, label=title, caption=caption)

    def dot_comparison(self, rows: Iterable[Mapping], label: str, series: Mapping[str, str], *, limit: float,
                       title: str, x_label: str, reference_label: str, caption: str | None = None) -> Markup:
        """Dots per row on a shared scale, one per ``series`` (legend label → column), against a reference
        line at 0: e.g. a student and their peers in standard deviations from the cohort mean."""
        rows = list(rows)
        spec = charts.dot_comparison([item[label] for item in rows],
                                     [(name, [item[key] for item in rows]) for name, key in series.items()],
                                     limit=limit, title=title, x_label=x_label, reference_label=reference_label)
        return self._figure(spec, label=title, caption=caption)

    def grouped_bars(self, rows: Iterable[Mapping], label: str, series: Mapping[str, str], *, title: str,
                     x_label: str, caption: str | None = None) -> Markup:
        """Grouped horizontal bars, one group per row; ``series`` maps each legend label to its column."""
        rows = list(rows)
        spec = charts.grouped_bars([item[label] for item in rows],
                                   [(name, [item[key] for item in rows]) for name, key in series.items()],
                                   title=title, x_label=x_label)
        return self._figure(spec, label=title, caption=caption)

    def scatter(self, pair: BivariatePair) -> Markup:
        """One pair's scatter plot as a grid of counts with its least-squares line; the caption gives the
        statistics on all rows."""
        stats = pair.statistics
        title = f"{pair.y_column} vs {pair.x_column}"
        n = stats["n_students"]
        caption = (f"Pearson r = {format_value(stats['pearson_r'], 'signed')} (p {_p_text(stats['pearson_p'])}), "
                   f"Spearman ρ = {format_value(stats['spearman_rho'], 'signed')} (p {_p_text(stats['spearman_p'])}); "
                   f"all {n:,} students, counted in a 20 × 20 grid (darker cells hold more students).")
        spec = charts.binned_scatter(pair.cells, slope=_number(stats["slope"]), intercept=_number(stats["intercept"]),
                                     title=title, x_label=pair.x_column, y_label=pair.y_column)
        return self._figure(spec, label=title, caption=caption)


def _number(value) -> float | None:
    return None if is_missing(value) else float(value)


def _p_text(p_value) -> str:
    """A p-value after "p": "< 0.001" or "= 0.0312" ("= —" when undefined)."""
    text = format_value(p_value, "p_value")
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"
