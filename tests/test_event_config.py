"""The event-log configuration checks (student_personas.events): every problem listed at once."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_DIR
from student_personas import events, preflight
from student_personas.preflight import PreflightError

DECLARED = {"student_id": "Student_ID", "time": "occurred_at", "activity": "activity", "amount": "clicks"}
HEADER = ["Student_ID", "occurred_at", "activity", "clicks"]



def test_a_usable_declaration_has_no_problems():
    assert events.event_column_problems(HEADER, DECLARED) == []
    assert events.event_column_problems(["campus", "id", "t"], {"student_id": ["campus", "id"], "time": "t"}) == []


def test_every_column_problem_is_listed_at_once():
    problems = events.event_column_problems(
        HEADER, {"student_id": None, "time": "Occurred_At", "amount": "minutes", "activity": "clicks",
                 "term": "clicks", "colour": "x"})
    text = "\n".join(problems)
    assert len(problems) == 5, problems
    assert "unknown key 'colour'" in text
    assert "event_columns.student_id is required" in text
    assert "'Occurred_At', which is not a column" in text and "did you mean 'occurred_at'" in text
    assert "'minutes', which is not a column of the event log; its columns are: Student_ID, occurred_at" in text
    assert "column 'clicks' is declared twice in event_columns (activity and term)" in text


def test_a_missing_declaration_is_a_problem():
    assert "event_columns must be a mapping" in events.event_column_problems(HEADER, None)[0]
    assert any("event_columns.time is required" in p for p in events.event_column_problems(HEADER, {"student_id": "x"}))


def test_event_setting_problems():
    assert events.event_setting_problems({"event_windows": {"early_weeks": 4, "period_weeks": 15},
                                          "event_activity_types_max": 5, "event_period_start": "2025-09-01",
                                          "event_time_format": "%d/%m/%Y"}) == []
    assert events.event_setting_problems({"event_period_start": {"T1": "2025-09-01", "T2": 0}}) == []
    problems = events.event_setting_problems({
        "event_windows": {"early_weeks": 0, "window": 3}, "event_activity_types_max": -1,
        "event_period_start": {"T1": "first of September"}, "event_time_format": "dd/mm/yyyy"})
    text = "\n".join(problems)
    assert len(problems) == 5, problems
    assert "event_time_format must be a strptime format" in text
    assert "event_windows.early_weeks must be a whole number of weeks of at least 1" in text
    assert "event_windows has an unknown key 'window'" in text
    assert "event_activity_types_max must be a whole number of at least 0, got -1" in text
    assert "event_period_start for term 'T1' must be a date" in text
    assert "longer than" in events.event_setting_problems({"event_windows": {"early_weeks": 6, "period_weeks": 4}})[0]


DEFAULTS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def students_file(folder: Path, ids=range(1, 61), terms=None) -> Path:
    """A small student file of a shape the built-in data does not have: an id and two scores (and a term)."""
    path = folder / "students.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student_ID", *(["Term"] if terms else []), "Quiz_Score", "Forum_Posts"])
        for term in terms or [None]:
            for number in ids:
                writer.writerow([number, *([term] if terms else []), 50 + number % 17, number % 5])
    return path


def config(students: Path, events_path, **overrides) -> dict:
    return {**DEFAULTS, "students_path": str(students), "id_column": "Student_ID", "events_path": str(events_path),
            "event_columns": DECLARED, "context_neighbours_k": 10, "students_like_me_k": 10, **overrides}


def preflight_problems(settings: dict, folder: Path) -> list[str]:
    with pytest.raises(PreflightError) as raised:
        preflight.prepare(settings, set(settings), PROJECT_DIR, folder / "work")
    assert str(raised.value).startswith(f"student-personas preflight found {len(raised.value.problems)} problem(s)")
    return raised.value.problems


def event_input_row(plan) -> dict:
    """The layout the preflight recorded for stg_events (the input_files row of input 'events')."""
    scratch = duckdb.connect()
    for statement in plan.statements:
        scratch.execute(statement)
    facts = scratch.execute("select facts from inputs.input_files where input_name = 'events'").fetchone()
    count = scratch.execute("select count(*) from inputs.events").fetchone()[0]
    return {"facts": facts[0], "events": count}


@pytest.mark.parametrize("content, message", [
    ("", "is empty (no header and no rows)"),
    ("Student_ID,occurred_at,activity,clicks\n", "has a header (Student_ID, occurred_at, activity, clicks) but no data rows"),
])
def test_an_empty_event_log_is_an_error_before_anything_is_built(tmp_path, content, message):
    path = tmp_path / "events.csv"
    path.write_text(content)
    problems = preflight_problems(config(students_file(tmp_path), path), tmp_path)
    assert any(message in p for p in problems), problems


def test_a_missing_file_is_reported(tmp_path):
    missing = tmp_path / "nowhere.csv"
    problems = preflight_problems(config(students_file(tmp_path), missing), tmp_path)
    assert len(problems) == 1 and "nowhere.csv" in problems[0] and "events_path" in problems[0], problems


def test_every_event_problem_is_listed_with_the_student_file_problems(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,when,activity,clicks\n1,2025-09-01,quiz,2\n")
    problems = preflight_problems(config(students_file(tmp_path), path, event_activity_types_max=-2,
                                         label_column="Not_A_Column"), tmp_path)
    text = "\n".join(problems)
    assert "events_path: event_columns.time names 'occurred_at', which is not a column of the event log" in text
    assert "var event_activity_types_max must be at least 0, not -2" in text
    assert "'Not_A_Column' (declared in label_column)" in text
    assert len(problems) == 3, problems


def test_terms_must_be_declared_in_both_files(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,occurred_at,activity,clicks,Term\n1,2025-09-01,quiz,2,T1\n")
    students = students_file(tmp_path, terms=["T1", "T2"])
    problems = preflight_problems(config(students, path, term_column="Term"), tmp_path)
    assert any("event_columns.term is not set" in p for p in problems), problems
    problems = preflight_problems(config(students, path, event_columns={**DECLARED, "term": "Term"}), tmp_path)
    assert any("event_columns.term is 'Term', but the student file has no term_column" in p for p in problems), problems


def test_a_student_column_named_like_an_event_feature_is_an_error(tmp_path):
    students = students_file(tmp_path)
    students.write_text(students.read_text().replace("Forum_Posts", "event_active_days"))
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,occurred_at,activity,clicks\n1,2025-09-01,quiz,2\n")
    problems = preflight_problems(config(students, path), tmp_path)
    assert problems == ["column 'event_active_days' of the student file has the name of an event feature; rename it"]


def test_a_comment_character_does_not_hide_rows(tmp_path):
    """Ids starting with '#' are events like any other: the log is read with comment skipping off."""
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,occurred_at,activity,clicks\n#1,2025-09-01,quiz,2\n#2,2025-09-02,quiz,1\n3,2025-09-02,video,4\n")
    plan = preflight.prepare(config(students_file(tmp_path), path), set(), PROJECT_DIR, tmp_path / "work")
    row = event_input_row(plan)
    assert row["events"] == 3
    assert '"time_reading"' in row["facts"] and '"student_id": ["Student_ID"]' in row["facts"]


def test_a_composite_event_id_and_day_offsets_are_recorded_in_the_layout(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("campus,learner,day,activity\nN,1,0,quiz\nN,1,3,video\nS,1,-2,quiz\n")
    settings = config(students_file(tmp_path), path,
                      event_columns={"student_id": ["campus", "learner"], "time": "day", "activity": "activity"})
    plan = preflight.prepare(settings, set(), PROJECT_DIR, tmp_path / "work")
    row = event_input_row(plan)
    assert row["events"] == 3 and '"student_id": ["campus", "learner"]' in row["facts"]


def test_no_event_log_creates_no_events_view(tmp_path):
    settings = {**config(students_file(tmp_path), None), "events_path": None}
    plan = preflight.prepare(settings, set(), PROJECT_DIR, tmp_path / "work")
    assert any("drop view if exists inputs.events" in statement for statement in plan.statements)
    assert events.feature_names({"event_windows": {"early_weeks": None}}) == list(events.FIXED_FEATURES)


def test_a_term_with_too_few_students_for_the_neighbour_search_is_an_error(tmp_path):
    students = students_file(tmp_path, terms=["T1", "T2"])
    with open(students, "a", encoding="utf-8") as handle:
        handle.writelines(f"{number},T3,50,1\r\n" for number in range(1, 6))
    settings = {**config(students, None), "events_path": None, "term_column": "Term"}
    problems = preflight_problems(settings, tmp_path)
    assert problems == ["term_column 'Term': similar students are found within each term, which needs more than 10 "
                        "students per term, but 1 term(s) have fewer: 'T3' 5. Leave those records out of the file, "
                        "or set context_neighbours_k and students_like_me_k lower"]
