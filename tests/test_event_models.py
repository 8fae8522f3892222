"""The event-log models, built by dbt (only the `events` subgraph and the student staging it reads,
`--select +tag:events`) on small generated logs with planted bad rows: every feature against the numpy
reference on the same events, the quarantine with its reasons and counts, unknown students, and the
configuration errors, which the preflight lists at once before anything is built.

Each build reads a real generated student file of its own shape (an id, or a composite id and a term, and
two scores), not the built-in data.
"""

from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pa_parquet
import pytest

from conftest import run_dbt
from event_reference import reference_features
from student_personas import synthetic

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

TIMESTAMP_COLUMNS = {"student_id": "Student_ID", "time": "occurred_at", "activity": "activity", "amount": "clicks"}

# Bad rows appended to the timestamped log: (line, first failed check or None for a usable event).
BAD_LINES = (
    [("17,not a time,quiz,2", "unparseable_time")] * 7
    + [("18,03/09/2025 10:00:00,quiz,-3", "negative_amount")] * 2
    + [("19,03/09/2025 10:00:00,quiz,many", "non_numeric_amount"),
       ("20,03/09/2025 10:00:00,quiz,inf", "non_finite_amount"),
       (",03/09/2025 10:00:00,quiz,1", "missing_student_id"),
       ("21,,quiz,1", "missing_time"),
       ("22,03/09/2025 10:00:00,,1", "missing_activity"),
       ("23,03/09/2025 10:00:00,quiz,", "missing_amount"),
       ("28,bad,quiz,-1", "unparseable_time"),
       ("29,2025-09-03 10:00:00,quiz,1", "unparseable_time"),  # ISO, but not the log's format
       ("#24,03/09/2025 10:00:00,quiz,1", None),  # a '#' starts a value, not a comment: an unknown student
       ("S-404,04/09/2025 11:00:00,video,3", None),
       ("S-404,04/09/2025 12:00:00,video,2", None),
       (" 25 ,05/09/2025 12:00:00,forum,4", None),  # id trimmed: a known student
       ("26,01/03/2099 10:00:00,quiz,1", "far_outside_period"),  # a mistyped year: it must not stretch the period
       ("27,01/01/1970 00:00:00,quiz,1", "far_outside_period")]
)
UNKNOWN_GENERATED_IDS = {"1", "2", "3"}  # generated students left out of the stubbed student file


EVENTS_SUBGRAPH = "build --select +tag:events --indirect-selection cautious"


def write_students(path, student_ids, terms=None) -> tuple[str, list[str]]:
    """A student file holding `student_ids` (a composite id 'campus|id' becomes two columns), with a term
    column when `terms` are given; returns its path and id columns."""
    composite = any("|" in student for student in student_ids)
    id_columns = ["campus", "Student_ID"] if composite else ["Student_ID"]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*id_columns, *(["Term"] if terms else []), "Quiz_Score", "Forum_Posts"])
        for term in terms or [None]:
            for number, student in enumerate(student_ids):
                writer.writerow([*student.split("|"), *([term] if terms else []), 40 + number % 23, number % 7])
    return str(path), id_columns


def build_events(workdir, student_ids, variables, terms=None):
    workdir.mkdir(parents=True, exist_ok=True)
    students, id_columns = write_students(workdir / "students.csv", student_ids, terms)
    base = {"students_path": students, "id_column": id_columns if len(id_columns) > 1 else id_columns[0],
            "term_column": "Term" if terms else None, "context_neighbours_k": 10, "students_like_me_k": 10}
    return run_dbt(workdir, EVENTS_SUBGRAPH, base_vars=base, variables=variables)


def built_features(run) -> dict:
    frame = run.frame("select * from int_student_event_features")
    return {(row["student_id"], row["term"]): row for row in frame.to_dict("records")}


def assert_features_match(run, expected: dict) -> None:
    built = built_features(run)
    assert set(built) == set(expected)
    catalog = [row[0] for row in run.query("select feature_column from int_event_feature_catalog order by feature_position")]
    assert sorted(catalog + ["events"]) == sorted(next(iter(expected.values())))
    for key, values in expected.items():
        for name, value in values.items():
            assert math.isclose(built[key][name], value, rel_tol=1e-9, abs_tol=1e-9), (key, name, built[key][name], value)


# ---- a timestamped CSV log with bad rows ----------------------------------------------------------------

@pytest.fixture(scope="session")
def timestamp_log(tmp_path_factory):
    """400 generated students over 10 weeks, times written day first (31/12/2025 23:59:59, so the format
    must be detected), plus BAD_LINES, built once."""
    workdir = tmp_path_factory.mktemp("events_timestamp")
    written = synthetic.write_events(workdir / "generated.csv", 400, events_per_student=30, term_weeks=10)
    path = workdir / "events.csv"
    with open(written["events"], newline="", encoding="utf-8") as generated, open(path, "w", encoding="utf-8") as log:
        rows = csv.reader(generated)
        log.write(",".join(next(rows)) + "\n")
        for student, when, activity, clicks in rows:
            log.write(f"{student},{dt.datetime.fromisoformat(when):%d/%m/%Y %H:%M:%S},{activity},{clicks}\n")
        log.writelines(line + "\n" for line, _ in BAD_LINES)
    students = [str(i) for i in range(1, 401) if str(i) not in UNKNOWN_GENERATED_IDS] + ["9001"]
    run = build_events(workdir / "wh", students, {
        "events_path": str(path), "event_columns": TIMESTAMP_COLUMNS,
        "event_windows": {"early_weeks": 3}, "event_activity_types_max": 3})
    assert run.returncode == 0, run.output[-4000:]
    assert "time column 'occurred_at' read as timestamps in the format '%d/%m/%Y %H:%M:%S'" in run.output
    return run, path, students


def _usable_rows(path):
    """The log's usable events by the documented checks, read with the csv module."""
    with open(path, newline="", encoding="utf-8") as log:
        rows = list(csv.DictReader(log))
    usable = []
    for row in rows:
        student, when, activity, clicks = (row[c].strip() for c in ("Student_ID", "occurred_at", "activity", "clicks"))
        try:
            time = dt.datetime.strptime(when, "%d/%m/%Y %H:%M:%S")
            amount = float(clicks)
        except ValueError:
            continue
        if student and activity and math.isfinite(amount) and amount >= 0 and 2000 < time.year < 2090:  # the log is in 2025
            usable.append((student, (time - dt.datetime(1970, 1, 1)).total_seconds() / 86400, activity, amount))
    return rows, usable


def test_timestamp_features_match_the_reference(timestamp_log):
    run, path, _ = timestamp_log
    _, usable = _usable_rows(path)
    student, day, activity, amount = (np.array(column) for column in zip(*usable))
    expected = reference_features(student, np.full(len(usable), "all"), day, amount, activity, early_weeks=3, types_max=3)
    assert_features_match(run, expected)
    assert run.scalar("select period_start from int_event_periods") == dt.datetime(2025, 9, 1)
    assert run.scalar("select period_weeks from int_event_periods") == 10


def test_events_in_equal_used_plus_rejected_with_every_reason(timestamp_log):
    run, path, _ = timestamp_log
    rows, usable = _usable_rows(path)
    events_in, used, rejected = run.query("select events_in, events_used, events_rejected from int_event_accounting")[0]
    assert (events_in, used) == (len(rows), len(usable)) and events_in == used + rejected
    expected = {}
    for _, check in BAD_LINES:
        if check:
            expected[check] = expected.get(check, 0) + 1
    assert dict(run.query("select rejection_check, events from int_event_rejections")) == expected
    reasons = dict(run.query("select source_time, rejection_reason from stg_events where source_student_id = '28'"))
    assert reasons["bad"] == ("occurred_at is 'bad', not a time like the rest of the column (timestamps in the "
                              "format '%d/%m/%Y %H:%M:%S'); clicks is -1, below 0")
    assert run.scalar("select first_reason from int_event_rejections where rejection_check = 'non_numeric_amount'") \
        == "clicks is 'many', which is not a number"


def test_examples_are_bounded_and_point_at_the_file_rows(timestamp_log):
    run, path, _ = timestamp_log
    rows, _ = _usable_rows(path)
    examples = run.query("select event_row_number, source_student_id, source_time from int_event_reject_examples "
                         "where rejection_check = 'unparseable_time' order by example_rank")
    assert len(examples) == 5  # 8 unparseable times, at most five examples
    first_bad = len(rows) - len(BAD_LINES) + 1
    assert [row[0] for row in examples] == list(range(first_bad, first_bad + 5))
    assert all(row[1:] == ("17", "not a time") for row in examples)
    assert run.scalar("select max(events) from (select count(*) as events from int_event_reject_examples "
                      "group by rejection_check)") <= 5


def test_unknown_students_are_counted_and_listed(timestamp_log):
    run, path, students = timestamp_log
    _, usable = _usable_rows(path)
    known = set(students)
    unknown_events = sum(1 for row in usable if row[0] not in known)
    listed = dict(run.query("select student_id, events from int_event_unknown_students"))
    assert set(listed) == {"#24", "S-404"} | {i for i in UNKNOWN_GENERATED_IDS if any(r[0] == i for r in usable)}
    assert listed["S-404"] == 2 and sum(listed.values()) == unknown_events
    accounting = run.frame("select * from int_event_accounting").iloc[0]
    assert accounting.events_of_unknown_students == unknown_events
    assert accounting.events_of_known_students == len(usable) - unknown_events
    with_events = {row[0] for row in usable} & known
    assert accounting.students_without_events == len(known) - len(with_events) > 0
    assert "25" in {row[0] for row in usable} and ("25", "all") in built_features(run)


def test_students_without_events_get_the_values_without_events(timestamp_log):
    run, _, _ = timestamp_log
    catalog = dict(run.query("select feature_column, value_without_events from int_event_feature_catalog"))
    assert catalog["event_no_recorded_activity"] == 1 and catalog["event_total_amount"] == 0
    assert catalog["event_days_to_first"] is None and catalog["event_week_regularity"] is None  # missing
    # The data test assert_students_without_events_get_values_without_events ran in the build and passed.
    assert "assert_students_without_events_get_values_without_events" in run.output and run.returncode == 0


def test_the_catalog_records_origin_and_formula(timestamp_log):
    run, _, _ = timestamp_log
    catalog = run.frame("select * from int_event_feature_catalog order by feature_position")
    assert set(catalog.origin) == {"events"} and catalog.formula.notna().all() and catalog.formula_sql.notna().all()
    shares = catalog[catalog.activity_type.notna()]
    assert len(shares) == 3 and list(shares.feature_column) == [f"event_share_{t}" for t in shares.activity_type]
    regularity = catalog.set_index("feature_column").loc["event_week_regularity"]
    assert "ln(W)" in regularity.formula and "ln(" in regularity.formula_sql
    ranks = run.query("select activity_type, feature_column from int_event_activity_types order by amount_rank")
    assert len(ranks) == 8 and [r[1] for r in ranks[3:]] == [None] * 5


# ---- a Parquet log with terms, a composite id and day offsets ----------------------------------------------

COMPOSITE_COLUMNS = {"student_id": ["campus", "Student_ID"], "time": "day", "activity": "activity",
                     "amount": None, "term": "Term"}


PERIOD_STARTS = {"T1": 0, "T2": -1}


@pytest.fixture(scope="session")
def term_log(tmp_path_factory):
    """300 students in two terms of 8 weeks, day offsets, a composite id (campus, Student_ID), no amount
    column, a period start per term (T2 starts a day early, so its last day falls after the period), and
    events before the start, after the end and without a term."""
    workdir = tmp_path_factory.mktemp("events_terms")
    written = synthetic.write_events(workdir / "generated.parquet", 300, n_terms=2, events_per_student=20,
                                     term_weeks=8, time_kind="day")
    log = pa_parquet.read_table(written["events"]).to_pandas()
    log["Term"] = log["Term"].astype(str)
    log.insert(0, "campus", "north")
    bad = log.head(3).copy()
    bad["day"] = [-2, 60, 5]
    bad.loc[bad.index[2], "Term"] = None
    log = pd.concat([log.iloc[3:], bad], ignore_index=True)
    path = workdir / "events.parquet"
    pa_parquet.write_table(pa.Table.from_pandas(log, preserve_index=False), path)
    students = [f"north|{i}" for i in range(1, 301)]
    run = build_events(workdir / "wh", students, {
        "events_path": str(path), "event_columns": COMPOSITE_COLUMNS,
        "event_windows": {"early_weeks": 2, "period_weeks": 8}, "event_activity_types_max": 10,
        "event_period_start": PERIOD_STARTS}, terms=list(PERIOD_STARTS))
    assert run.returncode == 0, run.output[-4000:]
    return run, log


def test_term_features_match_the_reference(term_log):
    run, log = term_log
    start = log.Term.map(PERIOD_STARTS)
    before, after = log.day < start, log.day >= start + 56
    usable = log[~before & ~after & log.Term.notna()]
    expected = reference_features("north|" + usable.Student_ID.astype(str), usable.Term, usable.day.astype(float),
                                  np.ones(len(usable)), usable.activity.astype(str),
                                  period_start={t: float(v) for t, v in PERIOD_STARTS.items()},
                                  period_weeks=8, early_weeks=2, types_max=10)
    assert_features_match(run, expected)
    assert run.query("select term, period_start_day, period_start, period_weeks from int_event_periods order by term") \
        == [("T1", 0.0, None, 8), ("T2", -1.0, None, 8)]
    assert after.sum() > 1  # the generated last day of T2 and the planted day 60
    assert dict(run.query("select rejection_check, events from int_event_rejections")) \
        == {"before_period_start": 1, "after_period_end": int(after.sum()), "missing_term": 1}
    assert run.scalar("select count(*) from int_event_unknown_students") == 0


# ---- a Parquet log with native timestamps, a declared period start, no activity column --------------------

@pytest.fixture(scope="session")
def native_log(tmp_path_factory):
    """200 students, Parquet timestamps, the period declared to start on Sunday 31 August, no activity
    column and no early window: no share or early features."""
    workdir = tmp_path_factory.mktemp("events_native")
    written = synthetic.write_events(workdir / "events.parquet", 200, events_per_student=25, term_weeks=6)
    run = build_events(workdir / "wh", [str(i) for i in range(1, 201)], {
        "events_path": str(written["events"]), "event_period_start": "2025-08-31",
        "event_columns": {"student_id": "Student_ID", "time": "occurred_at", "amount": "clicks"},
        "event_windows": {"early_weeks": None}})
    assert run.returncode == 0, run.output[-4000:]
    return run, pa_parquet.read_table(written["events"]).to_pandas()


def test_native_timestamps_and_a_declared_period_start(native_log):
    run, log = native_log
    assert "time column 'occurred_at' read as timestamp values" in run.output
    start = (dt.datetime(2025, 8, 31) - dt.datetime(1970, 1, 1)).days
    day = log.occurred_at.astype("datetime64[s]").astype(np.int64) / 86400
    expected = reference_features(log.Student_ID.astype(str), np.full(len(log), "all"), day, log.clicks,
                                  None, period_start=float(start), early_weeks=None)
    assert_features_match(run, expected)
    assert run.query("select period_start, period_weeks from int_event_periods") == [(dt.datetime(2025, 8, 31), 7)]
    assert run.scalar("select count(*) from int_event_rejections") == 0


# ---- configuration errors and unusable logs --------------------------------------------------------------

def test_configuration_problems_are_listed_at_once(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,when,activity,Clicks\n" + "".join(f"{i},Sept {i}st 2025 at 10am,quiz,1\n" for i in range(1, 30)))
    run = build_events(tmp_path / "wh", [str(i) for i in range(1, 30)], {
        "events_path": str(path), "event_activity_types_max": -1,
        "event_columns": {"student_id": "Student_ID", "time": "when", "activity": "kind", "amount": "clicks"}})
    assert run.returncode != 0
    assert "student-personas preflight found 4 problem(s)" in run.output
    assert "events_path: event_columns.activity names 'kind', which is not a column of the event log" in run.output
    assert "'clicks', which is not a column of the event log (did you mean 'Clicks'?" in run.output
    assert "var event_activity_types_max must be at least 0, not -1" in run.output
    assert "the format of the time column 'when' is not recognised (e.g. 'Sept 1st 2025 at 10am'" in run.output
    assert not run.database.exists() or not run.query(
        "select 1 from information_schema.tables where table_name = 'stg_events'")  # nothing was built


def test_a_mostly_unusable_log_fails_with_both_reasons(tmp_path):
    """30% unparseable times and ids written differently from the student file: the build stops and says
    both, with counts, examples and the ids of both files."""
    path = tmp_path / "events.csv"
    lines = [f"{i % 50},2025-09-{1 + i % 28:02d} 10:00:00,quiz,1" if i % 10 >= 3 else f"{i % 50},yesterday,quiz,1"
             for i in range(1000)]
    path.write_text("id,at,type,n\n" + "\n".join(lines) + "\n")
    run = build_events(tmp_path / "wh", [f"S{i:03d}" for i in range(50)], {
        "events_path": str(path), "event_columns": {"student_id": "id", "time": "at", "activity": "type", "amount": "n"}})
    assert run.returncode != 0
    assert "300 of 1,000 events were rejected, more than the allowed share event_max_rejected_share = 0.2" in run.output
    assert "unparseable_time: 300 events (30.0%), e.g. event 1: at is 'yesterday'" in run.output
    assert "700 of 700 usable events belong to students who are not in the student file" in run.output
    assert "student file ids look like 'S000', 'S001', 'S002'" in run.output
