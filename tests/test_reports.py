"""The rendered reports, end to end: real dbt builds, numbers checked against the warehouse, and each page
opened from disk in headless Chromium (screenshot, charts drawn, no console error, no request out)."""

import csv
import json
import os
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import OVERRIDDEN_PERSONA, PROJECT_DIR, run_dbt
from student_personas.naming import deficit_terms_in
from student_personas.reports.formatting import format_value

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

CHROMIUM = os.environ.get("PERSONAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags that let Chromium run headless in a container with no network; each launch gets a fresh profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def reports_dir(run) -> Path:
    return run.reports_dir


def page_path(run, page: str) -> Path:
    """Where the build wrote `page`: the published pages in the reports folder, the staff-only student
    lookup in its own subfolder."""
    folder = "staff_only_student_level" if page == "students" else ""
    return reports_dir(run) / folder / f"{page}.html"


def page_html(run, page: str = "data_quality") -> str:
    return page_path(run, page).read_text(encoding="utf-8")


# Elements that flow within a line of text; every other element separates words.
INLINE_TAGS = {"a", "b", "code", "em", "i", "span", "strong", "sub", "sup"}


class PageReader(HTMLParser):
    """The visible text of metric tiles, table rows and captions of a rendered page, its links, and all its
    visible text (charts, scripts and the stylesheet left out)."""

    def __init__(self, text: str):
        super().__init__()
        self.metrics: dict[str, tuple[str, str]] = {}
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self._text: list[str] = []
        self._visible: list[str] = []
        self._hidden_depth = 0
        self._metric: dict[str, str] = {}
        self._row: list[str] | None = None
        self.feed(text)

    @property
    def text(self) -> str:
        """Every visible word of the page as a reader sees it, whitespace collapsed."""
        return " ".join("".join(self._visible).split())

    def handle_starttag(self, tag, attrs):
        self._stack.append((tag, dict(attrs).get("class", "")))
        if tag not in INLINE_TAGS:
            self._visible.append(" ")
        self._hidden_depth += tag in {"svg", "style", "script"}
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith("#") and href != "index.html":
            self.links.append(href)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        if tag in {"td", "th", "figcaption"} or self._stack[-1][1].startswith("metric-"):
            self._text = []

    def handle_endtag(self, tag):
        _, css_class = self._stack.pop()
        if tag not in INLINE_TAGS:
            self._visible.append(" ")
        self._hidden_depth -= tag in {"svg", "style", "script"}
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
        if not self._hidden_depth:
            self._visible.append(data)

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
    value, note = metrics["dropout risk flag prevalence"]  # the worked example's label_name
    assert value == format_value(rate, "percent") == format_value(positives / clean, "percent")
    assert note == f"95% Wilson interval {format_value(low, 'percent')} to {format_value(high, 'percent')}"
    assert f"dropout risk flag” holds for {positives} of {format_value(clean, 'count')} clean students" in " ".join(
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
    assert top == ["1", x_name, y_name, format_value(strongest, "signed"), "1,000",
                   format_value(stats.spearmanr(columns[x_name], columns[y_name]).statistic, "signed")]

    gpa, attendance = columns["GPA"], columns["Attendance_Rate"]
    caption = next(text for text in builtin_page.captions if text.startswith("Pearson r")
                   and f"= {format_value(stats.pearsonr(attendance, gpa).statistic, 'signed')} " in text)
    assert f"Spearman ρ = {format_value(stats.spearmanr(attendance, gpa).statistic, 'signed')}" in caption
    assert "all 1,000 students, counted in a 20 × 20 grid" in caption


def test_feature_correlations_match_scipy_and_the_page_shows_exactly_them(builtin_build, builtin_page):
    """feature_correlations against scipy on stg_students (Pearson, Spearman with tied values sharing their
    mean rank, p-values), and every correlation on the data-quality page (heatmap and table) equal to it."""
    marts = builtin_build.frame("select * from feature_correlations order by pair_index")
    numeric = [name for (name,) in builtin_build.query(
        "select column_name from stg_column_roles where role = 'feature' and kind = 'numeric' order by column_position")]
    assert len(marts) == len(numeric) * (len(numeric) - 1) // 2 and marts.is_used.all()
    students = builtin_build.frame("select * from stg_students")
    tied = 0
    for row in marts.itertuples():
        x, y = students[row.x_column].to_numpy(float), students[row.y_column].to_numpy(float)
        tied += len(np.unique(x)) < len(x)
        pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)
        assert row.n_students == len(x)
        assert row.pearson_r == pytest.approx(pearson.statistic, abs=1e-12)
        assert row.spearman_rho == pytest.approx(spearman.statistic, abs=1e-12)
        assert row.pearson_p == pytest.approx(pearson.pvalue, rel=1e-6, abs=1e-300)
        assert row.spearman_p == pytest.approx(spearman.pvalue, rel=1e-6, abs=1e-300)
    assert tied > 50  # most pairs have a column with tied values (counts, scores)
    assert marts.sort_values("strength_rank").pearson_r.abs().is_monotonic_decreasing

    html = page_html(builtin_build)
    heatmap = chart_spec(html, "Pearson correlation of numeric features")
    shown = {(cell["row"], cell["column"]): cell["value"] for cell in heatmap["data"]["values"]}
    assert len(shown) == len(numeric) ** 2
    for row in marts.itertuples():
        assert shown[(row.x_column, row.y_column)] == shown[(row.y_column, row.x_column)] == pytest.approx(
            row.pearson_r, abs=1e-9)
    strongest = {(row[1], row[2]): row for row in builtin_page.table("Rank")}
    assert len(strongest) == 10
    for row in marts[marts.strength_rank <= 10].itertuples():
        assert strongest[(row.x_column, row.y_column)] == [
            str(row.strength_rank), row.x_column, row.y_column, format_value(row.pearson_r, "signed"),
            format_value(row.n_students, "count"), format_value(row.spearman_rho, "signed")]


def test_distributions_and_fits_are_the_marts(builtin_build, builtin_page):
    bins = builtin_build.frame("select * from feature_distributions order by column_position, bin_index")
    clean = builtin_build.scalar("select count(*) from stg_students")
    assert (bins.groupby("source_column").n_students.sum() == clean).all()
    gpa = builtin_build.frame('select "GPA" as v from stg_students').v
    gpa_bins = bins[bins.source_column == "GPA"]
    assert gpa_bins.n_bins.iloc[0] == 30 and gpa_bins.bin_start.min() == gpa.min()
    counts, _ = np.histogram(gpa, bins=30, range=(gpa.min(), gpa.max()))
    assert dict(zip(gpa_bins.bin_index, gpa_bins.n_students)) == {i: n for i, n in enumerate(counts) if n}
    histogram = chart_spec(page_html(builtin_build), "Histogram of GPA")
    assert [row["n"] for row in histogram["data"]["values"]] == gpa_bins.n_students.tolist()
    fits = builtin_build.frame("select * from feature_bivariate_fits order by pair_order")
    assert fits.selection.eq("requested").all() and fits.is_drawable.all() and len(fits) == 4
    attendance = builtin_build.frame('select "Attendance_Rate" as x, "GPA" as y from stg_students')
    slope, intercept = np.polyfit(attendance.x, attendance.y, 1)
    first = fits.iloc[0]
    assert (first.x_column, first.y_column) == ("Attendance_Rate", "GPA")
    assert (first.slope, first.intercept) == pytest.approx((slope, intercept), abs=1e-9)
    assert [row[:3] for row in builtin_page.table("y", "x", "Students")] == [
        [row.y_column, row.x_column, format_value(row.n_students, "count")] for row in fits.itertuples()]


def test_without_configured_pairs_the_strongest_correlations_are_drawn(edited_build):
    fits = edited_build.frame("select * from feature_bivariate_fits order by pair_order")
    strongest = edited_build.query("select x_column, y_column, pearson_r from feature_correlations "
                                   "where strength_rank <= 4 order by strength_rank")
    assert fits.selection.eq("strongest").all() and fits.is_drawable.all()
    assert list(zip(fits.x_column, fits.y_column, fits.pearson_r)) == strongest
    html = page_html(edited_build)
    for row in fits.itertuples():
        spec = chart_spec(html, f"{row.y_column} vs {row.x_column}")
        line = spec["layer"][1]["data"]["values"]
        assert line[0]["y"] == pytest.approx(row.slope * line[0]["x"] + row.intercept)


def test_report_pages_table_lists_what_was_written(builtin_build):
    listing = {page: row for page, *row in builtin_build.query(
        "select page, path, bytes, n_charts, n_tables from report_pages")}
    assert sorted(listing) == ["data_quality", "personas", "personas_context", "students"]
    for page, (path, size, charts, tables) in listing.items():
        written = Path(path)
        assert written == page_path(builtin_build, page) and size == written.stat().st_size
        text = written.read_text(encoding="utf-8")
        assert charts == text.count('<figure class="chart') and tables == text.count('<table class="data"')
    numeric, categorical, protected = builtin_build.query(
        "select count(*) filter (where kind = 'numeric' and role = 'feature'), "
        "count(*) filter (where kind = 'categorical' or role = 'protected'), "
        "count(*) filter (where role = 'protected') from stg_column_roles")[0]
    personas = builtin_build.scalar("select count(*) from persona_summary")
    assert listing["data_quality"][2] == numeric + categorical + 1 + 4  # histograms, bars, heatmap, four scatters
    # rank sweep, silhouette and elbow, loadings, factor space, one profile each (the example student and their
    # similar students are on the staff-only lookup page)
    assert listing["personas"][2] == 3 + 1 + 1 + personas
    parity_charts = builtin_build.scalar("select count(distinct metric) from fairness_flag_parity_published "
                                         "where group_value <> 'All students' and rate is not null")
    assert 0 < parity_charts < 5  # flag rates are shown, rates among the rare positives are withheld
    # label intervals, Cramér's V, one composition heatmap each, tiers by persona, a parity chart per metric shown
    assert listing["personas_context"][2] == 1 + 1 + protected + 1 + parity_charts
    assert listing["students"][2] == 1  # the example's peer profile; the lookup draws its tables in the browser
    index = PageReader((reports_dir(builtin_build) / "index.html").read_text(encoding="utf-8"))
    assert index.links == [f"{page}.html" for page in sorted(listing) if page != "students"]


def test_the_student_level_page_is_kept_apart_from_the_published_pages(builtin_build):
    """The lookup embeds student-level data: it is written to staff_only_student_level/, the index (a
    published page) does not link it, and no published page file holds it."""
    audiences = dict(builtin_build.query("select page, audience from report_pages"))
    assert audiences.pop("students") == "staff_only_student_level" and set(audiences.values()) == {"published"}
    folder = reports_dir(builtin_build)
    assert sorted(p.name for p in folder.glob("*.html")) == sorted([f"{page}.html" for page in audiences] + ["index.html"])
    assert (folder / "staff_only_student_level" / "students.html").exists()
    assert "students.html" not in (folder / "index.html").read_text(encoding="utf-8")


def test_playbook_table_shows_every_seed_row(builtin_build, builtin_page):
    playbook = builtin_page.table("Column", "Group vs cohort")
    assert len(playbook) == builtin_build.scalar("select count(*) from support_playbook") > 0
    features = {name for (name,) in builtin_build.query("select column_name from stg_column_roles where role = 'feature'")}
    assert {row[0] for row in playbook} == features  # the built-in schema is covered, column by column


# ---- the persona page ---------------------------------------------------------------------------------------

MIN_CONTRAST = 0.2  # var name_min_contrast: the contrast size that names use and playbook actions need


def persona_cards(html: str) -> dict[int, dict]:
    """Each persona card of the persona page by persona id: whether it is styled unstable, its contents
    read with PageReader, and its playbook actions in order."""
    cards = {}
    for unstable, persona_id, body in re.findall(
            r'<article class="persona-card( unstable)?" id="persona-(\d+)">(.*?)</article>', html, re.S):
        cards[int(persona_id)] = {"unstable": bool(unstable), "page": PageReader(body),
                                  "actions": [unescape(action) for action in re.findall(r"<li><strong>(.*?)</strong>", body)]}
    return cards


def expected_actions(run) -> dict[int, list[str]]:
    """Playbook actions per persona, computed here from the warehouse tables: contrasts of at least
    MIN_CONTRAST SD; a numeric column is below/above the cohort by its sign, an ordered categorical column is
    below (above) when its first (last) declared level is more common in the persona; largest first."""
    profiles = run.query("select profiles.persona_id, profiles.source_column, profiles.level, "
                         "profiles.standardized_difference, roles.allowed_levels "
                         "from persona_profiles as profiles join stg_column_roles as roles "
                         "on roles.column_name = profiles.source_column")
    playbook = run.query("select source_column, direction, action from support_playbook")
    matches = []
    for persona_id, column, level, difference, declared in profiles:
        if abs(difference) < MIN_CONTRAST:
            continue
        if level is None:
            direction = "below" if difference < 0 else "above"
        elif difference > 0 and declared and level in (declared[0], declared[-1]):
            direction = "below" if level == declared[0] else "above"
        else:
            continue
        matches += [(persona_id, -abs(difference), column, action)
                    for action_column, action_direction, action in playbook
                    if (action_column, action_direction) == (column, direction)]
    actions: dict[int, list[str]] = {}
    for persona_id, _, _, action in sorted(matches):
        actions.setdefault(persona_id, []).append(action)
    return actions


@pytest.fixture(scope="module")
def persona_page(builtin_build):
    return PageReader(page_html(builtin_build, "personas"))


def test_model_selection_on_the_persona_page_equals_the_warehouse(builtin_build, persona_page):
    def chosen(stage):
        return builtin_build.scalar("select any_value(parameter_value) from model_selection "
                                    "where stage = ? and is_chosen", [stage])

    rank, k = chosen("nmf_rank"), chosen("kmeans_k")
    by_training, largest = builtin_build.query(
        "select arg_min(parameter_value, value), max(parameter_value) from model_selection "
        "where stage = 'nmf_rank' and metric = 'training_error'")[0]
    assert persona_page.metrics["Factors"][0] == str(rank) and persona_page.metrics["Personas"][0] == str(k)
    text = persona_page.text
    assert f"so on its own it would choose rank {by_training}, the largest rank tried" in text
    assert by_training == largest and f"the held-out error chooses {rank} factors" in text
    sweep = builtin_build.query("select parameter_value, value from model_selection "
                                "where stage = 'kmeans_k' and metric = 'silhouette' order by parameter_value")
    table = persona_page.table("k", "Silhouette")
    assert [(row[0], row[1]) for row in table] == [(str(value), format_value(score, "score")) for value, score in sweep]
    assert [row[0] for row in table if row[-1] == "chosen"] == [str(k)]
    assert persona_page.metrics["Silhouette"][0] == format_value(dict(sweep)[k], "score")


def test_factor_and_svd_tables_equal_the_warehouse(builtin_build, persona_page):
    factors = builtin_build.query("select factor_id, factor_label, reconstruction_share from factors order by factor_id")
    assert [row[:3] for row in persona_page.table("Factor", "Label", "Share of reconstruction")] == [
        [f"F{factor}", label, format_value(share, "percent")] for factor, label, share in factors]
    matches = builtin_build.query("select factor_id, svd_component, abs_cosine_similarity from svd_comparison "
                                  "order by factor_id")
    assert [[row[0], row[2], row[3]] for row in persona_page.table("Factor", "Label", "SVD component")] == [
        [str(factor), str(component), format_value(cosine, "score")] for factor, component, cosine in matches]
    assert "all 1,000 students, counted in a 24 × 24 grid (a published page shows no one student's scores)." in \
        persona_page.captions


def like_me_example(run) -> str:
    """The example student, chosen here as the page says: the first student id of the largest persona."""
    assignments = run.frame("select student_id, persona_id from persona_assignments")
    sizes = assignments.persona_id.value_counts()
    largest = min(sizes[sizes == sizes.max()].index)
    return min(assignments.student_id[assignments.persona_id == largest])


@pytest.fixture(scope="module")
def staff_page(builtin_build):
    return PageReader(page_html(builtin_build, "students"))


def test_students_like_me_example_shows_its_neighbours_and_peer_profile(builtin_build, staff_page):
    """The example student is on the staff-only lookup page: a published page shows no student."""
    persona_page = staff_page
    example = like_me_example(builtin_build)
    neighbours = builtin_build.frame(f"select * from students_like_me where student_id = '{example}' order by neighbour_rank")
    persona = builtin_build.scalar(f"select persona_id from persona_assignments where student_id = '{example}'")
    assert len(neighbours) == 10
    assert persona_page.table("Rank", "Student", "Similarity") == [
        [str(row.neighbour_rank), row.neighbour_id, format_value(row.similarity, "score"), str(row.neighbour_persona_id),
         "yes" if row.neighbour_persona_id == persona else "no"] for row in neighbours.itertuples()]
    same = int((neighbours.neighbour_persona_id == persona).sum())
    assert persona_page.metrics["In the same persona"] == (format_value(same / 10, "percent"),
                                                           f"{same} of the 10 similar students")
    profile = builtin_build.frame(f"select * from peer_profiles where student_id = '{example}'").set_index("source_column")
    shown = {row[0]: row[1:] for row in persona_page.table("Column", f"Student {example}")}
    assert sorted(shown) == sorted(profile.index)
    for column, row in profile.iterrows():
        values = builtin_build.frame(f'select "{column}" as v from stg_students').v
        peers = builtin_build.frame(f'select avg(s."{column}") as v from students_like_me l join stg_students s '
                                    f"on s.student_id = l.neighbour_id where l.student_id = '{example}'").v[0]
        assert peers == pytest.approx(row.peer_mean) and values.mean() == pytest.approx(row.cohort_mean)
        sd = values.std(ddof=0)
        assert shown[column] == [format_value(row.own_value, "number"), format_value(peers, "number"),
                                 format_value(values.mean(), "number"),
                                 format_value((row.own_value - values.mean()) / sd, "signed"),
                                 format_value((peers - values.mean()) / sd, "signed")]
    assert "Only ids, similarities, personas and the peer-profile columns are shown." in persona_page.text


def like_me_sql(run, page: str = "students") -> list[str]:
    """The statements of a page's "How to query this in SQL" box."""
    box = re.search(r'<pre id="like-me-sql"><code>(.*?)</code></pre>', page_html(run, page), re.S).group(1)
    return [statement.strip() for statement in unescape(box).split(";") if statement.strip()]


def test_the_sql_box_runs_against_the_warehouse_and_returns_the_shown_neighbours(builtin_build, staff_page):
    neighbours_sql, profile_sql = like_me_sql(builtin_build)
    example = like_me_example(builtin_build)
    assert neighbours_sql == f"select * from students_like('{example}', 10)"
    found = builtin_build.query(neighbours_sql)
    shown = staff_page.table("Rank", "Student", "Similarity")
    assert [student for student, _, _ in found] == [row[1] for row in shown]
    assert [format_value(similarity, "score") for _, _, similarity in found] == [row[2] for row in shown]
    profile = builtin_build.frame(profile_sql)
    assert sorted(profile.source_column) == sorted(row[0] for row in staff_page.table("Column", f"Student {example}"))


def test_the_published_personas_page_names_no_student_and_its_sql_box_runs_for_any_id(builtin_build, persona_page):
    example = like_me_example(builtin_build)
    assert "An example" not in persona_page.text and f"Student {example}" not in persona_page.text
    assert not any(table[0][:2] == ["Rank", "Student"] for table in persona_page.tables)
    neighbours_sql, profile_sql = like_me_sql(builtin_build, "personas")
    assert neighbours_sql == "select * from students_like('<student id>', 10)"
    assert len(builtin_build.query(neighbours_sql.replace("<student id>", example))) == 10
    assert builtin_build.frame(profile_sql.replace("<student id>", example)).source_column.nunique() >= 1


def test_share_of_similar_students_in_their_own_persona_per_persona(builtin_build, persona_page):
    pairs = builtin_build.frame(
        "select l.student_id, a.persona_id, l.neighbour_persona_id = a.persona_id as same "
        "from students_like_me l join persona_assignments a using (student_id)")
    share = pairs.groupby(["persona_id", "student_id"]).same.mean().groupby("persona_id")
    names = dict(builtin_build.query("select persona_id, persona_name from persona_summary"))
    shown = {row[0]: row[1:] for row in persona_page.table("Persona", "Students", "Mean share in own persona")}
    assert sorted(shown) == sorted(names.values())
    for persona_id, shares in share:
        assert shown[names[persona_id]] == [
            format_value(len(shares), "count"), format_value(shares.mean(), "percent"),
            format_value(shares.median(), "percent"), format_value((shares == 1).mean(), "percent"),
            format_value((shares <= 0.5).mean(), "percent")]


def test_every_persona_has_a_card_with_its_numbers_features_and_playbook_actions(builtin_build):
    cards = persona_cards(page_html(builtin_build, "personas"))
    summary = builtin_build.frame("select * from persona_summary order by persona_id")
    assert sorted(cards) == summary.persona_id.tolist()
    actions = expected_actions(builtin_build)
    assert sum(len(listed) for listed in actions.values()) >= len(summary)  # the built-in playbook covers them
    for persona in summary.itertuples():
        card = cards[persona.persona_id]
        assert f"Persona {persona.persona_id} {persona.persona_name}" in card["page"].text
        assert persona.description in card["page"].text
        metrics = card["page"].metrics
        assert metrics["Students"][0] == format_value(persona.n_students, "count")
        assert metrics["Share of cohort"][0] == format_value(persona.share, "percent")
        assert metrics["Bootstrap Jaccard"][0] == format_value(persona.bootstrap_jaccard_mean, "score")
        assert card["actions"] == actions.get(persona.persona_id, [])
        contrasts = builtin_build.query(
            "select feature, standardized_difference from persona_profiles where persona_id = ? "
            "and abs(standardized_difference) >= ? order by abs(standardized_difference) desc, feature limit 6",
            [persona.persona_id, MIN_CONTRAST])
        assert [[row[0], row[3]] for row in card["page"].table("Feature")] == [
            [feature, format_value(difference, "signed")] for feature, difference in contrasts]
        assert "Stable grouping" in card["page"].text and not card["unstable"]


def test_unstable_personas_are_marked_on_every_page(edited_build):
    stability = dict(edited_build.query("select persona_id, is_stable from persona_stability"))
    assert set(stability.values()) == {True, False}, "the strict threshold should leave some personas unstable"
    cards = persona_cards(page_html(edited_build, "personas"))
    names = dict(edited_build.query("select persona_id, persona_name from persona_summary"))
    for persona_id, is_stable in stability.items():
        assert cards[persona_id]["unstable"] == (not is_stable)
        assert ("Unstable grouping" in cards[persona_id]["page"].text) == (not is_stable)
    shown = {int(row[0]): row[1] for row in PageReader(page_html(edited_build, "personas")).table("Persona", "Name")}
    context = {row[0] for row in PageReader(page_html(edited_build, "personas_context")).table("Persona", "Students")}
    for persona_id, is_stable in stability.items():
        marked = names[persona_id] + ("" if is_stable else " (unstable)")
        assert shown[persona_id] == marked and marked in context


def test_renaming_a_persona_in_the_seed_changes_the_reports(builtin_build, edited_build):
    persona_id, name = OVERRIDDEN_PERSONA
    before = persona_cards(page_html(builtin_build, "personas"))[persona_id]["page"].text
    after = persona_cards(page_html(edited_build, "personas"))[persona_id]["page"].text
    assert name not in before and "Name set by an analyst" not in before
    assert f"Persona {persona_id} {name}" in after and "Name set by an analyst" in after
    assert name not in page_html(builtin_build, "personas_context")
    assert name in PageReader(page_html(edited_build, "personas_context")).text


# ---- the context and fairness page ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def context_page(builtin_build):
    return PageReader(page_html(builtin_build, "personas_context"))


def test_cramers_v_table_equals_the_warehouse(builtin_build, context_page):
    expected = builtin_build.query("select protected_attribute, chi_square, degrees_of_freedom, p_value, cramers_v, "
                                   "cramers_v_corrected from fairness_association_published")
    shown = {row[0]: row for row in context_page.table("Protected attribute")}
    assert sorted(shown) == sorted(row[0] for row in expected)
    for attribute, chi_square, df, p_value, v, v_corrected in expected:
        assert shown[attribute][3:] == [format_value(chi_square, "number"), format_value(df, "count"),
                                        format_value(p_value, "p_value"),
                                        format_value(v, "score"), format_value(v_corrected, "score")]


def test_composition_shows_published_shares_and_withheld_cells(builtin_build, context_page):
    published = builtin_build.frame("select summary.persona_name, published.* from fairness_composition_published "
                                    "as published join persona_summary as summary using (persona_id)")
    attributes = [name for (name,) in builtin_build.query(
        "select column_name from stg_column_roles where role = 'protected' order by column_position")]
    tables = [table for table in context_page.tables if table[0][:2] == ["Persona", "Group"]]
    shown = {(attribute, row[0], row[1]): row[2:] for attribute, table in zip(attributes, tables, strict=True)
             for row in table[1:]}
    assert len(shown) == len(published)
    visible = published[~published.is_suppressed].iloc[0]
    assert shown[(visible.protected_attribute, visible.persona_name, visible.group_value)] == [
        format_value(visible.n_students, "count"), format_value(visible.share_of_persona, "percent"),
        format_value(visible.cohort_share, "percent"), format_value(visible.representation_ratio, "number")]
    small = published[published.n_students == "suppressed"]
    assert len(small) > 0, "the built-in cohort has small composition cells"
    for row in small.itertuples():
        students, share, _, ratio = shown[(row.protected_attribute, row.persona_name, row.group_value)]
        assert (students, share, ratio) == ("suppressed", "—", "—")


def test_label_context_shows_no_rate_or_count_behind_a_small_cell(builtin_build, context_page):
    published = builtin_build.frame("select * from persona_outcome_context_published")
    rows = {row[0]: row for row in context_page.table("Persona", "Students", "Positives")}
    overall = published[published.scope == "all students"].iloc[0]
    assert rows["All students"][1:4] == [format_value(int(overall.n_students), "count"), overall.positives,
                                         format_value(overall.rate, "percent")]
    small = published[published.positives == "suppressed"]
    assert len(small) > 0, "the built-in cohort has personas with fewer than 10 positives"
    raw = dict(builtin_build.query("select persona_id, positives from persona_outcome_context where scope = 'persona'"))
    for row in small.itertuples():
        _, _, positives, rate, low, high, p_value, caution = rows[row.persona_name]
        assert (positives, rate, low, high, p_value) == ("suppressed", "—", "—", "—", "—")
        assert str(raw[row.persona_id]) not in caution and "withheld" in caution
    assert "are shown as \"suppressed\"" in context_page.text


def chart_spec(html: str, title: str) -> dict:
    """The Vega-Lite spec of the chart labelled ``title``."""
    figure = re.search(rf'<figure class="chart[^"]*" aria-label="{re.escape(title)}">(.*?)</figure>', html, re.S)
    return json.loads(re.search(r'<script type="application/json" data-chart-spec="[^"]+">(.*?)</script>',
                                figure.group(1), re.S).group(1))


def figure_texts(html: str, title: str) -> list[str]:
    """Every value the chart titled ``title`` carries in its data (what it can draw or show on hover)."""
    spec = chart_spec(html, title)
    datasets = [part["data"]["values"] for part in [spec, *spec.get("layer", [])] if "data" in part]
    return [str(value) for values in datasets for row in values for value in row.values() if value is not None]


def test_tier_counts_and_tiers_by_persona_are_the_published_ones(builtin_build, context_page):
    published = builtin_build.frame("select p.*, s.persona_name from context_tier_counts_published p "
                                    "left join persona_summary s using (persona_id)")
    for row in published[published.scope == "all students"].itertuples():
        value, note = context_page.metrics[f"{row.tier} tier"]
        assert value == format_value(row.n_students, "count")
        share = "share not shown" if pd.isna(row.share) else f"{format_value(row.share, 'percent')} of students"
        assert note.startswith(f"{share}; context score ")
    per_persona = published[published.scope == "persona"]
    shown = {(row[0], row[1]): row[2:] for row in context_page.table("Persona", "Tier", "Students")}
    assert len(shown) == len(per_persona)
    for row in per_persona.itertuples():
        assert shown[(row.persona_name, row.tier)] == [format_value(row.n_students, "count"),
                                                       format_value(row.share, "percent")]
    assert "This section will" not in context_page.text and "Planned" not in context_page.text


def test_no_tier_count_from_1_to_9_appears_on_the_page(builtin_build, context_page):
    raw = builtin_build.frame("select c.*, s.persona_name from context_tier_counts c "
                              "left join persona_summary s using (persona_id)")
    small = raw[raw.n_students.between(1, 9)]
    assert len(small) > 0, "the built-in cohort has a persona with fewer than 10 students in a tier"
    shown = {(row[0], row[1]): row[2:] for row in context_page.table("Persona", "Tier", "Students")}
    counts = [value for value, _ in context_page.metrics.values()] + [row[0] for row in shown.values()]
    assert not [count for count in counts if count.isdigit() and 1 <= int(count) <= 9]
    heatmap = figure_texts(page_html(builtin_build, "personas_context"), "Context tier by persona")
    for row in small.itertuples():
        assert shown[(row.persona_name, row.tier)] == ["suppressed", "—"]
        assert format_value(row.share, "percent") not in heatmap  # nor the share that would give the count away
    assert "suppressed" in heatmap


def test_parity_tables_show_published_rates_and_withhold_the_rest(builtin_build, context_page):
    published = builtin_build.frame("select * from fairness_flag_parity_published")
    attributes = [name for (name,) in builtin_build.query(
        "select column_name from stg_column_roles where role = 'protected' order by column_position")]
    labels = {"flag_rate": "Flag rate", "true_positive_rate": "True positive rate",
              "false_positive_rate": "False positive rate", "positive_predictive_value": "Positive predictive value",
              "negative_predictive_value": "Negative predictive value"}
    tables = [table for table in context_page.tables if table[0][:3] == ["Metric", "Group", "Numerator"]]
    shown = {(attribute, row[0], row[1]): row[2:] for attribute, table in zip(attributes, tables, strict=True)
             for row in table[1:]}
    assert len(shown) == len(published)
    visible = published[published.rate.notna() & (published.group_value != "All students")].iloc[0]
    assert shown[(visible.protected_attribute, labels[visible.metric], visible.group_value)] == [
        format_value(visible.numerator, "count"), format_value(visible.denominator, "count"),
        format_value(visible.rate, "percent"), format_value(visible.ci_lower, "percent"),
        format_value(visible.ci_upper, "percent"), format_value(visible.difference_from_all_students, "points")]
    withheld = published[published.numerator == "suppressed"]
    assert len(withheld) > 0
    for row in withheld.itertuples():
        numerator, _, rate, low, high, difference = shown[(row.protected_attribute, labels[row.metric], row.group_value)]
        assert numerator == row.numerator and (rate, low, high, difference) == ("—", "—", "—", "—")
    assert "most of these cells are withheld" in context_page.text
    caption = next(text for text in context_page.captions if "group rates shown" in text)
    groups = published[(published.metric == "flag_rate") & (published.group_value != "All students")]
    assert caption.startswith(f"{groups.rate.notna().sum()} of {len(groups)} group rates shown")


def test_label_audit_is_off_by_default_and_the_page_says_how_to_enable_it(builtin_build, context_page):
    assert builtin_build.scalar("select count(*) from label_signal_audit_published") == 0
    assert "The label-signal audit is off; build with --vars '{label_signal_audit: true}'" in context_page.text
    assert not [table for table in context_page.tables if table[0][:2] == ["Model", "ROC-AUC"]]


def test_label_audit_when_enabled_shows_its_interpretation_and_published_counts(edited_build):
    page = PageReader(page_html(edited_build, "personas_context"))
    audit = edited_build.frame("select * from label_signal_audit")
    published = edited_build.frame("select * from label_signal_audit_published").set_index("model")
    assert f" {audit.interpretation.iloc[0]} " in f" {page.text} "
    rows = page.table("Model", "ROC-AUC")
    assert len(rows) == len(audit) == 4
    names = {"logistic_regression": "Logistic regression (cross-validated)",
             "decision_tree": "Decision tree (cross-validated)",
             "context_indicator_leave_one_out": "Context indicator, own label left out",
             "context_indicator": "Context indicator as published (in-sample)"}
    shown = {row[0]: row[1:] for row in rows}
    for model, row in published.iterrows():
        assert shown[names[model]] == [
            format_value(row.roc_auc, "score"), format_value(row.pr_auc, "score"),
            *(format_value(row[column], "count") for column in
              ["flagged", "true_positives", "false_positives", "false_negatives", "true_negatives"]),
            format_value(row.recall, "percent"), format_value(row.precision, "percent")]
    assert (published.true_positives == "suppressed").any()  # about 20 positives: few of them among the flagged
    for model in published.index[published.true_positives == "suppressed"]:
        assert shown[names[model]][3] == "suppressed" and shown[names[model]][-2:] == ["—", "—"]


def test_pages_use_no_deficit_language(builtin_build, edited_build, planted_build):
    """Page text, persona names, descriptions and actions stay neutral, and nothing reads as a forecast. The
    input's own column names and the playbook's (such as Courses_Failed or the label's name) are data, not
    wording, and are left out of the check; "predictive value" is the name of a fairness metric."""
    for run in (builtin_build, edited_build, planted_build):
        columns = sorted((name for (name,) in run.query(
            "select column_name from stg_column_roles union select source_column from support_playbook "
            "union select column_name from data_quality_summary where check_name = 'label_prevalence'")),
            key=len, reverse=True)
        for (page,) in run.query("select page from report_pages"):
            text = PageReader(page_html(run, page)).text
            for column in columns:
                text = text.replace(column, " ")
            assert deficit_terms_in(text) == [], page
            assert not re.findall(r"\bpredict(?:s|ed|ing)?\b", text, re.I), page


# ---- an own schema with bad rows: rejects, escaping, skipped pairs, playbook gaps ----------------------------

# A level of a categorical feature that would run a script if a page printed it as markup.
HOSTILE_LEVEL = "B</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def own_schema_build(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("own_schema")
    rows = [["learner", "cohort", "hours", "score"],
            *[[f"L-{i:03d}", "A" if i % 3 else HOSTILE_LEVEL, str(i % 7 + i / 10), str(50 + i % 40)] for i in range(80)]]
    rows[10][3] = "abc"
    rows[20][3] = "<script>alert(1)</script>"
    rows[30][2] = "200"
    rows.append(list(rows[5]))  # an exact duplicate of data row 5
    path = workdir / "students.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    run = run_dbt(workdir, base_vars={}, variables={
        "students_path": str(path), "id_column": "learner", "range_rules": {"score": [0, 100], "hours": [0, 168]},
        "report_bivariate_pairs": [{"x": "hours", "y": "score"}, {"x": "cohort", "y": "score"}]})
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
    # The page is published: it counts rejected rows, and leaves the rows themselves to staff.
    assert not [table for table in page.tables if "Input row" in table[0]]
    assert "are in student_rejects in the warehouse, for staff" in " ".join(page.text.split())


def test_data_is_escaped_on_the_page(own_schema_build):
    """A value of the file reaches the published pages (a level of a categorical feature) only escaped; the
    rejected row holding the same text is counted on the page, never printed."""
    for page in ("data_quality", "personas", "personas_context", "students"):
        text = page_html(own_schema_build, page)
        assert "<script>alert(1)</script>" not in text, page
    text = page_html(own_schema_build)
    escaped = ("B&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "B\\u003c/script\\u003e\\u003cscript\\u003ealert(1)")
    assert any(form in text for form in escaped)


def test_absent_pairs_are_skipped_and_said_so_and_pairs_are_counted_in_a_grid(own_schema_build):
    text = " ".join(page_html(own_schema_build).split())
    assert "Skipped score vs cohort: cohort is not a numeric feature of this input." in text
    clean = own_schema_build.scalar("select count(*) from int_student_records")
    caption = next(c for c in PageReader(page_html(own_schema_build)).captions if c.startswith("Pearson r"))
    assert caption.endswith(f"all {clean} students, counted in a 20 × 20 grid (darker cells hold more students).")
    cells = own_schema_build.query("select sum(n_students), count(distinct pair_order) from feature_bivariate_bins")
    assert cells == [(own_schema_build.scalar("select count(*) from int_student_records where hours is not null "
                                              "and score is not null"), 1)]
    assert "No label is configured" in text
    assert "No playbook action yet for these features of this input: cohort, hours, score." in re.sub(
        r"</?code>", "", text)


def test_pages_without_a_label_or_protected_attributes_say_so(own_schema_build):
    context = PageReader(page_html(own_schema_build, "personas_context")).text
    assert "No label column is configured (var label_column), so there is no label context to describe." in context
    assert "No protected attributes are declared (var protected_columns), so there is nothing to check." in context
    assert "No label column is configured (var label_column), so there is no context indicator and no parity to " \
           "describe." in context
    personas = PageReader(page_html(own_schema_build, "personas"))
    profiles = re.findall(r'aria-label="Persona \d+ vs cohort \(SD\)"', page_html(own_schema_build, "personas"))
    assert len(profiles) == own_schema_build.scalar("select count(*) from persona_summary")  # two columns suffice
    assert {row[0] for row in own_schema_build.query("select distinct source_column from peer_profiles")} == {
        "hours", "score"}  # peer profiles default to every numeric feature
    assert len(PageReader(page_html(own_schema_build, "students")).table("Rank", "Student", "Similarity")) == 10
    students = own_schema_build.scalar("select count(*) from persona_assignments")
    assert f"all {students} students, counted in a 24 × 24 grid (a published page shows no one student's scores)." \
        in personas.captions


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


CHARTS_DRAWN = ("() => !document.querySelector('[data-chart-spec]') || "
                "document.body.hasAttribute('data-charts-rendered')")


def watch(page) -> list[str]:
    """Console errors, page errors and every request that leaves the file, as they happen."""
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"request: {request.url}")
            if not request.url.startswith(("file:", "data:", "about:")) else None)
    return problems


def open_page(browser, path: Path):
    """A fresh browser page with ``path`` loaded, its charts drawn, and the problems it reported so far."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch(page)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    return context, page, problems


def open_in_browser(browser, path: Path, screenshot: Path) -> dict:
    """Open a file in a fresh page, wait for its charts, take a full-page screenshot, and return what a
    reader would meet: per chart container, whether it was drawn and the size of its SVG or canvas."""
    context, page, problems = open_page(browser, path)
    page.screenshot(path=str(screenshot), full_page=True)
    seen = {
        "problems": problems,
        "text_length": len(page.inner_text("body").strip()),
        "charts": page.eval_on_selector_all(
            "figure.chart .vega-chart", """charts => charts.map(chart => {
                const drawn = chart.querySelector('svg, canvas');
                const box = drawn ? drawn.getBoundingClientRect() : {width: 0, height: 0};
                return [chart.getAttribute('data-rendered'), drawn ? drawn.tagName.toLowerCase() : null,
                        box.width, box.height];
            })"""),
        "links": page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"),
    }
    context.close()
    return seen


def assert_not_blank(screenshot: Path):
    from PIL import Image

    pixels = np.asarray(Image.open(screenshot).convert("L"), dtype=float)
    assert pixels.shape[0] > 900 and pixels.std() > 10, f"{screenshot} looks blank"


@pytest.mark.parametrize("build_name", ["builtin_build", "own_schema_build", "edited_build", "planted_build"])
def test_pages_render_in_chromium_with_every_chart_and_no_error(request, browser, tmp_path, build_name):
    run = request.getfixturevalue(build_name)
    pages = run.query("select page, n_charts from report_pages order by page")
    assert [page for page, _ in pages] == ["data_quality", "personas", "personas_context", "students"]
    for page, charts in pages:
        seen = open_in_browser(browser, page_path(run, page), tmp_path / f"{page}.png")
        assert seen["problems"] == []
        assert seen["text_length"] > 1000
        assert len(seen["charts"]) == charts
        assert all(rendered == "true" and kind in ("svg", "canvas") and width > 200 and height > 80
                   for rendered, kind, width, height in seen["charts"]), seen["charts"]
        assert_not_blank(tmp_path / f"{page}.png")
    if build_name == "builtin_build":  # with a label and protected attributes every page has charts
        assert all(charts > 0 for page, charts in pages if page != "students")
    index = open_in_browser(browser, reports_dir(run) / "index.html", tmp_path / "index.png")
    assert index["problems"] == [] and {f"{page}.html" for page, _ in pages if page != "students"} <= set(index["links"])


@pytest.fixture(scope="module")
def context_in_browser(browser, builtin_build):
    """The built-in context page open in Chromium, charts drawn; tests share it (each leaves it as found)."""
    context, page, problems = open_page(browser, reports_dir(builtin_build) / "personas_context.html")
    yield page, problems
    context.close()


def table_id(page, *headers: str) -> str:
    """The id of the first table whose header row starts with ``headers``."""
    return page.evaluate("""headers => Array.from(document.querySelectorAll('table.data')).find(table =>
        headers.every((text, i) => (table.tHead.rows[0].cells[i] || {}).textContent.trim() === text)).id""",
                         list(headers))


def shown_rows(page, table: str) -> list[list[str]]:
    return page.evaluate("""id => Array.from(document.getElementById(id).tBodies[0].rows)
        .filter(row => !row.hidden).map(row => Array.from(row.cells).map(cell => cell.textContent.trim()))""", table)


def test_a_table_filtered_by_persona_shows_only_its_rows_and_sorts_by_value(builtin_build, context_in_browser):
    page, problems = context_in_browser
    table = table_id(page, "Persona", "Tier", "Students")
    page.evaluate("id => document.getElementById(id).closest('details').open = true", table)
    every_row = shown_rows(page, table)
    persona = builtin_build.scalar("select display_name from persona_summary where persona_id = 2")
    tools = f'.table-tools[data-table="{table}"]'
    page.select_option(f'{tools} select[data-filter-column="0"]', persona)
    rows = shown_rows(page, table)
    expected = builtin_build.scalar("select count(*) from context_tier_counts_published where scope = 'persona' "
                                    "and persona_id = 2")
    assert len(rows) == expected > 0 and {row[0] for row in rows} == {persona}
    assert page.inner_text(f"{tools} [data-row-count]") == f"{expected} of {len(every_row)} rows"
    page.select_option(f'{tools} select[data-filter-column="1"]', "RED")
    assert [row[:2] for row in shown_rows(page, table)] == [[persona, "RED"]]
    page.select_option(f'{tools} select[data-filter-column="0"]', "")
    page.select_option(f'{tools} select[data-filter-column="1"]', "")
    assert len(shown_rows(page, table)) == len(every_row)

    # Sorting, on a composition table (tier shares are mostly withheld): share of persona, ascending.
    table = table_id(page, "Persona", "Group")
    page.evaluate("id => { const folded = document.getElementById(id).closest('details'); "
                  "if (folded) folded.open = true; }", table)
    every_row = shown_rows(page, table)
    page.click(f"#{table} thead th:nth-child(4) button.sort")
    shares = [float(row[3].rstrip("%")) for row in shown_rows(page, table) if row[3] != "—"]
    assert shares == sorted(shares) and len(set(shares)) > 3
    assert shown_rows(page, table)[-1][3] == "—" or "—" not in [row[3] for row in every_row]  # missing last
    page.click(f"#{table} thead th:nth-child(4) button.sort")
    shares = [float(row[3].rstrip("%")) for row in shown_rows(page, table) if row[3] != "—"]
    assert shares == sorted(shares, reverse=True)
    assert problems == []


def test_selecting_a_persona_highlights_it_across_charts_and_tables(builtin_build, context_in_browser):
    page, problems = context_in_browser
    chart = page.locator('figure[aria-label="dropout risk flag by persona"] .vega-chart svg')
    dimmed = '[opacity="0.25"]'
    assert chart.locator(dimmed).count() == 0
    page.select_option("select[data-persona-select]", "2")
    page.wait_for_function("() => document.querySelector('tr[data-persona=\"2\"].highlight') !== null")
    highlighted = page.eval_on_selector_all("tr.highlight", "rows => rows.map(row => row.dataset.persona)")
    assert highlighted and set(highlighted) == {"2"}
    assert page.locator('tr[data-persona="2"]').count() == len(highlighted)
    page.wait_for_function("selector => document.querySelector(selector) !== null",
                           arg=f'figure[aria-label="dropout risk flag by persona"] svg {dimmed}')
    heatmap = page.locator('figure[aria-label="Context tier by persona"] .vega-chart svg')
    assert heatmap.locator(dimmed).count() > 0  # the other personas' cells are dimmed too
    page.select_option("select[data-persona-select]", "")
    page.wait_for_function("() => document.querySelector('tr.highlight') === null")
    # A click on a persona's mark selects it.
    point = chart.locator("g.mark-symbol path").first
    point.click()
    page.wait_for_function("() => document.querySelector('select[data-persona-select]').value !== ''")
    page.select_option("select[data-persona-select]", "")
    assert problems == []


def test_chart_marks_have_tooltips(builtin_build, context_in_browser):
    page, problems = context_in_browser
    chart = page.locator('figure[aria-label="dropout risk flag by persona"] .vega-chart svg')
    chart.locator("g.mark-symbol path").first.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    tooltip = page.inner_text("#vg-tooltip-element")
    names = [name for (name,) in builtin_build.query("select display_name from persona_summary")]
    assert "group" in tooltip and "rate" in tooltip and any(name in tooltip for name in names)
    page.mouse.move(0, 0)
    assert problems == []


def wide_gallery(tmp_path: Path) -> Path:
    """A page with the charts of a wide input, built with the components alone (no warehouse): 70 numeric
    features, a 40-level category, factor headings on several lines, nine personas with long names."""
    from student_personas.reports.components import bivariate
    from student_personas.reports.pages import page_environment, render_template

    rng = np.random.default_rng(5)
    features = [f"Weekly_measure_with_a_long_name_{i:02d}" for i in range(70)]
    levels = [f"Programme code {i:02d} (coded category)" for i in range(40)]
    personas = [{"persona_id": i, "name": f"More study hours, more library time, longer name {i}"} for i in range(1, 10)]
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "_layout.html.j2").write_text((PROJECT_DIR / "reports" / "_layout.html.j2").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    (templates / "wide.html.j2").write_text("""{% extends "_layout.html.j2" %}{% block title %}Wide{% endblock %}
{% block content %}<section>
{{ bar_charts(levels, "c", "l", "n", x_label="students") }}
<div class="wide">{{ heatmap(correlations, "x", "y", "r", title="Pearson correlation of numeric features",
                             colorbar_label="Pearson r") }}</div>
<div class="wide">{{ matrix_heatmap(loadings, "f", "h", "v", title="Factor loadings",
                                    colorbar_label="loading (each factor has unit norm)", scale="magnitude") }}</div>
<div class="wide">{{ matrix_heatmap(composition, "p", "g", "v", title="Programme_of_study_with_a_long_attribute_name: representation ratio by persona",
                                    colorbar_label="share of persona / share of cohort", scale="ratio",
                                    missing_text="t", persona="persona_id") }}</div>
<div class="wide">{{ group_density(cells, personas, x="x", y="y", group="persona_id", label="name",
                                   title="Students by persona on the two largest factors", x_label="F1", y_label="F2") }}</div>
{{ intervals(rates, "l", "r", "lo", "hi", note="n", reference=0.03, reference_label="all students (3.0%)",
             title="Label by programme: a long title that cannot fit on a single line of the chart", x_label="rate") }}
</section>{% endblock %}""", encoding="utf-8")
    context = {
        "levels": [{"c": "Programme", "l": level, "n": int(n)} for level, n in zip(levels, rng.integers(10, 900, 40))],
        "correlations": [{"x": a, "y": b, "r": float(rng.uniform(-1, 1))}
                         for i, a in enumerate(features) for b in features[i + 1:]],
        "loadings": [{"f": feature, "h": f"F{j}\n{features[j]}\n+ {features[j + 1]}", "v": float(rng.uniform(0, 0.6))}
                     for feature in features for j in range(1, 6)],
        "composition": [{"p": persona["name"], "g": level, "persona_id": persona["persona_id"],
                         "v": None if (persona["persona_id"] + k) % 7 == 0 else float(rng.uniform(0.3, 2.5)),
                         "t": "suppressed"} for persona in personas for k, level in enumerate(levels)],
        "cells": [{"x_start": i / 24, "x_end": (i + 1) / 24, "y_start": j / 24, "y_end": (j + 1) / 24,
                   "persona_id": int(rng.integers(1, 10)), "n_students": int(rng.integers(1, 40))}
                  for i in range(24) for j in range(24)],
        "personas": [{**persona, "x": 0.1 * persona["persona_id"], "y": 0.0} for persona in personas],
        "rates": [{"l": level, "r": None if i % 6 == 0 else float(rng.uniform(0, 0.08)), "lo": 0.0, "hi": 0.1,
                   "n": "<10 positives: rate not shown"} for i, level in enumerate(levels)],
        "report": {"rendered_at": "now", "data_source": "generated"}, "source_tables": [],
    }
    page = render_template(page_environment(templates), "wide.html.j2", "wide", context)
    path = tmp_path / "wide.html"
    path.write_text(page.html, encoding="utf-8")
    return path


# Every pair of labels of one axis that overlap, every axis label that reaches into a heatmap cell, and
# every title that is cut (an ellipsis, or text outside its chart).
LEGIBILITY_PROBLEMS = """() => {
  const problems = [];
  // A text's box as a quadrilateral on screen (turned with its text), and whether two convex ones intersect
  // (separating axis test), so labels set at 45 degrees are judged by their own boxes, not their bounds.
  const corners = element => {
    const box = element.getBBox(), matrix = element.getScreenCTM();
    return [[box.x, box.y], [box.x + box.width, box.y], [box.x + box.width, box.y + box.height], [box.x, box.y + box.height]]
      .map(([x, y]) => [matrix.a * x + matrix.c * y + matrix.e, matrix.b * x + matrix.d * y + matrix.f]);
  };
  const rectangle = r => [[r.left, r.top], [r.right, r.top], [r.right, r.bottom], [r.left, r.bottom]];
  const intersect = (p, q) => [p, q].every(shape => shape.every((point, i) => {
    const next = shape[(i + 1) % shape.length], axis = [point[1] - next[1], next[0] - point[0]];
    const project = s => s.map(([x, y]) => x * axis[0] + y * axis[1]);
    const a = project(p), b = project(q), length = Math.hypot(axis[0], axis[1]);
    return Math.min(Math.max(...a), Math.max(...b)) - Math.max(Math.min(...a), Math.min(...b)) > 0.5 * length;
  }));
  document.querySelectorAll('figure.chart .vega-chart svg').forEach(svg => {
    const chart = svg.closest('figure').getAttribute('aria-label');
    const frame = svg.getBoundingClientRect();
    const cells = Array.from(svg.querySelectorAll('g.mark-rect path')).slice(0, 400).map(c => rectangle(c.getBoundingClientRect()));
    svg.querySelectorAll('g.role-axis').forEach(axis => {
      // Labels Vega hid because they would overlap (opacity 0) are not drawn.
      const labels = Array.from(axis.querySelectorAll('g.role-axis-label text')).filter(t => t.getAttribute('opacity') !== '0')
        .map(t => [t.textContent, corners(t)]);
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++)
        if (intersect(labels[i][1], labels[j][1])) problems.push(`${chart}: labels ${labels[i][0]} / ${labels[j][0]} overlap`);
      labels.forEach(([text, box]) => {
        if (text.includes('…')) problems.push(`${chart}: label ${text} is cut`);
        if (cells.some(cell => intersect(cell, box))) problems.push(`${chart}: label ${text} reaches into the cells`);
      });
    });
    svg.querySelectorAll('g.role-title text, g.role-legend-title text').forEach(title => {
      const box = title.getBoundingClientRect();
      if (title.textContent.includes('…') || box.left < frame.left - 1 || box.right > frame.right + 1)
        problems.push(`${chart}: title ${title.textContent} is cut`);
    });
  });
  return problems;
}"""


def test_wide_inputs_stay_legible_in_chromium(browser, tmp_path):
    """70 features, 40-level categories, long names and nine personas: no labels overlap each other or the
    cells, no title or label is cut, and every chart is drawn (long legends fold into columns: see
    test_report_engine)."""
    context, page, problems = open_page(browser, wide_gallery(tmp_path))
    assert problems == []
    assert page.eval_on_selector_all(".vega-chart", "charts => charts.map(c => c.dataset.rendered)") == ["true"] * 6
    assert page.evaluate(LEGIBILITY_PROBLEMS) == []
    page.screenshot(path=str(tmp_path / "wide.png"), full_page=True)
    context.close()


def test_the_legibility_check_catches_overlapping_labels(browser, tmp_path):
    """The check can fail: headers set flat in steps far too narrow for them are reported."""
    page_path = wide_gallery(tmp_path)
    html = page_path.read_text(encoding="utf-8").replace('"labelAngle":-45', '"labelAngle":0')
    page_path.write_text(html, encoding="utf-8")
    context, page, _ = open_page(browser, page_path)
    assert any("overlap" in problem for problem in page.evaluate(LEGIBILITY_PROBLEMS))
    context.close()


def test_browser_check_catches_console_errors_and_requests_out(browser, tmp_path):
    """The browser check can fail: a page that logs an error and fetches from a server is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><p>text</p><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    problems = open_in_browser(browser, page, tmp_path / "broken.png")["problems"]
    assert "console error: boom" in problems
    assert "request: http://127.0.0.1:9/x.png" in problems


def test_no_published_page_shows_one_students_values(builtin_build):
    """Scatter plots are grids of counts: a student's own values (full-precision attendance and online hours,
    unique to each student) appear on no published page, nor in the published exports (the minimum and
    maximum of a column are aggregates, so the students who hold them are not checked)."""
    columns = ["Attendance_Rate", "Online_Learning_Hours", "Library_Usage_Hours"]
    values = builtin_build.frame(f"select {', '.join(columns)} from int_student_records")
    published = [path for path in builtin_build.reports_dir.rglob("*.html") if "staff_only" not in str(path)]
    published += [path for path in (builtin_build.exports_dir / "published").rglob("*") if path.is_file()]
    text = b"".join(path.read_bytes() for path in published)
    checked = 0
    for column in columns:
        inner = values[(values[column] > values[column].min()) & (values[column] < values[column].max())][column]
        for value in inner.head(60):
            assert repr(float(value)).encode() not in text, (column, value)
            checked += 1
    assert checked == 180
