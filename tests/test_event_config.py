"""The event-log configuration checks (student_personas.events): every problem listed at once."""

from __future__ import annotations

import json

import duckdb
import pytest

from student_personas import events

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


def _settings(path, **overrides):
    return {"events_path": str(path), "event_columns": DECLARED, "event_windows": {"early_weeks": 4},
            "event_activity_types_max": 5, **overrides}


@pytest.mark.parametrize("content, message", [
    ("", "is empty (no header and no events)"),
    ("Student_ID,occurred_at,activity,clicks\n", "has a header (Student_ID, occurred_at, activity, clicks) but no events"),
])
def test_an_empty_event_log_is_an_error(tmp_path, content, message):
    path = tmp_path / "events.csv"
    path.write_text(content)
    problems = events.event_log_problems(_settings(path))
    assert any(message in p for p in problems), problems


def test_a_missing_file_and_a_missing_column_are_both_reported(tmp_path):
    problems = events.event_log_problems(_settings(tmp_path / "nowhere.csv"))
    assert problems == [f"the event log '{tmp_path / 'nowhere.csv'}' does not exist"]
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,when,activity,clicks\n1,2025-09-01,quiz,2\n")
    problems = events.event_log_problems(_settings(path, event_activity_types_max=-2))
    assert len(problems) == 2 and "'occurred_at', which is not a column" in problems[0], problems


def test_a_comment_character_does_not_hide_rows(tmp_path):
    """The header is read with comment skipping off, as the warehouse reads the file."""
    path = tmp_path / "events.csv"
    path.write_text("#id,occurred_at\n#1,2025-09-01\n")
    assert events.read_event_header(path) == (["#id", "occurred_at"], True)


def test_no_event_log_has_no_problems():
    assert events.event_log_problems({"events_path": None, "event_columns": None}) == []


def test_registered_sql_functions(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Student_ID,occurred_at\n1,2025-09-01\n")
    with duckdb.connect() as connection:
        events.register(connection)
        problems = connection.execute("select event_log_problems(?)", [json.dumps(_settings(path))]).fetchone()[0]
        columns = connection.execute("select event_log_columns(?)", [str(path)]).fetchone()[0]
    assert len(problems) == 2 and all("which is not a column" in p for p in problems)
    assert columns == ["Student_ID", "occurred_at"]
