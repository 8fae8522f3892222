"""An event log that covers a fifth of the students (one course of five): students without events are a
state, not a filled extreme, the coverage is shown where the data is, and the personas can be fitted on the
covered students only. One generated cohort, built twice (default, then event_fit_covered_only)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from conftest import BUILTIN_VARS, built, run_dbt, shared_build
from test_reports import page_html
from student_personas import naming, synthetic

pytestmark = pytest.mark.dbt

STUDENTS = 800
COURSES = ["A", "B", "C", "D", "E"]  # the event log covers course A only
TIMING_FEATURES = ("event_days_to_first", "event_week_regularity", "event_weekday_periodicity")
EVENT_COLUMNS = {"student_id": "Student_ID", "time": "occurred_at", "activity": "activity", "amount": "clicks"}


def write_partly_covered_cohort(folder) -> dict:
    """The generated students with a Course column (A-E, a fifth each, in a seeded order) and their event
    log cut to the students of course A."""
    students, _ = synthetic.write_students(folder / "generated.csv", STUDENTS)
    written = synthetic.write_events(folder / "all_events.parquet", STUDENTS)
    course = np.array(COURSES)[np.random.default_rng(7).permutation(STUDENTS) % len(COURSES)]
    with duckdb.connect() as connection:
        connection.execute("create table courses as select unnest(?) as Course, unnest(range(1, ? + 1)) as Student_ID",
                           [course.tolist(), STUDENTS])
        connection.execute(f"copy (select s.*, c.Course from read_csv('{students}') s join courses c using (Student_ID) "
                           f"order by Student_ID) to '{folder / 'students.csv'}'")
        connection.execute(f"copy (select e.* from read_parquet('{written['events']}') e join courses c using (Student_ID) "
                           f"where c.Course = 'A') to '{folder / 'events.parquet'}'")
        covered = connection.execute("select count(*) from courses where Course = 'A'").fetchone()[0]
    variables = {**BUILTIN_VARS, "students_path": str(folder / "students.csv"),
                 "events_path": str(folder / "events.parquet"), "event_columns": EVENT_COLUMNS,
                 "excluded_columns": ["Course"]}
    return {"variables": variables, "covered": covered}


@pytest.fixture(scope="session")
def partly_covered(tmp_path_factory):
    def make(folder):
        cohort = write_partly_covered_cohort(folder)
        run = built(run_dbt(folder / "wh", base_vars=cohort["variables"]))
        run.covered = cohort["covered"]
        return run
    return shared_build(tmp_path_factory, "partly_covered", make)


@pytest.fixture(scope="session")
def fitted_on_covered(tmp_path_factory):
    def make(folder):
        cohort = write_partly_covered_cohort(folder)
        run = built(run_dbt(folder / "wh", base_vars={**cohort["variables"], "event_fit_covered_only": True}))
        run.covered = cohort["covered"]
        return run
    return shared_build(tmp_path_factory, "fitted_on_covered", make)


def test_the_preflight_says_what_share_the_log_covers_by_course(partly_covered):
    output = partly_covered.output
    assert "the event log covers 20% of the student records (160 of 800 have an event)" in output
    assert "by Course: B 0%, C 0%, D 0%, E 0%, A 100%" in output
    assert "by Courses_Failed" not in output  # a count, not a course
    assert "consider event_fit_covered_only: true" in output


def test_students_without_events_are_a_state_and_their_timing_is_not_an_extreme(partly_covered):
    run = partly_covered
    without, records = run.query("select count(*) filter (where not has_recorded_events), count(*) "
                                 "from int_student_records")[0]
    assert (without, records) == (STUDENTS - run.covered, STUDENTS)
    indicator = run.query("select has_recorded_events, min(event_no_recorded_activity), max(event_no_recorded_activity), "
                          "count(event_days_to_first) from int_student_records group by 1 order by 1")
    assert indicator == [(False, 1.0, 1.0, 0), (True, 0.0, 0.0, run.covered)]  # no timing value without events
    fills = dict(run.query("select source_column, fill_value from int_feature_preparation"))
    medians = dict(run.query(
        "select source_column, median(value) from int_student_numeric_values n join int_student_records r "
        "using (student_id, term) where r.has_recorded_events group by 1"))
    for feature in TIMING_FEATURES:
        assert fills[feature] == pytest.approx(medians[feature])  # the covered students' median, not the longest period


def test_no_persona_is_set_apart_by_filled_timing_values(partly_covered):
    """The acceptance: no persona is 'students without events' by filled values alone. A persona made mostly
    of students without events is said to be so, and its timing features are typical."""
    run = partly_covered
    personas = run.frame("select persona_id, n_students, n_without_events, description from persona_summary")
    assert personas.n_without_events.sum() == STUDENTS - run.covered
    contrasts = run.frame("select persona_id, source_column, standardized_difference from persona_profiles "
                          "where level is null")
    mostly = personas[personas.n_without_events >= naming.MOSTLY_WITHOUT_EVENTS * personas.n_students]
    assert len(mostly) >= 1
    for persona in mostly.itertuples():
        assert persona.description.startswith("Mostly students without recorded activity in the event log"), persona
        timing = contrasts[(contrasts.persona_id == persona.persona_id) & contrasts.source_column.isin(TIMING_FEATURES)]
        assert (timing.standardized_difference.abs() < 0.5).all(), timing
    for persona in personas[~personas.persona_id.isin(mostly.persona_id)].itertuples():
        assert not persona.description.startswith("Mostly students without")
    names = " ".join(run.frame("select persona_name from persona_summary").persona_name)
    assert "no recorded activity" not in names.lower()  # the indicator reads "no event-log activity", not as a number


def test_the_summary_and_pages_show_the_coverage_and_the_rejected_events(partly_covered):
    run = partly_covered
    checks = run.frame("select check_name, column_name, detail, count, denominator from data_quality_summary_published "
                       "where check_name in ('students_without_events', 'event_coverage', 'event_period_weeks')")
    without = checks[checks.check_name == "students_without_events"].iloc[0]
    assert (int(without["count"]), without.denominator) == (STUDENTS - run.covered, STUDENTS)  # published as text
    by_course = {row.detail: (int(row.count), row.denominator)
                 for row in checks[checks.check_name == "event_coverage"].itertuples()}
    assert by_course["A"] == (run.covered, run.covered) and by_course["B"][0] == 0
    assert len(checks[checks.check_name == "event_period_weeks"]) == 1
    quality = page_html(run, "data_quality")
    assert 'id="event-log"' in quality and "Records without events" in quality and "Events set aside by reason" in quality
    assert "Most students have no events." in quality and "event_fit_covered_only: true" in quality
    personas_page = page_html(run, "personas")
    assert "Without events" in personas_page and "data_quality.html#event-log" in personas_page


def test_the_personas_can_be_fitted_on_the_covered_students_only(fitted_on_covered):
    """event_fit_covered_only: the model is fitted on the students with events; the others are still placed,
    with their event features missing (filled by the covered students' medians), not 0."""
    run = fitted_on_covered
    fitted, reference = run.query("select count(*) filter (where is_fitted), count(*) filter (where is_reference) "
                                  "from int_student_records")[0]
    assert (fitted, reference) == (run.covered, STUDENTS)
    assert run.query("select count(*) from persona_assignments")[0][0] == STUDENTS  # everyone is placed
    assert run.query("select count(*) from int_student_records where not has_recorded_events "
                     "and event_total_amount is not null")[0][0] == 0
    fills = dict(run.query("select source_column, fill_value from int_feature_preparation"))
    covered_median = run.query("select median(event_total_amount) from int_student_records where has_recorded_events")[0][0]
    assert fills["event_total_amount"] == pytest.approx(covered_median) and covered_median > 0
    unused = dict(run.query("select source_column, exclusion_reason from int_feature_encoding where not is_used"))
    assert unused["event_no_recorded_activity"].startswith("constant")  # every fitted student has events
