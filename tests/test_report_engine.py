"""Unit tests of the report engine: page definitions, queries, formatting, escaping, charts, statistics."""

import ast
import math
import re
import gzip
import json
from datetime import datetime, timezone

import duckdb
import jsonschema
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import PROJECT_DIR
from student_personas.reports import assets, charts
from student_personas.reports.components import Components, bivariate, metric
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
from student_personas.sql_functions import correlation_p_value, register


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
    """The DAG stays honest: python_models/report_pages.py refs every table a page reads, and no other (but
    the settings it renders with)."""
    source = (PROJECT_DIR / "python_models" / "report_pages.py").read_text(encoding="utf-8")
    model_refs = {
        call.args[0].value for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "ref"
    }
    page_refs = set().union(*(referenced_tables(page) for page in discover_pages(PROJECT_DIR / "reports")))
    assert page_refs and model_refs == page_refs | {"stg_settings"}


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
    assert '<td class="num" data-value="1200.0">1,200</td>' in html and '<td class="num">—</td>' in html
    assert components.n_tables == 1
    assert components.data_table([], {"n": "N"}, empty="Nothing <here>.") == '<p class="empty">Nothing &lt;here&gt;.</p>'
    assert components.n_tables == 1


def test_a_table_column_can_take_its_kind_from_each_row():
    components = Components("p")
    html = components.data_table(
        [{"feature": "GPA", "mean": 3.5912, "kind": "number"}, {"feature": "level=A", "mean": 0.4672, "kind": "percent"}],
        {"feature": "Feature", "mean": "Mean"}, {"mean": "kind"})
    assert '<td class="num" data-value="3.5912">3.59</td>' in html and '<td class="num" data-value="0.4672">46.7%</td>' in html
    assert '<th scope="col" class="num">Mean</th>' in html


def test_metric_escapes_label_and_note():
    html = metric("<b>Rows</b>", 1000, "count", note="a & b")
    assert "&lt;b&gt;Rows&lt;/b&gt;" in html and "a &amp; b" in html and ">1,000<" in html


def test_tables_sort_by_raw_values_filter_by_shown_values_and_mark_persona_rows():
    components = Components("p")
    rows = [{"persona": "Quiet <one>", "tier": "RED", "n": 1234.5, "count": "1200", "pid": 2},
            {"persona": "Busy", "tier": "GREEN", "n": None, "count": "<10", "pid": 1},
            {"persona": "Quiet <one>", "tier": "GREEN", "n": 7.0, "count": "15", "pid": 2}]
    html = components.data_table(rows, {"persona": "Persona", "tier": "Tier", "n": "Mean", "count": "Students"},
                                 {"n": "number", "count": "count"}, filters=["persona", "tier"], persona="pid")
    assert 'id="p-table-1" data-sortable' in html
    assert '<td class="num" data-value="1234.5">1,234.50</td>' in html and '<td class="num">—</td>' in html
    assert '<td class="num" data-value="1200.0">1,200</td>' in html and '<td class="num">&lt;10</td>' in html
    assert html.count('<tr data-persona="2">') == 2 and html.count('<tr data-persona="1">') == 1
    persona_select = re.search(r'<select data-filter-column="0">(.*?)</select>', html).group(1)
    assert re.findall(r'<option value="([^"]*)">', persona_select) == ["", "Quiet &lt;one&gt;", "Busy"]
    assert '<select data-filter-column="1">' in html and "data-table-search" not in html
    long_table = components.data_table([{"a": i} for i in range(13)], {"a": "A"}, {"a": "count"})
    assert "data-table-search" in long_table and 'data-table="p-table-2"' in long_table
    with pytest.raises(ValueError, match="filters name columns the table does not show: tier"):
        components.data_table(rows, {"persona": "Persona"}, filters=["tier"])


def test_the_persona_selector_lists_every_persona_escaped():
    html = Components("p").persona_selector([{"id": 1, "name": "A & B"}, {"id": 2, "name": "<C>"}], "id", "name")
    assert '<select data-persona-select><option value="">none</option><option value="1">1 · A &amp; B</option>' \
           '<option value="2">2 · &lt;C&gt;</option></select>' in html


def test_a_profile_chart_needs_a_row():
    components = Components("p")
    with pytest.raises(ValueError, match="at least one row"):
        components.radar([], "c", "d", limit=2, title="t")
    html = components.radar([{"c": "a", "d": 1.0}], "c", "d", limit=2, title="Persona 1 <vs> cohort", persona=1)
    assert 'aria-label="Persona 1 &lt;vs&gt; cohort"' in html and len(components.charts) == 1


def test_chart_titles_from_data_cannot_inject_markup():
    components = Components("p")
    hostile = "</script><img src=x onerror=alert(1)>"
    html = components.bar_charts([{"column": hostile, "level": "a", "n": 3}], "column", "level", "n",
                                 x_label="students")
    assert "<img" not in html and "</script><img" not in html
    spec = chart_specs(html)[0]
    assert spec["title"]["text"] == hostile  # the spec still reads the name as written
    assert len(components.charts) == 1


# ---- charts -------------------------------------------------------------------------------------------------

SCHEMA = json.loads(gzip.decompress((PROJECT_DIR / "tests" / "fixtures" / "vega-lite-6.5.0-schema.json.gz")
                                    .read_bytes()))
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def chart_specs(html: str) -> list[dict]:
    """The Vega-Lite specs of the charts in a page's markup, in page order."""
    return [json.loads(text) for text in
            re.findall(r'<script type="application/json" data-chart-spec="[^"]+">(.*?)</script>', html, re.S)]


def bound_data(spec: dict) -> list[list]:
    """Every inline dataset of a spec (top level and layers)."""
    return [part["data"]["values"] for part in [spec, *spec.get("layer", [])] if "data" in part]


def every_chart(components: Components) -> str:
    """One chart of each kind, with missing values and NaN in the data as the warehouse can hand them over."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    cells = [{"x_start": i * 0.1, "x_end": (i + 1) * 0.1, "y_start": j * 0.1, "y_end": (j + 1) * 0.1,
              "persona_id": 1 + (i + j) % 3, "n_students": 1 + i * j} for i in range(5) for j in range(5)]
    cells.append({**cells[0], "persona_id": 2, "n_students": 4})  # two personas in one cell: the larger colours it
    html = [
        components.histograms([{"c": "GPA", "s": 0.0, "e": 1.0, "n": 5}, {"c": "GPA", "s": 1.0, "e": 2.0, "n": 9}],
                              "c", "s", "e", "n", x_label="value", y_label="students"),
        components.bar_charts([{"c": "SES", "l": "Low", "n": 10}, {"c": "SES", "l": "High", "n": 30}], "c", "l", "n",
                              x_label="students"),
        components.heatmap([{"x": "a", "y": "b", "r": 0.5}, {"x": "a", "y": "c", "r": None},
                            {"x": "b", "y": "c", "r": math.nan}], "x", "y", "r", title="r", colorbar_label="Pearson r"),
        components.matrix_heatmap([{"p": "persona 1", "g": "x", "v": 0.6, "t": None, "pid": 1},
                                   {"p": "persona 1", "g": "y", "v": None, "t": "<10", "pid": 1},
                                   {"p": "persona 2", "g": "x", "v": 2.5, "t": None, "pid": 2}],
                                  "p", "g", "v", title="ratio", colorbar_label="ratio", scale="ratio",
                                  missing_text="t", persona="pid"),
        components.matrix_heatmap([{"f": "GPA", "h": "F1\nGPA\n+ Age", "v": 0.1}, {"f": "Age", "h": "F1\nGPA\n+ Age", "v": 0.7}],
                                  "f", "h", "v", title="loadings", colorbar_label="loading", scale="magnitude"),
        components.sweep([{"k": 2, "a": 0.3, "b": 0.5, "e": 0.02}, {"k": 3, "a": 0.2, "b": None, "e": None},
                          {"k": 4, "a": 0.1, "b": 0.6, "e": 0.1}], "k",
                         {"training": ("a", None), "held-out": ("b", "e")},
                         marks=[(3, "chosen: 3"), (4, "lowest training error: 4")], title="rank", x_label="rank",
                         y_label="error", log_y=True),
        components.sweep([{"k": 2, "i": 10.0}, {"k": 3, "i": 6.0}], "k", {"inertia": ("i", None)},
                         marks=[(3, "chosen: 3")], title="elbow", x_label="k", y_label="inertia"),
        components.group_density(cells, [{"persona_id": g, "x": 0.1 * g, "y": 0.2, "name": f"p{g}"} for g in (1, 2, 3)],
                                 x="x", y="y", group="persona_id", label="name", title="factor space", x_label="F1",
                                 y_label="F2"),
        components.radar([{"c": c, "d": d} for c, d in [("GPA", 1.2), ("Age", -0.4), ("Attendance_Rate", 3.1)]],
                         "c", "d", limit=2, title="radar", persona=1),
        components.intervals([{"l": "p1", "r": 0.05, "lo": 0.03, "hi": 0.1, "n": None, "pid": 1},
                              {"l": "p2", "r": None, "lo": None, "hi": None, "n": "<10 positives", "pid": 2}],
                             "l", "r", "lo", "hi", note="n", reference=0.02, reference_label="all", title="rate",
                             x_label="rate", persona="pid"),
        components.grouped_bars([{"l": "Gender", "v": 0.08, "c": 0.05}, {"l": "SES", "v": 0.05, "c": None}], "l",
                                {"V": "v", "corrected V": "c"}, title="V", x_label="V"),
        components.dot_comparison([{"l": "GPA", "a": 0.7, "b": 1.1}, {"l": "Age", "a": -3.2, "b": None}], "l",
                                  {"student 7": "a", "peers": "b"}, limit=2.5, title="student vs peers", x_label="SD",
                                  reference_label="cohort"),
    ]
    pair = bivariate([{"x_column": "a", "y_column": "b", "n_students": 300, "pearson_r": 0.9, "pearson_p": 1e-9,
                       "spearman_rho": 0.8, "spearman_p": 2e-5, "slope": 2.0, "intercept": None}],
                     [{**cell, "x_column": "a", "y_column": "b"} for cell in cells])[0]
    html.append(components.scatter(pair))
    return "".join(html)


def test_every_chart_is_a_valid_vega_lite_spec_with_its_data_bound_and_no_nan():
    components = Components("p")
    html = every_chart(components)
    specs = chart_specs(html)
    assert len(specs) == len(components.charts) == 13
    for spec in specs:
        errors = list(VALIDATOR.iter_errors(spec))
        assert not errors, (spec["title"], errors[0].message)
        assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
        assert any(values for values in bound_data(spec)), spec["title"]
    text = "".join(re.findall(r"data-chart-spec=\"[^\"]+\">(.*?)</script>", html, re.S))
    assert not re.search(r"\bNaN\b|Infinity", text)
    nulls = [row for spec in specs for values in bound_data(spec) for row in values if None in row.values()]
    assert nulls  # missing values are null, not dropped or NaN
    assert [chart.chart_id for chart in components.charts] == [f"p-chart-{n}" for n in range(1, 14)]
    assert [chart.renderer for chart in components.charts].count("svg") == 13  # 300 points: SVG


def test_persona_charts_declare_the_highlight_parameter_and_carry_persona_ids():
    components = Components("p")
    specs = chart_specs(every_chart(components))
    with_persona = [spec["title"]["text"] for spec in specs if {"name": "persona", "value": None} in spec.get("params", [])]
    assert with_persona == ["ratio", "factor space", "radar", "rate"]
    density = next(spec for spec in specs if spec["title"]["text"] == "factor space")
    drawn = density["layer"][0]["data"]["values"]
    assert {row["persona_id"] for row in drawn} == {1, 2, 3} and len(drawn) == 25  # one rect per cell
    assert next(row for row in drawn if row["x_start"] == 0 and row["y_start"] == 0)["persona_id"] == 2  # 4 of 5
    assert "persona === null" in json.dumps(density["layer"][0]["encoding"]["opacity"])


def test_withheld_heatmap_cells_read_their_marker_and_carry_no_value():
    components = Components("p")
    html = components.matrix_heatmap([{"p": "A", "tier": "GREEN", "share": 0.7869, "note": None},
                                      {"p": "A", "tier": "RED", "share": None, "note": "suppressed"}],
                                     "p", "tier", "share", title="t", colorbar_label="share", scale="magnitude",
                                     missing_text="note", kind="percent")
    cells = chart_specs(html)[0]["data"]["values"]
    assert [(cell["column"], cell["value"], cell["text"]) for cell in cells] == [
        ("GREEN", 0.7869, "78.7%"), ("RED", None, "suppressed")]


def test_spec_json_cannot_close_its_script_element_and_reads_back_exactly():
    value = {"label": "</script><script>alert(1)</script> & <!--", "n": math.nan, "big": np.float64(1 / 3)}
    text = charts.to_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "NaN" not in text
    assert json.loads(text) == {"label": value["label"], "n": None, "big": 0.3333333333}


def test_wide_inputs_get_stepped_axes_turned_headers_and_wrapped_titles():
    """70 columns and 40 levels: every category gets its own step, headers that cannot lie flat are turned
    with a step their line height fits in, and a long title wraps instead of being cut."""
    names = [f"Feature_with_a_long_name_{i:02d}" for i in range(70)]
    cells = [{"row": a, "column": b, "value": 0.1, "text": "0.10"} for a in names for b in names]
    spec = charts.heatmap(cells, names, names, title="Pearson correlation of numeric features",
                          colorbar_label="Pearson r")
    axis = spec["encoding"]["x"]["axis"]
    assert axis["labelAngle"] == -45 and spec["width"]["step"] >= 20 and spec["height"]["step"] >= 14
    assert axis["labelLimit"] >= charts._text_width(names)  # no header is cut
    bars = charts.bars([f"Level {i} of a coded category" for i in range(40)], list(range(40)), title="x",
                       x_label="students")
    assert bars["height"] == {"step": 18}
    loadings = charts.heatmap([{"row": "GPA", "column": f"F{i}\nGPA + Age\n+ Credits", "value": 0.1, "text": "x"}
                               for i in range(4)], ["GPA"], [f"F{i}\nGPA + Age\n+ Credits" for i in range(4)],
                              title="Factor loadings", colorbar_label="loading", scale="magnitude")
    assert loadings["encoding"]["x"]["axis"]["labelAngle"] == 0 and loadings["encoding"]["x"]["axis"]["labelPadding"] > 20
    long_title = "A very long attribute name that goes on and on: representation ratio by persona and group"
    assert charts.wrap_title(long_title) == [
        "A very long attribute name that goes on and on:", "representation ratio by persona and group"]
    assert charts.group_density([], list(range(8)), ["a"] * 8, [0.0] * 8, [0.0] * 8, title="t", x_label="x",
                                y_label="y")["layer"][0]["encoding"]["color"]["legend"]["columns"] == 2


def test_pages_inline_the_pinned_libraries_only_where_they_are_needed(tmp_path):
    with_chart = Components("a")
    with_chart.radar([{"c": "a", "d": 1.0}], "c", "d", limit=2, title="t")
    scripts = with_chart.page_scripts()
    assert [name for name in re.findall(r'<script data-library="([^"]+)">', scripts)] == [
        "vega@6.4.0", "vega-lite@6.5.0", "vega-embed@7.3.0", "report"]
    assert "http" not in assets.page_script()
    tables_only = Components("b")
    tables_only.data_table([{"a": 1}], {"a": "A"})
    assert re.findall(r'data-library="([^"]+)"', tables_only.page_scripts()) == ["report"]
    assert Components("c").page_scripts() == ""
    copy = tmp_path / "vega.min.js"
    copy.write_bytes(assets.LIBRARIES[0].path.read_bytes() + b"\n// changed")
    changed = assets.VendoredLibrary("vega", "6.4.0", "vega.min.js", assets.LIBRARIES[0].sha256)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assets, "VENDOR_DIR", tmp_path)
        with pytest.raises(ValueError, match="is not the pinned vega 6.4.0 build"):
            assets.read_library(changed)


# ---- statistics ----------------------------------------------------------------------------------------------

def test_correlation_p_values_match_scipy():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, 500)
    y = 0.05 * x + rng.normal(0, 1, 500)
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
    assert correlation_p_value(pearson.statistic, 500) == pytest.approx(pearson.pvalue, rel=1e-9)
    assert correlation_p_value(spearman.statistic, 500) == pytest.approx(spearman.pvalue, rel=1e-9)
    assert correlation_p_value(-1.0, 50) == 0.0
    assert correlation_p_value(0.5, 2) is None and correlation_p_value(None, 50) is None
    with duckdb.connect() as connection:
        register(connection)
        assert connection.execute("select correlation_p_value(?, 500)", [pearson.statistic]).fetchone()[0] == \
            pytest.approx(pearson.pvalue, rel=1e-9)
        assert connection.execute("select correlation_p_value(null, 500)").fetchone()[0] is None


def test_bivariate_pairs_statistics_with_their_cells():
    statistics = [
        {"x_column": "b", "y_column": "GPA", "n_students": 3000, "pearson_r": 0.9, "pearson_p": 1e-9,
         "spearman_rho": 0.88, "spearman_p": 1e-8, "slope": 1.0, "intercept": 0.1},
        {"x_column": "a", "y_column": "GPA", "n_students": 50, "pearson_r": None, "pearson_p": None,
         "spearman_rho": None, "spearman_p": None, "slope": None, "intercept": None},
    ]
    cells = [{"x_column": "b", "y_column": "GPA", "x_start": float(i), "x_end": i + 1.0, "y_start": 2.0, "y_end": 3.0,
              "n_students": 1000} for i in range(3)]
    first, second = bivariate(statistics, cells)
    assert (first.x_column, second.x_column) == ("b", "a")
    assert len(first.cells) == 3 and second.cells == []
    components = Components("p")
    html = components.scatter(first) + components.scatter(second)
    assert ("Pearson r = +0.900 (p &lt; 0.001), Spearman ρ = +0.880 (p &lt; 0.001); all 3,000 students, counted in a "
            "20 × 20 grid") in html
    specs = chart_specs(html)
    assert [row["n_students"] for row in specs[0]["layer"][0]["data"]["values"]] == [1000] * 3
    assert "x" not in specs[0]["layer"][0]["data"]["values"][0]  # cells, never points
    assert "Pearson r = — (p = —)" in html
    assert len(chart_specs(html)[1]["layer"]) == 1  # no line without a fit



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
