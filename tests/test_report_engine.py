"""Unit tests of the report engine: page definitions, queries, formatting, escaping, charts, statistics."""

import ast
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import PROJECT_DIR
from student_personas.reports import charts
from student_personas.reports.components import Components, bivariate, matrix_from_rows, metric
from student_personas.reports.formatting import format_value
from student_personas.reports.pages import (
    PageDefinition,
    ReportDefinitionError,
    discover_pages,
    input_views,
    page_environment,
    parse_named_queries,
    referenced_tables,
    render_template,
    run_queries,
)
from student_personas.reports.site import render_site
from student_personas.reports.statistics import association, correlation_p_value

SVG_TAG = "{http://www.w3.org/2000/svg}svg"


# ---- page definitions ---------------------------------------------------------------------------------

def test_named_queries_are_split_at_name_lines_with_comments_kept_out_of_names():
    text = """-- Queries of a page.

-- name: volumes
-- One row.
select 1 as n;

-- name: by_check
select 2 as n
"""
    assert parse_named_queries(text) == {"volumes": "-- One row.\nselect 1 as n", "by_check": "select 2 as n"}


@pytest.mark.parametrize("text, message", [
    ("select 1\n-- name: a\nselect 2", "SQL before the first"),
    ("-- name: a\nselect 1\n-- name: a\nselect 2", "query 'a' is defined twice"),
    ("-- name: a\n-- only a comment\n-- name: b\nselect 1", "query 'a' has no SQL"),
    ("-- name: Rows By Check\nselect 1", "is not a lowercase identifier"),
])
def test_bad_query_files_fail_naming_the_file_and_query(text, message):
    with pytest.raises(ReportDefinitionError, match=message) as error:
        parse_named_queries(text, "page.sql")
    assert str(error.value).startswith("page.sql: ")


def test_referenced_tables_are_the_literal_ref_arguments():
    page = PageDefinition("p", "p.html.j2", {
        "a": "select * from {{ ref('first') }} join {{ ref(\"second\") }} using (id)",
        "b": "select * from {{ query('a') }}, {{ ref('first') }}",
    })
    assert referenced_tables(page) == {"first", "second"}
    with pytest.raises(ReportDefinitionError, match="one literal table name"):
        referenced_tables(PageDefinition("p", "p.html.j2", {"a": "select * from {{ ref(settings.table) }}"}))


def test_report_model_refs_exactly_the_tables_the_pages_read():
    """The DAG stays honest: python_models/report_pages.py refs every table a page reads, and no other."""
    source = (PROJECT_DIR / "python_models" / "report_pages.py").read_text(encoding="utf-8")
    model_refs = {
        call.args[0].value for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "ref"
    }
    page_refs = set().union(*(referenced_tables(page) for page in discover_pages(PROJECT_DIR / "reports")))
    assert page_refs and model_refs == page_refs


# ---- running queries -------------------------------------------------------------------------------------

@pytest.fixture
def connection():
    with duckdb.connect() as connection:
        connection.execute("create table scores as select range as id, range * 10 as score from range(5)")
        yield connection


def test_queries_read_refs_chain_earlier_queries_and_leave_no_views(connection):
    page = PageDefinition("p", "p.html.j2", {
        "high": "select * from {{ ref('scores') }} where score >= {{ settings.threshold }}",
        "summary": "select count(*) as n, {{ settings.label | sql_string }} as label from {{ query('high') }}",
    })
    relations = {"scores": connection.table("scores")}
    with input_views(connection, relations):
        results = run_queries(connection, page, relations, {"threshold": 20, "label": "it's"})
    assert results["high"].frame["id"].tolist() == [2, 3, 4]
    assert results["summary"].first == {"n": 3, "label": "it's"}
    assert connection.execute("select count(*) from duckdb_views() where not internal").fetchone() == (0,)


def test_a_table_the_caller_did_not_provide_is_named_in_the_error(connection):
    page = PageDefinition("p", "p.html.j2", {"a": "select * from {{ ref('persona_summary') }}"})
    with pytest.raises(ReportDefinitionError, match="reads persona_summary, which the caller did not provide"):
        run_queries(connection, page, {}, {})


def test_a_failing_query_names_page_and_query_and_cleans_up(connection):
    page = PageDefinition("p", "p.html.j2", {"ok": "select 1 as x", "broken": "select nope from {{ query('ok') }}"})
    with pytest.raises(ReportDefinitionError, match="page 'p', query 'broken' failed"):
        run_queries(connection, page, {}, {})
    assert connection.execute("select count(*) from duckdb_views() where not internal").fetchone() == (0,)
    with pytest.raises(ReportDefinitionError, match="query\\('later'\\) names no earlier query"):
        run_queries(connection, PageDefinition("p", "p.html.j2", {"a": "select * from {{ query('later') }}"}), {}, {})


# ---- formatting and escaping -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kind, expected", [
    (1234567, "count", "1,234,567"),
    (1000.0, "count", "1,000"),
    (0.019, "percent", "1.9%"),
    (0.0002, "percent", "<0.1%"),
    (0.0, "percent", "0.0%"),
    (1, "percent", "100.0%"),
    (0.0123, "points", "+1.2 pts"),
    (-0.004, "points", "−0.4 pts"),
    (2.924, "number", "2.92"),
    (12345.678, "number", "12,345.68"),
    (-0.001, "number", "0.00"),
    (0.4231, "signed", "+0.423"),
    (-0.2961, "signed", "−0.296"),
    (0.08134, "score", "0.081"),
    (0.9984, "score", "0.998"),
    ("1234", "count", "1,234"),
    ("<10", "count", "<10"),
    ("suppressed", "count", "suppressed"),
    (0.0312, "p_value", "0.0312"),
    (1e-12, "p_value", "<0.001"),
    ("GPA", "text", "GPA"),
    (None, "count", "—"),
    (math.nan, "percent", "—"),
    (pd.NA, "number", "—"),
])
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown number format 'money'"):
        format_value(1, "money")


def test_tables_escape_data_and_headers_and_count_themselves():
    components = Components("p")
    html = components.data_table(
        [{"name": "<script>alert(1)</script>", "n": 1200}, {"name": "Tom & Jerry", "n": None}],
        {"name": "Name <i>", "n": "Students"}, {"n": "count"})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html and "Name &lt;i&gt;" in html
    assert '<td class="num">1,200</td>' in html and '<td class="num">—</td>' in html
    assert components.n_tables == 1
    assert components.data_table([], {"n": "N"}, empty="Nothing <here>.") == '<p class="empty">Nothing &lt;here&gt;.</p>'
    assert components.n_tables == 1


def test_a_table_column_can_take_its_kind_from_each_row():
    components = Components("p")
    html = components.data_table(
        [{"feature": "GPA", "mean": 3.5912, "kind": "number"}, {"feature": "level=A", "mean": 0.4672, "kind": "percent"}],
        {"feature": "Feature", "mean": "Mean"}, {"mean": "kind"})
    assert '<td class="num">3.59</td>' in html and '<td class="num">46.7%</td>' in html
    assert '<th class="num">Mean</th>' in html


def test_long_rows_become_a_matrix_with_withheld_cells_labelled():
    rows = [
        {"persona": "B", "group": "x", "ratio": 1.234, "note": None},
        {"persona": "B", "group": "y", "ratio": None, "note": "<10"},
        {"persona": "A", "group": "y", "ratio": 0.5, "note": None},
        {"persona": "A", "group": "z", "ratio": None, "note": None},
    ]
    row_labels, column_labels, matrix, cell_text = matrix_from_rows(rows, "persona", "group", "ratio", "note")
    assert (row_labels, column_labels) == (["B", "A"], ["x", "y", "z"])
    assert matrix[0, 0] == 1.234 and matrix[1, 1] == 0.5
    assert np.isnan(matrix[0, 1]) and np.isnan(matrix[1, 0]) and np.isnan(matrix[1, 2])
    assert cell_text == [["1.23", "<10", ""], ["", "0.50", ""]]


def test_matrix_cells_read_in_the_requested_format():
    rows = [{"persona": "A", "tier": "GREEN", "share": 0.7869, "note": None},
            {"persona": "A", "tier": "RED", "share": None, "note": "suppressed"}]
    assert matrix_from_rows(rows, "persona", "tier", "share", "note", kind="percent")[3] == [["78.7%", "suppressed"]]


def test_a_radar_needs_three_spokes():
    components = Components("p")
    with pytest.raises(ValueError, match="at least three spokes, got 2"):
        components.radar([{"c": "a", "d": 1.0}, {"c": "b", "d": -1.0}], "c", "d", limit=2, title="t")
    html = components.radar([{"c": c, "d": d} for c, d in [("a", 1.0), ("b", -3.0), ("c", 0.2)]], "c", "d",
                            limit=2, title="Persona 1 <vs> cohort")
    assert "Persona 1 &lt;vs&gt; cohort" in html and len(components.charts) == 1


def test_metric_escapes_label_and_note():
    html = metric("<b>Rows</b>", 1000, "count", note="a & b")
    assert "&lt;b&gt;Rows&lt;/b&gt;" in html and "a &amp; b" in html and ">1,000<" in html


def test_chart_titles_from_data_cannot_inject_markup():
    components = Components("p")
    html = components.bar_charts([{"column": "<img src=x onerror=alert(1)>", "level": "a", "n": 3}],
                                 "column", "level", "n", x_label="students")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert len(components.charts) == 1


# ---- charts -------------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
LONG = "A_very_long_column_name_that_no_chart_has_room_for_in_one_line and then some more words"


def _parsed_svg(svg: str):
    root = ElementTree.fromstring(svg)
    assert root.tag == SVG_TAG and root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    return root


def _texts(root, inherited=None):
    """Every <text> element with the font size and anchor it gets from its ancestors."""
    inherited = {"font-size": root.get("font-size"), "text-anchor": "start", **(inherited or {})}
    for child in root:
        attributes = {**inherited, **{key: child.get(key) for key in ("font-size", "text-anchor") if child.get(key)}}
        if child.tag == SVG + "text":
            yield child, float(attributes["font-size"]), attributes["text-anchor"]
        else:
            yield from _texts(child, attributes)


def _text_outside(root) -> list[str]:
    """Texts that would reach beyond the viewBox, measured as the layout measures them (DejaVu Sans widths)."""
    width, height = float(root.get("width")), float(root.get("height"))
    outside = []
    for element, size, anchor in _texts(root):
        x, y, length = float(element.get("x")), float(element.get("y")), charts.text_width(element.text or "", size)
        angle = float(re.search(r"rotate\((\S+)", element.get("transform") or "rotate(0").group(1))
        direction = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
        start = {"start": 0, "middle": -length / 2, "end": -length}[anchor]
        ends = [np.array([x, y]) + direction * start, np.array([x, y]) + direction * (start + length)]
        if angle == 0:  # glyphs rise above the baseline and descend below it
            ends += [np.array([x, y - 0.76 * size]), np.array([x, y + 0.24 * size])]
        if any(not (-0.5 <= px <= width + 0.5 and -0.5 <= py <= height + 0.5) for px, py in ends):
            outside.append(element.text)
    return outside


def _all_charts(label: str = "GPA") -> list[str]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    return [
        charts.histogram_svg([0, 1, 2], [1, 2, 3], [5, 9, 2], title=label, x_label="value", y_label="students",
                             chart_id="h"),
        charts.bar_svg(["Low", label], [10, 30], title=label, x_label="students", chart_id="b"),
        charts.heatmap_svg(np.array([[1, 0.5], [0.5, 1]]), ["a", label], title="r", colorbar_label="Pearson r",
                           chart_id="m"),
        charts.scatter_svg(x, 2 * x, slope=2, intercept=0, title=f"{label} vs x", x_label=label, y_label=label,
                           chart_id="s"),
        charts.heatmap_svg(np.array([[0.6, np.nan, 1.9], [1.0, 2.5, 0.3]]), ["persona 1", label],
                           ["F1\nGPA\n+ Age", "F2", f"F3\n{label}"], title="ratio", colorbar_label="ratio",
                           chart_id="r", scale="ratio", cell_text=[["0.60", "<10", "1.90"], ["1.00", "2.50", "0.30"]]),
        charts.heatmap_svg(np.array([[0.1, 0.7], [0.5, 0.0]]), ["GPA", "Age"], ["F1", label], title="loadings",
                           colorbar_label=label, chart_id="l", scale="magnitude"),
        charts.sweep_svg([2, 3, 4], [("training", [0.3, 0.2, 0.1], None), (label, [0.5, 0.4, 0.6], [0.02, 0.01, 0.1])],
                         marks=[(3, "chosen: 3"), (4, "lowest training error: 4")], title="rank", x_label="rank",
                         y_label=label, chart_id="w", log_y=True),
        charts.group_scatter_svg(x, x ** 2, np.arange(300) % 3, [0, 1, 2], ["a", "b", label], [0, 1, 2],
                                 [0, 1, 4], title="factor space", x_label=label, y_label=label, chart_id="g"),
        charts.radar_svg(["GPA", label, "Attendance_Rate"], [1.2, -0.4, 3.1], limit=2, title="radar", chart_id="p"),
        charts.interval_svg(["p1", label], [0.05, None], [0.03, None], [0.1, None], reference=0.02,
                            reference_label=label, notes=[None, "<10 positives"], title=label, x_label=label,
                            chart_id="i"),
        charts.grouped_bar_svg(["Gender", label], [("V", [0.08, 0.05]), ("corrected V", [0.05, 0.0])], title="V",
                               x_label="V", chart_id="v"),
        charts.dot_comparison_svg(["GPA", label, "Hours"], [("student 7", [0.7, -3.2, None]), ("peers", [1.1, -0.4, 0.2])],
                                  limit=2.5, title=label, x_label="SD", reference_label="cohort", chart_id="c"),
    ]


@pytest.mark.parametrize("label", ["GPA", LONG])
def test_every_chart_function_returns_a_valid_self_contained_svg_with_all_text_inside(label):
    for svg in _all_charts(label):
        root = _parsed_svg(svg)
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg
        # Only references inside the SVG itself: nothing to fetch, and every reference resolves.
        assert not re.search(r'(href|src)="(?!#)', svg)
        ids = [element.get("id") for element in root.iter() if element.get("id")]
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]-.+", name) for name in ids)
        assert set(re.findall(r"url\(#([^)]+)\)", svg)) <= set(ids)
        assert _text_outside(root) == []


def test_charts_need_no_plotting_library():
    """matplotlib is no longer a dependency: the report engine imports and draws without it."""
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from tests.test_report_engine import _all_charts\n"
            "assert len(_all_charts()) == 12\n"
            "assert 'matplotlib' not in {name.split('.')[0] for name, module in sys.modules.items() if module}")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, check=True,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), str(PROJECT_DIR / "tests")])})


def test_text_outside_a_chart_is_caught():
    svg = charts.bar_svg(["Low"], [1], title="t", x_label="n", chart_id="o").replace('<text x="', '<text x="-40', 1)
    assert len(_text_outside(_parsed_svg(svg))) == 1


def test_charts_are_images_titled_for_assistive_technology():
    root = _parsed_svg(charts.histogram_svg([0], [1], [3], title="Age <years>", x_label="v", y_label="n",
                                            chart_id="page-chart-4"))
    title = root.find(SVG + "title")
    assert root.get("role") == "img" and title.text == "Age <years>"
    assert root.get("aria-labelledby") == title.get("id") == "page-chart-4-title"


def test_chart_ids_are_stable_per_chart_id_and_differ_between_charts():
    def draw(chart_id):
        return charts.heatmap_svg(np.eye(2), ["a", "b"], title="t", colorbar_label="r", chart_id=chart_id)

    def ids(svg):
        return {element.get("id") for element in _parsed_svg(svg).iter() if element.get("id")}

    assert draw("page-chart-1") == draw("page-chart-1")
    assert ids(draw("page-chart-1")) and ids(draw("page-chart-1")).isdisjoint(ids(draw("page-chart-2")))


def test_chart_text_is_svg_text_in_a_font_family_with_fallbacks():
    root = _parsed_svg(charts.bar_svg(["Low", "High"], [10, 30], title="SES by group", x_label="students", chart_id="t"))
    texts = [element for element in root.iter(SVG + "text")]
    assert "SES by group" in [element.text for element in texts]
    assert "font-family: 'DejaVu Sans', 'Arial', 'Helvetica', sans-serif" in root.get("style")
    # Every text inherits that family: nothing inside sets another, and no glyph is drawn as a path.
    assert not [element for element in root.iter() if element is not root and
                ("font-family" in (element.get("style") or "") or element.get("font-family"))]
    assert root.find(f".//{SVG}use") is None


def test_labels_are_drawn_literally_and_escaped():
    svg = charts.bar_svg(["$5 $10", "<b>bold</b> & co"], [1, 2], title="cost_$ in $", x_label="$", chart_id="d")
    texts = [element.text for element in _parsed_svg(svg).iter(SVG + "text")]
    assert {"$5 $10", "<b>bold</b> & co", "cost_$ in $", "$"} <= set(texts)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in svg


@pytest.mark.parametrize("low, high, count, expected", [
    (0, 10, 5, [0, 2, 4, 6, 8, 10]),
    (0, 1, 4, [0, 0.25, 0.5, 0.75, 1]),
    (17.45, 29.55, 7, [18, 20, 22, 24, 26, 28]),
    (17.45, 29.55, 6, [17.5, 20, 22.5, 25, 27.5]),
    (-1, 1, 4, [-1, -0.5, 0, 0.5, 1]),
    (0.012, 0.0871, 5, [0.02, 0.04, 0.06, 0.08]),
    (0, 1260, 6, [0, 250, 500, 750, 1000, 1250]),
    (0, 1260, 5, [0, 500, 1000]),
    (3, 3, 5, [3]),
])
def test_nice_ticks_are_round_and_inside_the_range(low, high, count, expected):
    assert charts.nice_ticks(low, high, count) == pytest.approx(expected)


def test_long_text_is_wrapped_at_word_and_name_breaks_then_cut_with_an_ellipsis():
    assert charts.fit_lines("Current_Semester_Performance", 120, 10, 2) == ["Current_Semester_", "Performance"]
    assert charts.fit_lines("more late submissions, lower GPA", 1000, 10, 2) == ["more late submissions, lower GPA"]
    lines = charts.fit_lines(LONG, 150, 10, 2)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(charts.text_width(line, 10) <= 150 for line in lines)
    assert charts.fit_lines("two\nlines", 100, 10, 2) == ["two", "lines"]
    assert charts.text_width("iiii", 10) < charts.text_width("MMMM", 10) < charts.text_width("MMMM", 10, bold=True)


def _positions(root, pattern: str) -> dict[str, float]:
    """Tick label text → its x (labels matching ``pattern``)."""
    return {element.text: float(element.get("x")) for element in root.iter(SVG + "text")
            if re.fullmatch(pattern, element.text or "")}


def test_histogram_bars_are_as_tall_as_their_counts_and_as_wide_as_their_bins():
    root = _parsed_svg(charts.histogram_svg([0, 1, 2, 4], [1, 2, 4, 5], [5, 10, 0, 20], title="GPA", x_label="value",
                                            y_label="students", chart_id="h"))
    bars = [rect for group in root.iter(SVG + "g") if group.get("fill") == charts.PRIMARY for rect in group]
    heights = np.array([float(rect.get("height")) for rect in bars])
    widths = np.array([float(rect.get("width")) for rect in bars])
    assert heights == pytest.approx(heights[3] * np.array([5, 10, 0, 20]) / 20, abs=0.01)
    assert widths == pytest.approx(widths[0] * np.array([1, 1, 2, 1]), abs=0.01)
    assert {"students", "value", "GPA"} <= {element.text for element in root.iter(SVG + "text")}


def test_heatmap_colours_cells_and_marks_missing_ones():
    svg = charts.heatmap_svg(np.array([[0.9, np.nan], [0.1, 0.5]]), ["A", "B"], ["GREEN", "RED"], title="tiers",
                             colorbar_label="share of the persona", scale="magnitude", chart_id="t",
                             cell_text=[["90.0%", "<10"], ["10.0%", "50.0%"]])
    root = _parsed_svg(svg)
    cells = [rect for rect in root.findall(SVG + "rect")[1:] if "url(" not in (rect.get("fill") or "")]
    fills = [rect.get("fill") for rect in cells]
    assert len(cells) == 4 and fills[1] == charts.MISSING_CELL and fills.count(charts.MISSING_CELL) == 1
    assert fills[0] == charts.BLUES[-1].lower()  # the largest value has the darkest colour
    texts = {element.text: element for element in root.iter(SVG + "text")}
    assert texts["90.0%"].get("fill") == "#ffffff"  # light text on the dark cell
    assert texts["10.0%"].get("fill") is None and texts["<10"].get("fill") is None  # dark text (the SVG's) on light
    assert "share of the persona" in texts and "&lt;10" in svg
    ratio = charts.heatmap_svg(np.array([[0.0, 1.0, 4.0]]), ["A"], ["x", "y", "z"], title="ratio", colorbar_label="r",
                               scale="ratio", chart_id="q")
    ratio_fills = [rect.get("fill") for rect in _parsed_svg(ratio).findall(SVG + "rect")[1:4]]
    # A ratio of 0 is as low as the scale goes, not missing; 1 is the neutral middle; beyond 2 is the top.
    assert ratio_fills == [charts.PUOR_R[0], charts.PUOR_R[5], charts.PUOR_R[-1]]
    assert {"≤0.5", "1", "≥2"} <= {element.text for element in _parsed_svg(ratio).iter(SVG + "text")}


def test_scatter_line_is_the_given_least_squares_line():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    root = _parsed_svg(charts.scatter_svg(x, 0.5 * x + 3, slope=0.5, intercept=3, title="y vs x", x_label="x",
                                          y_label="y", chart_id="s"))
    x_ticks = _positions(root, r"[\d.]+")
    line = next(path for path in root.iter(SVG + "path") if path.get("stroke") == charts.ACCENT and "M" in path.get("d"))
    (x1, y1), (x2, y2) = [tuple(map(float, point.split())) for point in line.get("d")[1:].split("L")]
    assert len(root.findall(f".//{SVG}circle")) == 4 and "least-squares line" in x_ticks.keys() | {
        element.text for element in root.iter(SVG + "text")}
    # Pixels back to data through the tick labels: the line runs from the least to the largest x, slope 0.5.
    labelled = sorted((float(text), position) for text, position in x_ticks.items() if text.replace(".", "").isdigit())
    (value_a, pixel_a), (value_b, pixel_b) = labelled[0], labelled[-1]
    to_data = lambda pixel: value_a + (pixel - pixel_a) * (value_b - value_a) / (pixel_b - pixel_a)  # noqa: E731
    assert (to_data(x1), to_data(x2)) == pytest.approx((1, 7), abs=0.05)
    assert (y2 - y1) / (x2 - x1) < 0  # rising in data, so falling in SVG pixels
    no_line = charts.scatter_svg(x, x, slope=math.nan, intercept=math.nan, title="t", x_label="x", y_label="y",
                                 chart_id="n")
    assert charts.ACCENT not in no_line and "least-squares line" not in no_line


def test_sweep_draws_each_series_its_error_bars_and_the_marks():
    root = _parsed_svg(charts.sweep_svg([2, 3, 4], [("training", [0.3, 0.2, 0.1], None),
                                                    ("held-out", [0.5, 0.4, 0.6], [0.02, 0.01, 0.1])],
                                        marks=[(3, "chosen: 3"), (4, "other rule: 4")], title="rank", x_label="rank",
                                        y_label="error", chart_id="w", log_y=True))
    texts = [element.text for element in root.iter(SVG + "text")]
    assert {"training", "held-out", "chosen: 3", "other rule: 4", "2", "3", "4", "0.1", "0.2", "0.5"} <= set(texts)
    held_out = next(path for path in root.iter(SVG + "path") if path.get("stroke") == charts.GROUP_COLORS[1]
                    and len(path.get("d")) > 40)
    assert held_out.get("d").count("h7") == 6  # two caps for each of three error bars
    chosen = [path for path in root.iter(SVG + "path") if path.get("stroke") == charts.ACCENT]
    dashed = [path for path in root.iter(SVG + "path") if path.get("stroke") == charts.MUTED]
    assert len(chosen) == 1 and chosen[0].get("stroke-dasharray") is None and dashed[0].get("stroke-dasharray")


def test_interval_chart_shows_rates_notes_and_reference_and_stops_at_100_percent():
    root = _parsed_svg(charts.interval_svg(["p1", "p2", "p3"], [0.9, None, 0.5], [0.8, None, 0.3], [0.98, None, 0.7],
                                           reference=0.6, reference_label="all students (60.0%)",
                                           notes=[None, "<10 positives", None], title="rate", x_label="share",
                                           chart_id="i"))
    texts = {element.text: element for element in root.iter(SVG + "text")}
    assert {"90.0%", "50.0%", "<10 positives", "all students (60.0%)", "p1", "p2", "p3"} <= texts.keys()
    assert texts["<10 positives"].get("font-style") == "italic"
    ticks = _positions(root, r"\d+%")
    assert max(int(text[:-1]) for text in ticks) == 100
    axis = next(path for path in root.iter(SVG + "path") if path.get("stroke") == charts.AXIS)
    axis_end = float(re.match(r"M\S+ \S+V\S+H([\d.]+)", axis.get("d")).group(1))
    assert axis_end == pytest.approx(ticks["100%"], abs=0.1)  # the axis ends at 100%
    # The reference label sits above the first row.
    assert float(texts["all students (60.0%)"].get("y")) < float(texts["p1"].get("y")) - 10
    none_shown = charts.interval_svg(["a"], [None], [None], [None], reference=None, reference_label="",
                                     notes=[None], title="t", x_label="x", chart_id="n")
    assert "not shown" in none_shown


def test_charts_drawn_in_worker_processes_equal_charts_drawn_here():
    rng = np.random.default_rng(3)
    recorded = Components("p")
    recorded.histograms([{"column": name, "start": float(i), "end": i + 1.0, "n": int(n)}
                         for name in ("GPA", "Age") for i, n in enumerate(rng.integers(1, 50, 8))],
                        "column", "start", "end", "n", x_label="value", y_label="students")
    recorded.radar([{"c": c, "d": float(d)} for c, d in zip("abcde", rng.normal(size=5))], "c", "d", limit=2,
                   title="radar")
    here = charts.draw_charts(recorded.charts, processes=1)
    assert list(here) == ["p-chart-1", "p-chart-2", "p-chart-3"]
    assert charts.draw_charts(recorded.charts, processes=2) == here


def test_a_page_gets_each_chart_in_place_of_its_placeholder_once(tmp_path):
    (tmp_path / "page.html.j2").write_text(
        '{% block title %}T{% endblock %}<div>{{ radar(spokes, "c", "d", limit=2, title="r") }}</div>'
        '{% if twice %}{% set figure = radar(spokes, "c", "d", limit=2, title="s") %}{{ figure }}{{ figure }}{% endif %}',
        encoding="utf-8")
    spokes = [{"c": c, "d": d} for c, d in [("a", 1.0), ("b", -1.0), ("c", 0.5)]]
    environment = page_environment(tmp_path)
    page = render_template(environment, "page.html.j2", "page", {"spokes": spokes, "twice": False})
    assert page.n_charts == 1 and "<svg" not in page.html
    drawn = page.with_charts(charts.draw_charts(page.charts))
    assert drawn.html.startswith('T<div><figure class="chart" role="img" aria-label="r"><svg')
    assert "<!-- chart" not in drawn.html
    repeated = render_template(environment, "page.html.j2", "page", {"spokes": spokes, "twice": True})
    with pytest.raises(ReportDefinitionError, match="chart page-chart-2 appears 2 times"):
        repeated.with_charts(charts.draw_charts(repeated.charts))


# ---- statistics ----------------------------------------------------------------------------------------------

def test_correlation_p_values_match_scipy():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, 500)
    y = 0.05 * x + rng.normal(0, 1, 500)
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
    assert correlation_p_value(pearson.statistic, 500) == pytest.approx(pearson.pvalue, rel=1e-9)
    assert correlation_p_value(spearman.statistic, 500) == pytest.approx(spearman.pvalue, rel=1e-9)
    assert correlation_p_value(-1.0, 50) == 0.0
    assert math.isnan(correlation_p_value(0.5, 2)) and math.isnan(correlation_p_value(None, 50))


def test_association_is_undefined_without_coefficients():
    constant = association(50, None, None, None, None)
    assert constant.n == 50 and math.isnan(constant.pearson_r) and math.isnan(constant.slope)
    assert math.isnan(association(2, 1.0, 1.0, 1.0, 0.0).pearson_p)
    vertical = association(10, 0.3, 0.2, None, None)
    assert math.isnan(vertical.slope) and vertical.pearson_p == pytest.approx(correlation_p_value(0.3, 10))


def data_quality_queries(*names: str) -> dict[str, str]:
    queries = parse_named_queries((PROJECT_DIR / "reports" / "data_quality.sql").read_text(encoding="utf-8"))
    return {name: queries[name] for name in names}


def test_scatter_statistics_and_sample_queries_match_scipy_with_ties(connection):
    """The data-quality page's own SQL: Pearson, Spearman with tied values sharing their mean rank, the
    least-squares line, and a seeded sample capped at the configured size."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, 8, 400).astype(float)  # many ties
    y = np.round(x + rng.normal(0, 2, 400), 1)
    frame = pd.DataFrame({"student_id": [f"s{i:03d}" for i in range(400)], "hours": x, 'score "x': y})
    connection.register("students_frame", frame)
    connection.execute("create table students as select * from students_frame")
    page = PageDefinition("p", "p.html.j2", {
        "bivariate_pairs": "select 1 as pair_order, 'hours' as x_column, 'score \"x' as y_column, true as is_drawable",
        **data_quality_queries("bivariate_statistics", "bivariate_sample")})
    relations = {"stg_students": connection.table("students")}
    settings = {"scatter_sample_size": 150, "sample_seed": 42}
    with input_views(connection, relations):
        results = run_queries(connection, page, relations, settings)
        again = run_queries(connection, page, relations, settings)
    row = results["bivariate_statistics"].first
    assert row["n"] == 400
    assert row["pearson_r"] == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    assert row["spearman_rho"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert (row["slope"], row["intercept"]) == pytest.approx(tuple(np.polyfit(x, y, 1)), abs=1e-9)
    sample = results["bivariate_sample"].frame
    assert len(sample) == 150 and sample.equals(again["bivariate_sample"].frame)
    drawn = frame.set_index(["hours", 'score "x']).index
    assert sample.set_index(["x", "y"]).index.isin(drawn).all()


def test_bivariate_pairs_statistics_with_their_drawn_points():
    statistics = [
        {"x_column": "b", "y_column": "GPA", "n": 3000, "pearson_r": 0.9, "spearman_rho": 0.88, "slope": 1.0,
         "intercept": 0.1},
        {"x_column": "a", "y_column": "GPA", "n": 50, "pearson_r": None, "spearman_rho": None, "slope": None,
         "intercept": None},
    ]
    sample = pd.DataFrame({"x_column": ["b"] * 3, "y_column": ["GPA"] * 3, "x": [1.0, 2.0, 3.0], "y": [2.0, 3.0, 4.5]})
    first, second = bivariate(statistics, sample)
    assert (first.x_column, second.x_column) == ("b", "a")
    assert first.association.pearson_p == pytest.approx(correlation_p_value(0.9, 3000))
    assert first.sample_y.tolist() == [2.0, 3.0, 4.5] and len(second.sample_x) == 0
    assert math.isnan(second.association.pearson_r) and second.row["n_drawn"] == 0


def test_a_query_can_be_written_out_from_an_earlier_result(connection):
    connection.execute('create table wide as select range as "a b", range * 2 as "c""d" from range(4)')
    page = PageDefinition("p", "p.html.j2", {
        "columns": "select unnest(['a b', 'c\"d']) as name",
        "sums": "{% for column in rows('columns') %}select {{ column.name | sql_string }} as name, "
                "sum({{ column.name | sql_identifier }}) as total from {{ ref('wide') }}"
                "{{ ' union all ' if not loop.last }}{% endfor %}",
    })
    relations = {"wide": connection.table("wide")}
    with input_views(connection, relations):
        results = run_queries(connection, page, relations, {})
    assert results["sums"].rows == [{"name": "a b", "total": 6}, {"name": 'c"d', "total": 12}]
    with pytest.raises(ReportDefinitionError, match="rows\\('later'\\) names no earlier query"):
        run_queries(connection, PageDefinition("p", "p.html.j2", {"a": "{{ rows('later') }}"}), {}, {})


# ---- a whole site from a small templates folder ---------------------------------------------------------------

def test_render_site_writes_pages_and_index_and_lists_them(tmp_path, connection):
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("_layout.html.j2", "_index.html.j2"):
        (templates / name).write_text((PROJECT_DIR / "reports" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (templates / "scores.html.j2").write_text(
        '{% extends "_layout.html.j2" %}{% block title %}Scores & more{% endblock %}{% block content %}'
        '<p id="total">{{ format(q.total.first.n, "count") }}</p><p id="label">{{ q.total.first.label }}</p>'
        '{{ data_table(q.listing, {"id": "Id", "score": "Score"}, {"score": "count"}) }}'
        '{{ histograms(q.listing, "kind", "id", "score", "score", x_label="v", y_label="n") }}{% endblock %}',
        encoding="utf-8")
    (templates / "scores.sql").write_text(
        "-- name: listing\nselect id, score, 'all' as kind from {{ ref('scores') }} order by id\n"
        "-- name: total\nselect sum(score) as n, '<b>bold</b>' as label from {{ query('listing') }}\n",
        encoding="utf-8")
    out = tmp_path / "out"
    listing = render_site(connection, {"scores": connection.table("scores")},
                          {"reports_dir": str(out), "students_path": None}, templates,
                          datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert listing[["page", "title", "n_charts", "n_tables"]].to_dict("records") == [
        {"page": "scores", "title": "Scores & more", "n_charts": 1, "n_tables": 1}]
    html = (out / "scores.html").read_text(encoding="utf-8")
    assert listing.loc[0, "bytes"] == len(html.encode("utf-8"))
    assert '<p id="total">100</p>' in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "Rendered 2026-01-02 03:04 UTC" in html and "built-in synthetic cohort" in html
    assert 'href="scores.html"' in (out / "index.html").read_text(encoding="utf-8")
