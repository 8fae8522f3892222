"""Unit tests of the report engine: page definitions, queries, formatting, escaping, charts, statistics."""

import ast
import math
import re
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

def _parsed_svg(svg: str):
    root = ElementTree.fromstring(svg)
    assert root.tag == SVG_TAG and root.get("viewBox")
    return root


def test_every_chart_function_returns_valid_svg():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    svgs = [
        charts.histogram_svg([0, 1, 2], [1, 2, 3], [5, 9, 2], title="GPA", x_label="value", y_label="students",
                             chart_id="h"),
        charts.bar_svg(["Low", "High"], [10, 30], title="SES", x_label="students", chart_id="b"),
        charts.heatmap_svg(np.array([[1, 0.5], [0.5, 1]]), ["a", "b"], title="r", colorbar_label="Pearson r",
                           chart_id="m"),
        charts.scatter_svg(x, 2 * x, slope=2, intercept=0, title="y vs x", x_label="x", y_label="y", chart_id="s"),
        charts.heatmap_svg(np.array([[0.6, np.nan, 1.9], [1.0, 2.5, 0.3]]), ["persona 1", "persona 2"],
                           ["F1\nGPA\n+ Age", "F2", "F3"], title="ratio", colorbar_label="ratio", chart_id="r",
                           scale="ratio", cell_text=[["0.60", "<10", "1.90"], ["1.00", "2.50", "0.30"]]),
        charts.heatmap_svg(np.array([[0.1, 0.7], [0.5, 0.0]]), ["GPA", "Age"], ["F1", "F2"], title="loadings",
                           colorbar_label="loading", chart_id="l", scale="magnitude"),
        charts.sweep_svg([2, 3, 4], [("training", [0.3, 0.2, 0.1], None), ("held-out", [0.5, 0.4, 0.6], [0.02, 0.01, 0.1])],
                         marks=[(3, "chosen: 3"), (4, "lowest training error: 4")], title="rank", x_label="rank",
                         y_label="error", chart_id="w", log_y=True),
        charts.group_scatter_svg(x, x ** 2, np.arange(300) % 3, [0, 1, 2], ["a", "b", "c (unstable)"], [0, 1, 2],
                                 [0, 1, 4], title="factor space", x_label="F1", y_label="F2", chart_id="g"),
        charts.radar_svg(["GPA", "Age", "Attendance_Rate"], [1.2, -0.4, 3.1], limit=2, title="radar", chart_id="p"),
        charts.interval_svg(["p1", "p2"], [0.05, None], [0.03, None], [0.1, None], reference=0.02,
                            reference_label="all", notes=[None, "<10 positives"], title="rate", x_label="rate",
                            chart_id="i"),
        charts.grouped_bar_svg(["Gender", "SES"], [("V", [0.08, 0.05]), ("corrected V", [0.05, 0.0])], title="V",
                               x_label="V", chart_id="v"),
        charts.dot_comparison_svg(["GPA", "Age", "Hours"], [("student 7", [0.7, -3.2, None]), ("peers", [1.1, -0.4, 0.2])],
                                  limit=2.5, title="student vs peers", x_label="SD", reference_label="cohort",
                                  chart_id="c"),
    ]
    for svg in svgs:
        _parsed_svg(svg)
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg
        # Only references inside the SVG itself or inline data: nothing to fetch.
        assert not re.search(r'(href|src)="(?!#|data:)', svg)


def test_chart_ids_are_stable_per_chart_id_and_differ_between_charts():
    def draw(chart_id):
        return charts.bar_svg(["a"], [1], title="t", x_label="n", chart_id=chart_id)

    def ids(svg):
        return {element.get("id") for element in _parsed_svg(svg).iter() if element.get("id")}

    assert draw("page-chart-1") == draw("page-chart-1")
    assert ids(draw("page-chart-1")).isdisjoint(ids(draw("page-chart-2")))


def test_chart_text_is_svg_text_in_a_font_family_with_fallbacks():
    root = _parsed_svg(charts.bar_svg(["Low", "High"], [10, 30], title="SES by group", x_label="students", chart_id="t"))
    texts = [element for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "SES by group" in [element.text for element in texts]
    assert all("font-family: 'DejaVu Sans', 'Arial', 'Helvetica', sans-serif" in element.get("style") for element in texts)
    assert not [element for element in root.iter() if "DejaVuSans-" in (element.get("id") or "")]  # no glyph paths


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


def test_dollar_signs_in_labels_are_drawn_literally():
    svg = charts.bar_svg(["$5 $10"], [1], title="cost_$ in $", x_label="$", chart_id="d")
    _parsed_svg(svg)


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
