"""The advisor's view on real builds: exact explanations, reasons, actions, segment priorities, the staff-only
caseload files and the student lookup page (in Chromium). Uses the shared built-in build; two small runs
rebuild only the caseload models on a copy of its warehouse with other vars."""

import csv
import json
import re
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_DIR, run_dbt
from student_personas.naming import deficit_terms_in
from student_personas.reports.pages import (discover_pages, input_views, page_environment, referenced_tables,
                                            render_template, run_queries)
from test_reports import CHROMIUM_FLAGS, browser, reports_dir  # noqa: F401  (browser is a fixture)

CASELOAD_COLUMNS = ["student_id", "term", "caseload_group", "persona_id", "persona_name", "sentence", "top_reasons",
                    "top_actions"]


def roles(run, *wanted):
    return [name for (name,) in run.query(
        f"select column_name from stg_column_roles where role in ({', '.join('?' * len(wanted))})", list(wanted))]


# ---- explanations ---------------------------------------------------------------------------------------------

def test_every_students_parts_sum_to_the_gap_between_their_distances(builtin_build):
    """Recomputed here from student_factors and the centres, independently of the models: for every student
    the parts and baseline sum to ||w - c_next||² - ||w - c_own||² within 1e-9, the own centre is the nearest
    and the next one the second nearest."""
    scores = builtin_build.frame("select * exclude (run_id) from student_factors order by student_id")
    centres = builtin_build.frame("select * from int_persona_centroids order by persona_id")
    factor_columns = [c for c in scores.columns if c.startswith("factor_")]
    w = scores[factor_columns].to_numpy()
    c = centres[factor_columns].to_numpy()
    totals = builtin_build.frame(
        "select student_id, any_value(persona_id) as persona_id, any_value(next_persona_id) as next_persona_id, "
        "sum(contribution) as total, count(*) as n_rows from student_explanations group by student_id order by student_id")
    assert totals.student_id.tolist() == scores.student_id.tolist()
    squared = ((w[:, None, :] - c[None]) ** 2).sum(axis=2)
    order = np.argsort(squared, axis=1, kind="stable")
    persona_ids = centres.persona_id.to_numpy()
    assert (persona_ids[order[:, 0]] == totals.persona_id).all()
    assert (persona_ids[order[:, 1]] == totals.next_persona_id).all()
    gap = squared[np.arange(len(w)), order[:, 1]] - squared[np.arange(len(w)), order[:, 0]]
    assert np.abs(totals.total - gap).max() < 1e-9
    feature_columns = len(roles(builtin_build, "feature"))
    assert (totals.n_rows == feature_columns + 1).all()  # one row per feature column and the baseline


def test_reasons_are_the_strongest_pulls_and_the_sentence_names_them(builtin_build):
    rows = builtin_build.frame(
        "select r.student_id, r.persona_name, r.next_persona_name, r.sentence, r.top_reasons, r.top_features, "
        "list(e.contribution order by e.rank) filter (where e.rank <= 5) as contributions, "
        "max(e.contribution) filter (where e.part = 'feature') as largest "
        "from student_reasons as r join student_explanations as e using (student_id) group by all")
    columns = sorted(roles(builtin_build, "feature", "label", "protected", "id"), key=len, reverse=True)
    for row in rows.itertuples():
        assert len(row.top_reasons) == len(row.top_features) == 5
        assert list(row.contributions) == sorted(row.contributions, reverse=True)
        assert row.contributions[0] == row.largest
        assert row.sentence.startswith(f"Placed in “{row.persona_name}”")
        assert row.next_persona_name in row.sentence
        named = [reason for reason, part in zip(row.top_reasons[:3], row.contributions[:3]) if part > 0]
        assert named and all(reason in row.sentence for reason in named)
        text = row.sentence
        for column in columns:
            text = text.replace(column, " ")
        assert deficit_terms_in(text) == [] and not re.search(r"\bpredict", text, re.I)


def test_numeric_reasons_compare_the_student_with_a_typical_student_of_the_next_persona(builtin_build):
    """A reason's direction and size are the student's value against the next persona's mean."""
    shown = builtin_build.query(
        "select r.top_reasons[1], e.numeric_value, p.persona_mean, p.cohort_sd, e.rival_direction from student_reasons r "
        "join student_explanations e on e.student_id = r.student_id and e.rank = 1 "
        "join persona_profiles p on p.persona_id = e.next_persona_id and p.source_column = e.feature and p.level is null "
        "where e.level is null order by r.student_id limit 50")
    assert len(shown) == 50
    for reason, value, rival_mean, sd, direction in shown:
        difference = (value - rival_mean) / sd
        assert reason.endswith(f"({difference:+.1f} SD)".replace("-0.0", "+0.0"))
        assert direction == ("above" if value > rival_mean else "below")


# ---- actions -------------------------------------------------------------------------------------------------

def test_every_student_with_a_covered_contrast_gets_actions_in_order_of_contrast(builtin_build):
    threshold, cap = 1.0, 3  # the vars' defaults
    covered = {student for (student,) in builtin_build.query(
        "select distinct v.student_id from int_student_standardized_values v "
        "join support_playbook p on p.source_column = v.source_column and p.direction = v.direction "
        f"where abs(v.standardized_value) >= {threshold}")}
    actions = builtin_build.frame(
        "select a.*, v.standardized_value as own_value, v.direction as own_direction "
        "from student_actions a join int_student_standardized_values v "
        "on v.student_id = a.student_id and v.source_column = a.because_feature")
    assert len(covered) > 900 and set(actions.student_id) == covered
    assert (actions.standardized_value == actions.own_value).all()
    assert (actions.direction == actions.own_direction).all() and (actions.standardized_value.abs() >= threshold).all()
    for _, student in actions.groupby("student_id"):
        student = student.sort_values("priority")
        assert student.priority.tolist() == list(range(1, len(student) + 1)) and len(student) <= cap
        assert student.standardized_value.abs().is_monotonic_decreasing
        assert student.action.is_unique


# ---- segment priority ------------------------------------------------------------------------------------------

def test_persona_priorities_use_only_published_rates_and_follow_their_rule(builtin_build):
    priorities = builtin_build.frame(
        "select p.*, c.rate as published_rate, c.is_suppressed from persona_priorities p "
        "join persona_outcome_context_published c on c.scope = 'persona' and c.persona_id = p.persona_id "
        "order by p.priority_rank")
    assert len(priorities) == builtin_build.scalar("select count(*) from persona_summary")
    assert (priorities.label_rate.isna() == priorities.is_suppressed).all()
    assert (priorities.label_rate.dropna() == priorities.published_rate.dropna()).all()
    assert priorities.label_rate_withheld.tolist() == priorities.is_suppressed.tolist()
    assert priorities.mean_rank.is_monotonic_increasing
    assert priorities.action_contrast.rank(ascending=False, method="min").astype(int).tolist() == \
        priorities.contrast_rank.tolist()
    for row in priorities.itertuples():
        assert row.summary.endswith("not a prediction for any student.")
        if row.label_rate_withheld:
            assert "withheld by the small-cell rule" in row.summary and "%" not in row.summary.split(";")[-1]

def test_persona_priorities_name_the_highest_tier_that_holds_students(builtin_build, small_cell_build):
    """The highest tier is the highest one whose published count is above zero, not the highest tier that
    exists (which said RED for built-in personas without a RED student); a withheld count may be a
    complementary zero, so it is not read as holding students, and higher_tier_withheld says so."""
    for run in (builtin_build, small_cell_build):
        published = run.frame("select persona_id, tier, tier_order, n_students, is_suppressed "
                              "from context_tier_counts_published where scope = 'persona'")
        raw = dict(((persona, tier), n) for persona, tier, n in run.query(
            "select persona_id, tier, n_students from context_tier_counts where scope = 'persona'"))
        priorities = run.frame("select persona_id, highest_tier, higher_tier_withheld from persona_priorities")
        for row in priorities.itertuples():
            tiers = published[published.persona_id == row.persona_id]
            holding = tiers[~tiers.is_suppressed & (pd.to_numeric(tiers.n_students, errors="coerce") > 0)]
            expected = holding.sort_values("tier_order").tier.iloc[-1] if len(holding) else None
            assert row.highest_tier == expected
            top = holding.tier_order.max() if len(holding) else -1
            assert row.higher_tier_withheld == bool((tiers.is_suppressed & (tiers.tier_order > top)).any())
            if raw[(row.persona_id, "RED")] == 0:
                assert row.highest_tier != "RED"
            if row.highest_tier is not None:
                assert raw[(row.persona_id, row.highest_tier)] > 0


# ---- caseload files --------------------------------------------------------------------------------------------

def read_caseloads(folder):
    files = sorted(folder.glob("*.csv"))
    rows = {}
    for path in files:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows[path.name] = (reader.fieldnames, list(reader))
    return rows


def test_caseload_files_hold_every_student_once_and_nothing_label_or_protected(builtin_build):
    folder = builtin_build.exports_dir / "staff_only_student_level" / "caseload"
    assert "STAFF ONLY" in (folder / "README_STAFF_ONLY.txt").read_text(encoding="utf-8")
    files = read_caseloads(folder)
    personas = builtin_build.query("select persona_id, n_students from persona_summary order by persona_id")
    assert len(files) == len(personas)
    forbidden = set(roles(builtin_build, "label", "protected")) | {"tier", "context_score"}
    ids = []
    for name, (header, rows) in files.items():
        assert header == CASELOAD_COLUMNS and not forbidden & set(header)
        assert len({row["persona_id"] for row in rows}) == 1
        ids += [row["student_id"] for row in rows]
    assert sorted(ids) == sorted(s for (s,) in builtin_build.query("select student_id from persona_assignments"))
    manifest = builtin_build.query("select sum(rows), count(*) from caseload_exports")[0]
    assert manifest == (len(ids), len(personas))


def test_caseloads_group_by_a_declared_column_and_say_when_it_is_a_feature(builtin_build, tmp_path):
    """The caseload mart rebuilt alone from a copy of the built-in warehouse (a partial build publishes
    nothing, so its working copy is read), grouped by a categorical column; the files per group are written
    by the same writer as in the full build (tests/test_caseload.py)."""
    from student_personas import publish

    shutil.copy(builtin_build.database, tmp_path / "warehouse.duckdb")
    run = run_dbt(tmp_path, command="build --select student_caseload",
                  variables={"caseload_group_column": "Past_Academic_Performance"})
    assert run.returncode == 0, run.output[-3000:]
    assert "caseload_group_column 'Past_Academic_Performance' is also a model feature" in run.output
    assert run.database == publish.working_path(run.published)  # a partial build: read its working copy
    groups = dict(run.query("select caseload_group, count(*) from student_caseload group by 1"))
    levels = dict(builtin_build.query("select level, count(*) from int_student_category_values "
                                      "where source_column = 'Past_Academic_Performance' group by level"))
    assert groups == levels


def test_a_protected_or_label_column_cannot_group_the_caseload(builtin_build, tmp_path):
    run = run_dbt(tmp_path, command="build --select student_caseload", variables={"caseload_group_column": "Gender"})
    assert run.returncode != 0
    assert "preflight found 1 problem(s); nothing was built" in run.output
    assert "caseload_group_column 'Gender' is a protected column: caseload files may not be grouped" in run.output


# ---- the student lookup page -------------------------------------------------------------------------------------

def embedded_payload(html: str) -> dict:
    text = re.search(r'<script type="application/json" id="lookup-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(text)


def test_the_lookup_page_embeds_no_label_protected_value_or_tier(builtin_build):
    html = (reports_dir(builtin_build) / "staff_only_student_level" / "students.html").read_text(encoding="utf-8")
    payload = embedded_payload(html)
    assert len(payload["students"]) == builtin_build.scalar("select count(*) from stg_students")
    strings = set()

    def collect(value):
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, dict):
            strings.update(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(payload)
    forbidden_columns = set(roles(builtin_build, "label", "protected"))
    protected_values = {value for (value,) in builtin_build.query(
        "select distinct group_value from int_student_protected_groups") if not value.isdigit()}
    assert not strings & (forbidden_columns | protected_values | {"GREEN", "AMBER", "RED"})
    assert not any(column in text for text in strings for column in forbidden_columns)
    assert "Staff only." in html and "<" not in html.split('id="lookup-data">')[1].split("</script>")[0]


def lookup(browser, path, student_id, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: problems.append(request.url)
            if not request.url.startswith(("file:", "data:", "about:")) else None)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.fill("#student-id", f"  {student_id} ")
    page.click("#lookup-form button[type=submit]")
    seen = {
        "status": page.inner_text("#lookup-status"),
        "visible": page.is_visible("#lookup-result"),
        "title": page.inner_text("#result-title") if page.is_visible("#lookup-result") else "",
        "sentence": page.inner_text("#result-sentence") if page.is_visible("#lookup-result") else "",
        "reasons": page.eval_on_selector_all("#reasons-table tbody tr",
                                             "rows => rows.map(r => r.cells[1].textContent)"),
        "neighbours": page.eval_on_selector_all("#neighbours-table tbody tr button",
                                                "buttons => buttons.map(b => b.textContent)"),
        "actions": page.eval_on_selector_all("#actions-list li", "items => items.map(i => i.firstChild.textContent)"),
        "sql": page.inner_text("#lookup-sql-text"),
    }
    if seen["neighbours"]:
        page.click("#neighbours-table tbody tr button")
        seen["after_click"] = page.inner_text("#result-title")
    page.screenshot(path=str(tmp_path / "lookup.png"), full_page=True)
    context.close()
    seen["problems"] = problems
    return seen


def test_typing_an_id_shows_that_students_persona_reasons_peers_and_actions(builtin_build, browser, tmp_path):  # noqa: F811
    student_id, persona_id, persona, sentence, reasons = builtin_build.query(
        "select student_id, persona_id, persona_name, sentence, top_reasons from student_reasons "
        "where student_id in (select student_id from student_actions) order by student_id limit 1")[0]
    neighbours = [n for (n,) in builtin_build.query(
        "select neighbour_id from students_like_me where student_id = ? order by neighbour_rank", [student_id])]
    actions = [a for (a,) in builtin_build.query(
        "select action from student_actions where student_id = ? order by priority", [student_id])]
    seen = lookup(browser, reports_dir(builtin_build) / "staff_only_student_level" / "students.html", student_id, tmp_path)
    assert seen["problems"] == []
    assert seen["visible"] and seen["title"] == f"Student {student_id}: persona {persona_id}, {persona}"
    assert seen["sentence"] == sentence
    assert seen["reasons"] == list(reasons) and seen["neighbours"] == neighbours and seen["actions"] == actions
    assert seen["after_click"].startswith(f"Student {neighbours[0]}:")
    assert f"where student_id = '{student_id}'" in seen["sql"]


def render_lookup_page(run, destination, max_students):
    """The lookup page alone, rendered by the report engine from the build's warehouse with another cap."""
    with duckdb.connect(str(run.database), read_only=True) as connection:
        page = next(p for p in discover_pages(PROJECT_DIR / "reports") if p.name == "students")
        relations = {table: connection.table(table) for table in referenced_tables(page)}
        settings = {"lookup_max_students": max_students, "sample_seed": 42, "action_min_contrast": 1.0}
        with input_views(connection, relations):
            results = run_queries(connection, page, relations, settings)
    rendered = render_template(page_environment(PROJECT_DIR / "reports"), page.template_name, page.name, {
        "q": results, "settings": settings, "source_tables": [],
        "report": {"rendered_at": "now", "data_source": "test"}})
    destination.write_text(rendered.html, encoding="utf-8")
    return rendered.html


def test_an_id_not_on_a_capped_page_gets_the_sql_to_run(builtin_build, browser, tmp_path):  # noqa: F811
    path = tmp_path / "students.html"
    html = render_lookup_page(builtin_build, path, 100)
    embedded = embedded_payload(html)["students"]
    assert len(embedded) == 100 and "embeds a seeded sample of 100 of 1,000 students" in " ".join(html.split())
    assert render_lookup_page(builtin_build, tmp_path / "again.html", 100) == html  # the same sample every time
    missing = next(s for (s,) in builtin_build.query("select student_id from student_reasons order by student_id")
                   if s not in embedded)
    seen = lookup(browser, path, missing, tmp_path)
    assert seen["problems"] == [] and not seen["visible"]
    assert f"Student {missing} is not among the students embedded in this page" in seen["status"]
    assert f"select * from student_reasons where student_id = '{missing}';" in seen["sql"]
    assert f"select * from students_like('{missing}', 10);" in seen["sql"]

