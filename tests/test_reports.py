"""The rendered reports, end to end: real dbt builds, numbers checked against the warehouse, and each page
opened from disk in headless Chromium (screenshot, charts drawn, no console error, no request out)."""

import csv
import os
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from conftest import OVERRIDDEN_PERSONA, run_dbt
from student_personas.naming import deficit_terms_in
from student_personas.reports.formatting import format_value

CHROMIUM = os.environ.get("PERSONAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags that let Chromium run headless in a container with no network; each launch gets a fresh profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def reports_dir(run) -> Path:
    return run.database.parent / "reports"


def page_html(run, page: str = "data_quality") -> str:
    return (reports_dir(run) / f"{page}.html").read_text(encoding="utf-8")


# Elements that flow within a line of text; every other element separates words.
INLINE_TAGS = {"a", "b", "code", "em", "i", "span", "strong", "sub", "sup"}


class PageReader(HTMLParser):
    """The visible text of metric tiles, table rows and captions of a rendered page, its links, and all its
    visible text (charts and the stylesheet left out)."""

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
        self._hidden_depth += tag in {"svg", "style"}
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
        self._hidden_depth -= tag in {"svg", "style"}
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
    listing = {page: row for page, *row in builtin_build.query(
        "select page, path, bytes, n_charts, n_tables from report_pages")}
    assert sorted(listing) == ["data_quality", "personas", "personas_context"]
    for page, (path, size, charts, tables) in listing.items():
        written = Path(path)
        assert written == reports_dir(builtin_build) / f"{page}.html" and size == written.stat().st_size
        text = written.read_text(encoding="utf-8")
        assert charts == text.count('<figure class="chart"') and tables == text.count('<table class="data">')
    numeric, categorical, protected = builtin_build.query(
        "select count(*) filter (where kind = 'numeric' and role = 'feature'), "
        "count(*) filter (where kind = 'categorical' or role = 'protected'), "
        "count(*) filter (where role = 'protected') from stg_column_roles")[0]
    personas = builtin_build.scalar("select count(*) from persona_summary")
    assert listing["data_quality"][2] == numeric + categorical + 1 + 4  # histograms, bars, heatmap, four scatters
    # two sweeps, loadings, factor space, one radar each, a student and their similar students
    assert listing["personas"][2] == 2 + 1 + 1 + personas + 1
    parity_charts = builtin_build.scalar("select count(distinct metric) from fairness_flag_parity_published "
                                         "where group_value <> 'All students' and rate is not null")
    assert 0 < parity_charts < 5  # flag rates are shown, rates among the rare positives are withheld
    # label intervals, Cramér's V, one composition heatmap each, tiers by persona, a parity chart per metric shown
    assert listing["personas_context"][2] == 1 + 1 + protected + 1 + parity_charts
    index = PageReader((reports_dir(builtin_build) / "index.html").read_text(encoding="utf-8"))
    assert index.links == [f"{page}.html" for page in sorted(listing)]


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
                         "profiles.standardized_difference, roles.declared_levels "
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
    assert "all 1,000 students drawn." in persona_page.captions


def like_me_example(run) -> str:
    """The example student, chosen here as the page says: the first student id of the largest persona."""
    assignments = run.frame("select student_id, persona_id from persona_assignments")
    sizes = assignments.persona_id.value_counts()
    largest = min(sizes[sizes == sizes.max()].index)
    return min(assignments.student_id[assignments.persona_id == largest])


def test_students_like_me_example_shows_its_neighbours_and_peer_profile(builtin_build, persona_page):
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


def like_me_sql(run) -> list[str]:
    """The statements of the page's "How to query this in SQL" box."""
    box = re.search(r'<pre id="like-me-sql"><code>(.*?)</code></pre>', page_html(run, "personas"), re.S).group(1)
    return [statement.strip() for statement in unescape(box).split(";") if statement.strip()]


def test_the_sql_box_runs_against_the_warehouse_and_returns_the_shown_neighbours(builtin_build, persona_page):
    neighbours_sql, profile_sql = like_me_sql(builtin_build)
    example = like_me_example(builtin_build)
    assert neighbours_sql == f"select * from students_like('{example}', 10)"
    found = builtin_build.query(neighbours_sql)
    shown = persona_page.table("Rank", "Student", "Similarity")
    assert [student for student, _ in found] == [row[1] for row in shown]
    assert [format_value(similarity, "score") for _, similarity in found] == [row[2] for row in shown]
    profile = builtin_build.frame(profile_sql)
    assert sorted(profile.source_column) == sorted(row[0] for row in persona_page.table("Column", f"Student {example}"))


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
                                   "cramers_v_corrected from fairness_association")
    shown = {row[0]: row for row in context_page.table("Protected attribute")}
    assert sorted(shown) == sorted(row[0] for row in expected)
    for attribute, chi_square, df, p_value, v, v_corrected in expected:
        assert shown[attribute][3:] == [format_value(chi_square, "number"), str(df), format_value(p_value, "p_value"),
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
    small = published[published.n_students == "<10"]
    assert len(small) > 0, "the built-in cohort has small composition cells"
    for row in small.itertuples():
        students, share, _, ratio = shown[(row.protected_attribute, row.persona_name, row.group_value)]
        assert (students, share, ratio) == ("<10", "—", "—")


def test_label_context_shows_no_rate_or_count_behind_a_small_cell(builtin_build, context_page):
    published = builtin_build.frame("select * from persona_outcome_context_published")
    rows = {row[0]: row for row in context_page.table("Persona", "Students", "Positives")}
    overall = published[published.scope == "all students"].iloc[0]
    assert rows["All students"][1:4] == [format_value(int(overall.n_students), "count"), overall.positives,
                                         format_value(overall.rate, "percent")]
    small = published[published.positives == "<10"]
    assert len(small) > 0, "the built-in cohort has personas with fewer than 10 positives"
    raw = dict(builtin_build.query("select persona_id, positives from persona_outcome_context where scope = 'persona'"))
    for row in small.itertuples():
        _, _, positives, rate, low, high, p_value, caution = rows[row.persona_name]
        assert (positives, rate, low, high, p_value) == ("<10", "—", "—", "—", "—")
        assert str(raw[row.persona_id]) not in caution and "withheld" in caution
    assert "counts from 1 to 9 are shown as \"<10\"" in context_page.text


def figure_texts(html: str, title: str) -> list[str]:
    """The text drawn in the chart titled ``title`` (SVG text elements)."""
    figure = re.search(rf'<figure class="chart" role="img" aria-label="{re.escape(title)}">(.*?)</figure>', html, re.S)
    return [unescape(text) for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", figure.group(1))]


def test_tier_counts_and_tiers_by_persona_are_the_published_ones(builtin_build, context_page):
    published = builtin_build.frame("select p.*, s.persona_name from context_tier_counts_published p "
                                    "left join persona_summary s using (persona_id)")
    for row in published[published.scope == "all students"].itertuples():
        value, note = context_page.metrics[f"{row.tier} tier"]
        assert value == format_value(row.n_students, "count")
        assert note.startswith(f"{format_value(row.share, 'percent')} of students; context score ")
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
        assert shown[(row.persona_name, row.tier)] == ["<10", "—"]
        assert format_value(row.share, "percent") not in heatmap  # nor the share that would give the count away
    assert "<10" in heatmap


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
    withheld = published[published.numerator.isin(["<10", "suppressed"])]
    assert {"<10", "suppressed"} <= set(withheld.numerator)
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


def test_label_audit_when_enabled_shows_its_interpretation_and_published_counts(audited_build):
    page = PageReader(page_html(audited_build, "personas_context"))
    audit = audited_build.frame("select * from label_signal_audit")
    published = audited_build.frame("select * from label_signal_audit_published").set_index("model")
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
    assert (published.true_positives == "<10").any()  # about 20 positives: few of them among the flagged
    for model in published.index[published.true_positives == "<10"]:
        assert shown[names[model]][3] == "<10" and shown[names[model]][-2:] == ["—", "—"]


def test_pages_use_no_deficit_language(builtin_build, edited_build, audited_build, planted_build):
    """Page text, persona names, descriptions and actions stay neutral, and nothing reads as a forecast. The
    input's own column names and the playbook's (such as Courses_Failed or the label's name) are data, not
    wording, and are left out of the check; "predictive value" is the name of a fairness metric."""
    for run in (builtin_build, edited_build, audited_build, planted_build):
        columns = sorted((name for (name,) in run.query(
            "select column_name from stg_column_roles union select source_column from support_playbook")),
            key=len, reverse=True)
        for (page,) in run.query("select page from report_pages"):
            text = PageReader(page_html(run, page)).text
            for column in columns:
                text = text.replace(column, " ")
            assert deficit_terms_in(text) == [], page
            assert not re.findall(r"\bpredict(?:s|ed|ing)?\b", text, re.I), page


@pytest.fixture(scope="module")
def audited_build(tmp_path_factory):
    """A build of the built-in cohort with the opt-in label-signal audit on."""
    run = run_dbt(tmp_path_factory.mktemp("audited"), variables={"label_signal_audit": True})
    assert run.returncode == 0, run.output[-4000:]
    return run


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


def test_pages_without_a_label_or_protected_attributes_say_so(own_schema_build):
    context = PageReader(page_html(own_schema_build, "personas_context")).text
    assert "No label column is configured (var label_column), so there is no label context to describe." in context
    assert "No protected attributes are declared (var protected_columns), so there is nothing to check." in context
    assert "No label column is configured (var label_column), so there is no context indicator and no parity to " \
           "describe." in context
    personas = PageReader(page_html(own_schema_build, "personas"))
    assert "A radar needs at least three numeric features; this input has 2." in personas.text
    assert "None of the columns in var peer_profile_columns is a numeric feature of this input" in personas.text
    assert len(personas.table("Rank", "Student", "Similarity")) == 10
    students = own_schema_build.scalar("select count(*) from persona_assignments")
    assert f"25 of {students} students drawn: a seeded sample (the same students on every build)." in personas.captions


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


@pytest.mark.parametrize("build_name", ["builtin_build", "own_schema_build", "audited_build", "planted_build"])
def test_pages_render_in_chromium_with_every_chart_and_no_error(request, browser, tmp_path, build_name):
    run = request.getfixturevalue(build_name)
    pages = run.query("select page, n_charts from report_pages order by page")
    assert [page for page, _ in pages] == ["data_quality", "personas", "personas_context"]
    for page, charts in pages:
        seen = open_in_browser(browser, reports_dir(run) / f"{page}.html", tmp_path / f"{page}.png")
        assert seen["problems"] == []
        assert seen["text_length"] > 1000
        assert len(seen["chart_sizes"]) == charts
        assert all(width > 200 and height > 100 for width, height in seen["chart_sizes"]), seen["chart_sizes"]
        assert_not_blank(tmp_path / f"{page}.png")
    if build_name == "builtin_build":  # with a label and protected attributes every page has charts
        assert all(charts > 0 for _, charts in pages)
    index = open_in_browser(browser, reports_dir(run) / "index.html", tmp_path / "index.png")
    assert index["problems"] == [] and {f"{page}.html" for page, _ in pages} <= set(index["links"])


def test_browser_check_catches_console_errors_and_requests_out(browser, tmp_path):
    """The browser check can fail: a page that logs an error and fetches from a server is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><p>text</p><img src="http://127.0.0.1:9/x.png">'
                    '<script>console.error("boom")</script></body></html>', encoding="utf-8")
    problems = open_in_browser(browser, page, tmp_path / "broken.png")["problems"]
    assert "console error: boom" in problems
    assert "request: http://127.0.0.1:9/x.png" in problems
