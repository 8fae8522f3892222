"""The generator's event logs and terms (student_personas.synthetic): planted engagement patterns, an
event-only pattern, planted transitions."""

from __future__ import annotations

import datetime as dt
import functools

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from conftest import PROJECT_DIR
from event_reference import reference_features
from student_personas import synthetic


def test_students_file_unchanged_by_the_event_and_term_options(tmp_path):
    """The built-in seed and its planted patterns are still exactly what write_students writes."""
    out, planted = synthetic.write_students(tmp_path / "students.csv", 1000)
    assert out.read_bytes() == (PROJECT_DIR / "examples" / "builtin" / "students.csv").read_bytes()
    assert planted.read_bytes() == (PROJECT_DIR / "tests" / "fixtures" / "planted_patterns.csv").read_bytes()


@pytest.mark.parametrize("time_kind, suffix", [("timestamp", ".csv"), ("date", ".parquet"), ("day", ".csv")])
def test_event_log_columns_values_and_planted_counts(tmp_path, time_kind, suffix):
    written = synthetic.write_events(tmp_path / f"events{suffix}", 300, events_per_student=40, term_weeks=10,
                                     time_kind=time_kind)
    reader = "read_parquet" if suffix == ".parquet" else "read_csv"
    log = duckdb.sql(f"select * from {reader}('{written['events']}')")
    time_column = "day" if time_kind == "day" else "occurred_at"
    assert log.columns == ["Student_ID", time_column, "activity", "clicks"]
    frame = log.df()
    assert len(frame) == written["event_count"] > 300 * 30
    assert frame.Student_ID.between(1, 300).all() and (frame.clicks >= 1).all()
    assert set(frame.activity) <= set(synthetic.ACTIVITY_TYPES)
    if time_kind == "day":
        assert frame.day.between(0, 10 * 7 - 1).all()
    else:
        start = dt.datetime(2025, 9, 1)
        times = frame.occurred_at.astype("datetime64[s]")
        assert times.min() >= start and times.max() < start + dt.timedelta(weeks=10)
    planted = duckdb.sql(f"select * from read_csv('{written['patterns']}')").df()
    counts = frame.groupby("Student_ID").size()
    assert (planted.set_index("Student_ID").planted_events.reindex(counts.index) == counts).all()
    assert planted.planted_events.sum() == len(frame)
    assert (planted.planted_events == 0).any()  # some students have no events at all
    assert set(planted.planted_pattern) == set(range(len(synthetic.EVENT_BEHAVIOURS)))


def test_same_seed_same_event_log(tmp_path):
    first = synthetic.write_events(tmp_path / "a.csv", 200, events_per_student=20)
    second = synthetic.write_events(tmp_path / "b.csv", 200, events_per_student=20)
    other = synthetic.write_events(tmp_path / "c.csv", 200, seed=5, events_per_student=20)
    assert first["events"].read_bytes() == second["events"].read_bytes()
    assert first["events"].read_bytes() != other["events"].read_bytes()


@functools.lru_cache(maxsize=None)
def _event_features(n_students: int, events_per_student: float = 60):
    """Reference event features of generated students (rows in student order) and the planted paths."""
    paths = synthetic.planted_paths(n_students)
    log = pa.Table.from_batches([batch for _, batch in synthetic.event_batches(paths, events_per_student=events_per_student)])
    day_number = log.column("occurred_at").to_numpy().astype("datetime64[s]").astype(np.int64) / 86400
    features = reference_features(log.column("Student_ID").to_numpy(), np.full(len(log), "all"), day_number,
                                  log.column("clicks").to_numpy(), np.asarray(log.column("activity").to_pylist()))
    names = [name for name in next(iter(features.values())) if name != "events"]
    matrix = np.zeros((n_students, len(names)))
    matrix[:, names.index("event_days_to_first")] = synthetic.DEFAULT_TERM_WEEKS * 7
    for (student, _), values in features.items():
        matrix[int(student) - 1] = [values[name] for name in names]
    return matrix, names, paths


def test_the_event_only_pattern_shows_in_events_and_not_in_records():
    """Late starters are steady on-campus students in the records (same distribution of every column) but
    differ by more than one SD in the timing features of their events; clustering steady on-campus students
    separates the two groups from event features and not from records."""
    table, record_pattern = synthetic.generate_students(20_000)
    paths = synthetic.planted_paths(20_000)
    assert np.array_equal(synthetic.record_patterns(paths[0]), record_pattern)
    steady, late = paths[0] == 0, paths[0] == synthetic.EVENT_ONLY_PATTERN
    assert 0.35 < late.sum() / (steady.sum() + late.sum()) < 0.55
    for spec in synthetic.NUMERIC_COLUMNS:
        values = table.column(spec.name).to_numpy().astype(float)
        assert abs(values[steady].mean() - values[late].mean()) < 0.1 * values.std(), spec.name

    features, names, paths = _event_features(3000)
    steady, late = paths[0] == 0, paths[0] == synthetic.EVENT_ONLY_PATTERN
    spread = features.std(axis=0)
    for name in ["event_days_to_first", "event_active_week_share", "event_early_amount"]:
        column = names.index(name)
        assert abs(features[steady, column].mean() - features[late, column].mean()) > spread[column], name

    group = steady | late
    table, _ = synthetic.generate_students(3000)
    records = np.column_stack([table.column(s.name).to_numpy().astype(float) for s in synthetic.NUMERIC_COLUMNS])
    scale = lambda x: (x - x.min(0)) / np.maximum(np.ptp(x, axis=0), 1e-12)  # noqa: E731
    by_records = KMeans(2, n_init=10, random_state=0).fit_predict(scale(records[group]))
    by_events = KMeans(2, n_init=10, random_state=0).fit_predict(scale(features[group]))
    assert adjusted_rand_score(late[group], by_records) < 0.05
    assert adjusted_rand_score(late[group], by_events) > 0.8


def test_events_and_records_together_recover_all_six_patterns():
    """Six clusters of min-max scaled records and event features match the six planted patterns; records
    alone cannot (the late starters merge with the other steady on-campus students)."""
    features, _, paths = _event_features(3000)
    table, _ = synthetic.generate_students(3000)
    records = np.column_stack([table.column(s.name).to_numpy().astype(float) for s in synthetic.NUMERIC_COLUMNS])
    scale = lambda x: (x - x.min(0)) / np.maximum(np.ptp(x, axis=0), 1e-12)  # noqa: E731
    both = KMeans(6, n_init=10, random_state=0).fit_predict(np.hstack([scale(records), scale(features)]))
    records_only = KMeans(6, n_init=10, random_state=0).fit_predict(scale(records))
    assert adjusted_rand_score(paths[0], both) > 0.95
    assert adjusted_rand_score(paths[0], records_only) < 0.9


# ---- generated terms -----------------------------------------------------------------------------------

def test_terms_keep_students_and_follow_the_planted_transitions(tmp_path):
    out, patterns_out, transitions_out = synthetic.write_term_students(tmp_path / "students.csv", 20_000, 3)
    students = duckdb.sql(f"select * from read_csv('{out}', all_varchar = true)").df()
    assert list(students.columns[:2]) == ["Student_ID", "Term"] and len(students) == 60_000
    first, _ = synthetic.generate_students(20_000)
    term_1 = students[students.Term == "T1"].reset_index(drop=True)
    for column in ["Student_ID", "GPA", "Online_Learning_Hours"]:  # term 1 is the single-term cohort
        assert (term_1[column].astype(float) == first.column(column).to_numpy()).all(), column
    assert (term_1.Gender == first.column("Gender").to_pandas()).all()
    for column in ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]:
        assert students.groupby("Student_ID")[column].nunique().max() == 1, column

    paths = synthetic.planted_paths(20_000, 3)
    for term in (1, 2):
        for source in range(len(synthetic.EVENT_BEHAVIOURS)):
            rows = paths[term - 1] == source
            realised = np.bincount(paths[term, rows], minlength=len(synthetic.EVENT_BEHAVIOURS)) / rows.sum()
            assert np.abs(realised - synthetic.TRANSITIONS[source]).max() < 0.03

    planted = duckdb.sql(f"select * from read_csv('{patterns_out}')").df()
    assert len(planted) == 60_000 and set(planted.planted_pattern) == set(range(len(synthetic.PATTERNS)))
    transitions = duckdb.sql(f"select * from read_csv('{transitions_out}')").df()
    pairs = planted.pivot(index="Student_ID", columns="Term", values="planted_pattern")
    for row in transitions.itertuples():
        moved = ((pairs[row.term_from] == row.pattern_from) & (pairs[row.term_to] == row.pattern_to)).sum()
        assert moved == row.students
        assert abs(row.share_of_from - moved / (pairs[row.term_from] == row.pattern_from).sum()) < 1e-12
        assert abs(row.share_of_from - row.planted_probability) < 0.03
    assert transitions.groupby(["term_from", "pattern_from"]).share_of_from.sum().sub(1).abs().max() < 1e-9


def test_term_event_log_has_terms_and_event_level_transitions(tmp_path):
    written = synthetic.write_events(tmp_path / "events.parquet", 500, n_terms=2, events_per_student=20)
    log = duckdb.sql(f"select * from read_parquet('{written['events']}')").df()
    assert list(log.columns) == ["Student_ID", "Term", "occurred_at", "activity", "clicks"]
    assert set(log.Term) == {"T1", "T2"}
    second_start = dt.datetime(2025, 9, 1) + dt.timedelta(weeks=synthetic.DEFAULT_TERM_WEEKS + synthetic.TERM_GAP_WEEKS)
    assert (log[log.Term == "T2"].occurred_at >= second_start).all() and (log[log.Term == "T1"].occurred_at < second_start).all()
    transitions = duckdb.sql(f"select * from read_csv('{written['transitions']}')").df()
    assert set(transitions.pattern_from) == set(range(len(synthetic.EVENT_BEHAVIOURS)))
    planted = duckdb.sql(f"select * from read_csv('{written['patterns']}')").df()
    assert len(planted) == 1000 and (planted.groupby("Term").planted_events.sum() == log.groupby("Term").size()).all()


def test_command_line_writes_students_events_and_terms(tmp_path):
    assert synthetic.main(["--rows", "200", "--out", str(tmp_path / "s.csv"), "--terms", "2",
                           "--events-out", str(tmp_path / "e.csv"), "--events-per-student", "5",
                           "--event-time", "day", "--term-weeks", "6"]) == 0
    for name in ["s.csv", "s_planted_patterns.csv", "s_planted_transitions.csv", "e.csv", "e_planted_patterns.csv",
                 "e_planted_transitions.csv"]:
        assert (tmp_path / name).stat().st_size > 0, name
    assert duckdb.sql(f"select max(day) from read_csv('{tmp_path / 'e.csv'}')").fetchall()[0][0] < 6 * 7
