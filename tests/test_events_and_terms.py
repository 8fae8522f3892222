"""Event logs and terms end to end: a generated three-term cohort with its learning-platform event log,
built once, then a fourth term scored with the stored model and that term's events.

The generator plants behaviour patterns in the records and in the events, one of them (late-starting)
visible only in the events, and planted transitions between terms (student_personas.synthetic)."""

from __future__ import annotations

import csv

import json

import duckdb
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from conftest import BUILTIN_VARS, built, run_dbt
from test_reports import PageReader, page_html
from student_personas import subgroups, synthetic, warehouse
from student_personas.cli import SCORING_SELECTION

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

STUDENTS_PER_TERM = 600
EVENT_COLUMNS = {"student_id": "Student_ID", "time": "occurred_at", "activity": "activity", "amount": "clicks",
                 "term": "Term"}


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split_by_term(source, fitted_out, scored_out, scored_term: str) -> None:
    """Write the rows of `scored_term` to `scored_out` and every other term's to `fitted_out`."""
    reader = "read_parquet" if str(source).endswith(".parquet") else "read_csv"
    with duckdb.connect() as connection:
        for out, condition in ((fitted_out, "<>"), (scored_out, "=")):
            connection.execute(f"copy (select * from {reader}(?) where Term {condition} ?) to '{out}'",
                               [str(source), scored_term])


@pytest.fixture(scope="session")
def terms_build(tmp_path_factory):
    """Terms T1-T3 of a generated four-term cohort (600 students a term) and their event log, built with the
    worked example's roles plus the term column and the event log; T4 is kept back for scoring."""
    folder = tmp_path_factory.mktemp("terms")
    students, record_patterns, record_transitions = synthetic.write_term_students(
        folder / "all_students.csv", STUDENTS_PER_TERM, 4)
    written = synthetic.write_events(folder / "all_events.parquet", STUDENTS_PER_TERM, n_terms=4)
    split_by_term(students, folder / "students.csv", folder / "t4_students.csv", "T4")
    split_by_term(written["events"], folder / "events.parquet", folder / "t4_events.parquet", "T4")
    variables = {**BUILTIN_VARS, "students_path": str(folder / "students.csv"), "term_column": "Term",
                 "events_path": str(folder / "events.parquet"), "event_columns": EVENT_COLUMNS}
    run = built(run_dbt(folder / "wh", base_vars=variables))
    run.folder = folder
    run.variables = variables
    run.event_patterns = {(row["Student_ID"], row["Term"]): int(row["planted_pattern"])
                          for row in read_csv(written["patterns"])}
    run.record_patterns = {(row["Student_ID"], row["Term"]): int(row["planted_pattern"])
                           for row in read_csv(record_patterns)}
    run.record_transitions = [row for row in read_csv(record_transitions) if row["term_to"] != "T4"]
    return run


@pytest.fixture(scope="session")
def scored_fourth_term(terms_build):
    """T4 scored with the stored model and T4's events; run twice, as an institution re-running a batch would."""
    folder = terms_build.folder
    before = terms_build.frame("select * from persona_history order by student_id, term")
    variables = {**terms_build.variables, "score_students_path": str(folder / "t4_students.csv"),
                 "score_events_path": str(folder / "t4_events.parquet")}
    first = built(run_dbt(folder / "wh", base_vars=variables, extra_args=SCORING_SELECTION))
    after_first = first.frame("select * from persona_history order by student_id, term, batch_id")
    second = built(run_dbt(folder / "wh", base_vars=variables, extra_args=SCORING_SELECTION))
    return before, after_first, second


def placements(run) -> dict:
    return {(student, term): persona for student, term, persona in run.query(
        "select student_id, term, persona_id from persona_assignments")}


def test_event_features_are_encoded_with_their_origin_and_formula(terms_build):
    rows = terms_build.query("select source_column, origin, formula from feature_encoding where origin = 'events'")
    sources = {source for source, _, _ in rows}
    assert {"event_total_amount", "event_active_days", "event_week_regularity", "event_days_to_first",
            "event_early_amount"} <= sources
    assert any(source.startswith("event_share_") for source in sources)
    assert all(formula for _, _, formula in rows)


def test_the_planted_patterns_are_recovered_with_events(terms_build):
    """With the event features, the personas are the six event-level patterns, the late starters included
    (measured: ARI 0.996); the student records alone plant five."""
    placed = placements(terms_build)
    keys = sorted(placed)
    event_ari = adjusted_rand_score([terms_build.event_patterns[key] for key in keys], [placed[key] for key in keys])
    record_ari = adjusted_rand_score([terms_build.record_patterns[key] for key in keys], [placed[key] for key in keys])
    assert event_ari >= 0.95 > record_ari, (event_ari, record_ari)
    assert terms_build.scalar("select count(*) from persona_summary") == len(synthetic.EVENT_BEHAVIOURS)


def late_and_steady(run) -> tuple[list, list]:
    """The placed student records of the event-only pattern (late starters) and of the steady on-campus
    pattern whose records they share."""
    placed = placements(run)
    late = [key for key, pattern in run.event_patterns.items() if pattern == synthetic.EVENT_ONLY_PATTERN and key in placed]
    steady = [key for key, pattern in run.event_patterns.items() if pattern == 0 and key in placed]
    assert len(late) > 50 and len(steady) > 50
    assert {run.record_patterns[key] for key in late} == {run.record_patterns[steady[0]]}
    return late, steady


def majority(placed: dict, keys: list):
    return max({placed[key] for key in keys}, key=[placed[key] for key in keys].count)


def test_the_event_only_pattern_is_a_persona_found_only_through_the_events(terms_build):
    """Late-starting students have the records of steady on-campus students: nothing in the student file
    separates them. Their events give them a persona of their own: its students and the steady persona's differ
    by less than 0.2 cohort SDs on every student-record feature and by more than 1.5 on an event feature (the
    timing of their first activity), and no persona holds a sub-group."""
    late, steady = late_and_steady(terms_build)
    placed = placements(terms_build)
    late_persona, steady_persona = majority(placed, late), majority(placed, steady)
    assert late_persona != steady_persona
    assert sum(placed[key] == late_persona for key in late) / len(late) >= 0.9
    assert sum(placed[key] == late_persona for key in steady) / len(steady) <= 0.05
    with duckdb.connect(str(terms_build.database), read_only=True) as connection:
        keys, x = warehouse.feature_matrix(connection.table("int_student_feature_vectors"), reference_only=True)
    origins = [row[0] for row in terms_build.query(
        "select origin from int_feature_encoding where is_used order by feature_index")]
    persona = np.array([placed[key] for key in zip(keys.column("student_id").to_pylist(), keys.column("term").to_pylist())])
    spread = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    difference = np.abs(x[persona == late_persona].mean(axis=0) - x[persona == steady_persona].mean(axis=0)) / spread
    from_events = np.array([origin == "events" for origin in origins])
    assert difference[~from_events].max() < 0.2, difference[~from_events].max()
    assert difference[from_events].max() > 1.5, difference[from_events].max()
    assert terms_build.scalar("select count(*) from persona_subgroups where has_subgroup") == 0


def test_late_starters_find_each_other_among_similar_students_through_the_events(terms_build):
    """The events matter in the students-like-me view too: a late starter's similar students are mostly other
    late starters. From the records alone they
    could do no better than the late starters' share among students with the same records (about 1 in 4)."""
    placed = placements(terms_build)
    late = {key for key, pattern in terms_build.event_patterns.items()
            if pattern == synthetic.EVENT_ONLY_PATTERN and key in placed}
    late_record_pattern = {terms_build.record_patterns[key] for key in late}
    assert len(late_record_pattern) == 1
    same_records = {key for key in placed if terms_build.record_patterns[key] in late_record_pattern}
    chance = len(late) / len(same_records)
    neighbours = terms_build.query("select student_id, term, neighbour_id, neighbour_term from students_like_me")
    of_late = [(neighbour, neighbour_term) in late for student, term, neighbour, neighbour_term in neighbours
               if (student, term) in late]
    of_steady = [(neighbour, neighbour_term) in late for student, term, neighbour, neighbour_term in neighbours
                 if (student, term) in same_records - late]
    assert chance < 0.4 and {(student, term) for student, term, _, _ in neighbours} >= late
    assert sum(of_late) / len(of_late) >= 0.7, (sum(of_late) / len(of_late), chance)
    assert sum(of_steady) / len(of_steady) <= chance / 2, (sum(of_steady) / len(of_steady), chance)


def test_history_has_one_row_per_student_and_term(terms_build):
    history = terms_build.query("select term, count(*), count(distinct student_id) from persona_history "
                                "group by term order by term")
    assert history == [(term, STUDENTS_PER_TERM, STUDENTS_PER_TERM) for term in ("T1", "T2", "T3")]
    assert terms_build.scalar("select count(*) from (select student_id, term from persona_history "
                              "group by all having count(*) > 1)") == 0


def test_transitions_recover_the_planted_ones(terms_build):
    """Each persona is matched to the planted record pattern most of its students have; the share of each
    planted pattern's students moving to another matches the planted share within 0.05."""
    placed = placements(terms_build)
    votes: dict[int, dict[int, int]] = {}
    for key, persona in placed.items():
        pattern = terms_build.record_patterns[key]
        votes.setdefault(persona, {}).setdefault(pattern, 0)
        votes[persona][pattern] += 1
    pattern_of = {persona: max(counts, key=counts.get) for persona, counts in votes.items()}
    moved: dict[tuple, int] = {}
    sources: dict[tuple, int] = {}
    for term_from, term_to, persona_from, persona_to, students in terms_build.query(
            "select term_from, term_to, persona_from, persona_to, students from persona_transitions"):
        pair = (term_from, term_to, pattern_of[persona_from])
        moved[pair + (pattern_of[persona_to],)] = moved.get(pair + (pattern_of[persona_to],), 0) + students
        sources[pair] = sources.get(pair, 0) + students
    compared = 0
    for row in terms_build.record_transitions:
        pair = (row["term_from"], row["term_to"], int(row["pattern_from"]))
        if int(row["students"]) < 30:
            continue  # a handful of students: their share is noise either way
        share = moved.get(pair + (int(row["pattern_to"]),), 0) / sources[pair]
        assert abs(share - float(row["share_of_from"])) <= 0.05, (row, share)
        compared += 1
    assert compared >= 10


def test_scored_late_starters_are_placed_in_the_late_starters_persona(terms_build, scored_fourth_term):
    """T4's students, scored with the stored model and T4's events: the late starters of T4 land in the
    fitted late starters' persona, T4's steady students in theirs."""
    _, _, second = scored_fourth_term
    late, steady = late_and_steady(terms_build)
    placed = placements(terms_build)
    late_persona, steady_persona = majority(placed, late), majority(placed, steady)
    rows = second.query("select student_id, term, persona_id from scored_students")
    assert len(rows) == STUDENTS_PER_TERM
    of_pattern = lambda wanted: [persona for student, term, persona in rows  # noqa: E731
                                 if terms_build.event_patterns[(student, term)] == wanted]
    late_t4, steady_t4 = of_pattern(synthetic.EVENT_ONLY_PATTERN), of_pattern(0)
    assert len(late_t4) > 20 and len(steady_t4) > 20
    assert late_t4.count(late_persona) / len(late_t4) >= 0.9
    assert steady_t4.count(steady_persona) / len(steady_t4) >= 0.9


def test_a_scored_term_is_appended_and_nothing_earlier_is_overwritten(terms_build, scored_fourth_term):
    """Scoring T4 adds its records beside the fitted terms' (which stay as they were); rerunning the same
    batch replaces only that batch's own rows."""
    before, after_first, second = scored_fourth_term
    earlier = after_first[after_first.term != "T4"].reset_index(drop=True)
    assert earlier.equals(before.reset_index(drop=True))
    assert (after_first.term == "T4").sum() == STUDENTS_PER_TERM
    after_second = second.frame("select * from persona_history order by student_id, term, batch_id")
    assert after_second[after_second.term != "T4"].reset_index(drop=True).equals(before.reset_index(drop=True))
    assert second.query("select count(*), count(distinct student_id), count(distinct batch_id) from persona_history "
                        "where term = 'T4'") == [(STUDENTS_PER_TERM, STUDENTS_PER_TERM, 1)]
    assert ("T3", "T4") in set(second.query("select distinct term_from, term_to from persona_transitions"))
    with_events = second.scalar("select count(*) from main_scoring.int_student_event_features where term = 'T4'")
    assert with_events >= 0.95 * STUDENTS_PER_TERM  # T4's events were read, not the fitted terms'


def test_scoring_with_events_of_no_student_in_the_batch_stops_with_a_message(terms_build, tmp_path):
    """An event log whose ids match none of the scored students would give every student the values of a
    student without events (one persona for all): the scoring run stops and says why, and publishes nothing."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder = terms_build.folder
    column = terms_build.variables["event_columns"]["student_id"]
    events = pq.read_table(folder / "t4_events.parquet")
    renamed = pc.binary_join_element_wise("X-", pc.cast(events.column(column), "string"), "")
    pq.write_table(events.set_column(events.schema.get_field_index(column), column, renamed), tmp_path / "other.parquet")
    run = run_dbt(folder / "wh", base_vars={**terms_build.variables, "score_students_path": str(folder / "t4_students.csv"),
                                            "score_events_path": str(tmp_path / "other.parquet")},
                  extra_args=SCORING_SELECTION)
    assert run.returncode != 0
    assert "usable events belong to students who are not in the student file" in run.output
    assert "student-personas: published" not in run.output
