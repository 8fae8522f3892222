"""The rendered reports, end to end: real dbt builds, numbers checked against the warehouse, and each page
opened from disk in headless Chromium (screenshot, charts drawn, no console error, no request out)."""

import csv
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from conftest import run_dbt
from student_personas.reports.formatting import format_value

CHROMIUM = os.environ.get("PERSONAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags that let Chromium run headless in a container with no network; each launch gets a fresh profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def reports_dir(run) -> Path:
    return run.database.parent / "reports"


def page_html(run, page: str = "data_quality") -> str:
    return (reports_dir(run) / f"{page}.html").read_text(encoding="utf-8")


class PageReader(HTMLParser):
    """The visible text of metric tiles, table rows and captions of a rendered page."""

    def __init__(self, text: str):
        super().__init__()
        self.metrics: dict[str, tuple[str, str]] = {}
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self._text: list[str] = []
        self._metric: dict[str, str] = {}
        self._row: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._stack.append((tag, dict(attrs).get("class", "")))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        if tag in {"td", "th", "figcaption"} or self._stack[-1][1].startswith("metric-"):
            self._text = []

    def handle_endtag(self, tag):
        _, css_class = self._stack.pop()
        text = " ".join("".join(self._text).split())
        if tag in {"td", "th"}:
            self._row.append(text)
        elif tag == "tr":
            self.tables[-1].append(self._row)
        elif tag == "figcaption":
            self.captions.append(text)
        elif css_class.startswith("metric-"):
            self._metric[css_class] = text
            if css_class == "metric-label":
                self.metrics[text] = (self._metric["metric-value"], "")
            elif css_class == "metric-note":
                self.metrics[self._metric["metric-label"]] = (self._metric["metric-value"], text)

    def handle_data(self, data):
        self._text.append(data)

    def table(self, *headers: str) -> list[list[str]]:
        """The body rows of the first table whose header row starts with ``headers``."""
        return next(table[1:] for table in self.tables if table[0][:len(headers)] == list(headers))


def summary_value(run, check_name, column="count"):
    return run.scalar(f"select {column} from data_quality_summary where check_name = ?", [check_name])


# ---- the built-in cohort -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def builtin_page(builtin_build):
    return PageReader(page_html(builtin_build))


def test_volumes_and_label_prevalence_equal_the_warehouse(builtin_build, builtin_page):
    metrics = builtin_page.metrics
    for label, check in [("Input rows", "input_rows"), ("Clean rows", "clean_rows"), ("Rejected rows", "rejected_rows")]:
        assert metrics[label][0] == format_value(summary_value(builtin_build, check), "count")
    positives, clean, rate, low, high = builtin_build.query(
        "select count, denominator, rate, ci_lower, ci_upper from data_quality_summary "
        "where check_name = 'label_prevalence'")[0]
    value, note = metrics["Dropout_Risk prevalence"]
    assert value == format_value(rate, "percent") == format_value(positives / clean, "percent")
    assert note == f"95% Wilson interval {format_value(low, 'percent')} to {format_value(high, 'percent')}"
    assert f"is positive for {positives} of {format_value(clean, 'count')} clean students" in " ".join(
        page_html(builtin_build).split())


def test_range_checks_table_lists_every_rule_with_its_count(builtin_build, builtin_page):
    expected = [[column, rule, format_value(count, "count"), format_value(rate, "percent")]
                for column, rule, count, rate in builtin_build.query(
                    "select column_name, detail, count, rate from data_quality_summary "
                    "where check_name = 'range_violation'")]
    assert sorted(builtin_page.table("Column", "Rule")) == sorted(expected)


def test_numeric_summary_matches_stg_students(builtin_build, builtin_page):
    summary = {row[0]: row for row in builtin_page.table("Column", "Students", "Mean")}
    numeric = [name for (name,) in builtin_build.query(
        "select column_name from stg_column_roles where role = 'feature' and kind = 'numeric' order by column_position")]
    assert list(summary) == numeric
    for column in numeric:
        mean, median = builtin_build.query(f'select avg("{column}"), median("{column}") from stg_students')[0]
        assert summary[column][2] == format_value(mean, "number")
        assert summary[column][5] == format_value(median, "number")


def test_strongest_correlation_and_scatter_statistics_match_stg_students(builtin_build, builtin_page):
    numeric = [name for (name,) in builtin_build.query(
        "select source_column from feature_encoding where feature_kind = 'numeric' and is_used")]
    columns = {name: np.array([value for (value,) in builtin_build.query(f'select "{name}" from stg_students')])
               for name in numeric}
    correlations = {(a, b): np.corrcoef(columns[a], columns[b])[0, 1]
                    for i, a in enumerate(numeric) for b in numeric[i + 1:]}
    (x_name, y_name), strongest = max(correlations.items(), key=lambda item: abs(item[1]))
    top = builtin_page.table("Rank")[0]
    assert top == ["1", x_name, y_name, format_value(strongest, "signed"), "1,000"]

    gpa, attendance = columns["GPA"], columns["Attendance_Rate"]
    caption = next(text for text in builtin_page.captions if text.startswith("Pearson r")
                   and f"= {format_value(stats.pearsonr(attendance, gpa).statistic, 'signed')} " in text)
    assert f"Spearman ρ = {format_value(stats.spearmanr(attendance, gpa).statistic, 'signed')}" in caption
    assert "all 1,000 students drawn" in caption


def test_report_pages_table_lists_what_was_written(builtin_build):
    page, path, size, charts, tables = builtin_build.query(
        "select page, path, bytes, n_charts, n_tables from report_pages")[0]
    written = Path(path)
    assert page == "data_quality" and written == reports_dir(builtin_build) / "data_quality.html"
    assert size == written.stat().st_size
    text = written.read_text(encoding="utf-8")
    assert charts == text.count('<figure class="chart"') and tables == text.count('<table class="data">')
    numeric, categorical = builtin_build.query(
        "select count(*) filter (where kind = 'numeric'), "
        "count(*) filter (where kind = 'categorical' or role = 'protected') from stg_column_roles")[0]
    assert charts == numeric + categorical + 1 + 4  # histograms, bars, the heatmap, four scatter plots
    assert 'href="data_quality.html"' in (reports_dir(builtin_build) / "index.html").read_text(encoding="utf-8")


def test_playbook_table_shows_every_seed_row(builtin_build, builtin_page):
    playbook = builtin_page.table("Column", "Group vs cohort")
    assert len(playbook) == builtin_build.scalar("select count(*) from support_playbook") > 0
    features = {name for (name,) in builtin_build.query("select column_name from stg_column_roles where role = 'feature'")}
    assert {row[0] for row in playbook} == features  # the built-in schema is covered, column by column


# ---- an own schema with bad rows: rejects, escaping, skipped pairs, playbook gaps ----------------------------

@pytest.fixture(scope="module")
def own_schema_build(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("own_schema")
    rows = [["learner", "cohort", "hours", "score"],
            *[[f"L-{i:03d}", "A" if i % 3 else "B", str(i % 7 + i / 10), str(50 + i % 40)] for i in range(80)]]
    rows[10][3] = "abc"
    rows[20][3] = "<script>alert(1)</script>"
    rows[30][2] = "200"
    rows.append(list(rows[5]))  # an exact duplicate of data row 5
    path = workdir / "students.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    run = run_dbt(workdir, variables={
        "students_path": str(path), "id_column": "learner", "label_column": None, "protected_columns": [],
        "categorical_columns": {}, "range_rules": {"score": [0, 100], "hours": [0, 168]},
        "report_bivariate_pairs": [{"x": "hours", "y": "score"}, {"x": "Attendance_Rate", "y": "GPA"}],
        "report_scatter_sample_size": 25})
    assert run.returncode == 0, run.output[-3000:]
    return run


def test_rejections_on_the_page_equal_the_quarantine(own_schema_build):
    page = PageReader(page_html(own_schema_build))
    assert page.metrics["Rejected rows"][0] == format_value(
        own_schema_build.scalar("select count(*) from student_rejects"), "count") == "4"
    expected = own_schema_build.query(
        "select detail, column_name, count from data_quality_summary where check_name = 'rejected_by_check'")
    shown = page.table("Check")
    assert sorted((check, column, int(count)) for check, column, count, _ in shown) == sorted(expected)
    examples = {row[0]: row[3] for row in page.table("Input row")}
    for row_number, reason in own_schema_build.query("select source_row_number, reason from student_rejects"):
        assert examples[str(row_number)] == reason


def test_data_is_escaped_on_the_page(own_schema_build):
    text = page_html(own_schema_build)
    assert "<script>alert(1)</script>" not in text
    assert "score is &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39;, which is not a number" in text


def test_absent_pairs_are_skipped_and_said_so_and_samples_are_drawn(own_schema_build):
    text = " ".join(page_html(own_schema_build).split())
    assert "Skipped GPA vs Attendance_Rate: Attendance_Rate and GPA are not a numeric feature of this input." in text
    clean = own_schema_build.scalar("select count(*) from stg_students")
    caption = next(c for c in PageReader(page_html(own_schema_build)).captions if c.startswith("Pearson r"))
    assert caption.endswith(f"25 of {clean} students drawn (seeded sample).")
    assert "No label column is configured" in text
    assert "No playbook action yet for these features of this input: cohort, hours, score." in re.sub(
        r"</?code>", "", text)


# ---- real browser ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the browser tests and is not at {CHROMIUM}: "
                    "apt-get install chromium (or set PERSONAS_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_in_browser(browser, path: Path, screenshot: Path) -> dict:
    """Open a file in a fresh page, take a full-page screenshot, and return what a reader would meet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"request: {request.url}")
            if not request.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.screenshot(path=str(screenshot), full_page=True)
    seen = {
        "problems": problems,
        "text_length": len(page.inner_text("body").strip()),
        "chart_sizes": page.eval_on_selector_all(
            "figure.chart > svg", "svgs => svgs.map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])"),
        "links": page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"),
    }
    context.close()
    return seen


def assert_not_blank(screenshot: Path):
    from PIL import Image

    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=float)
    assert pixels.shape[0] > 900 and pixels.std() > 10, f"{screenshot} looks blank"


@pytest.mark.parametrize("build_name", ["builtin_build", "own_schema_build"])
def test_pages_render_in_chromium_with_every_chart_and_no_error(request, browser, tmp_path, build_name):
    run = request.getfixturevalue(build_name)
    for page, charts in run.query("select page, n_charts from report_pages"):
        seen = open_in_browser(browser, reports_dir(run) / f"{page}.html", tmp_path / f"{page}.png")
        assert seen["problems"] == []
        assert seen["text_length"] > 1000
        assert len(seen["chart_sizes"]) == charts > 0
        assert all(width > 200 and height > 100 for width, height in seen["chart_sizes"]), seen["chart_sizes"]
        assert_not_blank(tmp_path / f"{page}.png")
    index = open_in_browser(browser, reports_dir(run) / "index.html", tmp_path / "index.png")
    assert index["problems"] == [] and "data_quality.html" in index["links"]


def test_browser_check_catches_console_errors_and_requests_out(browser, tmp_path):
    """The browser check can fail: a page that logs an error and fetches from a server is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><p>text</p><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    problems = open_in_browser(browser, page, tmp_path / "broken.png")["problems"]
    assert "console error: boom" in problems
    assert "request: http://127.0.0.1:9/x.png" in problems
