"""Scoring new students with a stored, reviewed persona model: no refit, existing tables untouched."""

import csv

import pandas as pd
import pyarrow.csv as pa_csv
import pytest

from conftest import PROJECT_DIR, require_real_csv, run_dbt
from student_personas import synthetic

SCORING = ["--select", "tag:scoring"]


def score(workdir, path, **variables):
    return run_dbt(workdir, variables={"score_students_path": str(path), **variables}, extra_args=SCORING)


def write_generated(path, n_rows, seed):
    table, _ = synthetic.generate_students(n_rows, seed)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))
    return path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A warehouse fitted on the built-in cohort (its own workdir: scoring adds tables to it)."""
    run = run_dbt(tmp_path_factory.mktemp("fitted") / "wh")
    assert run.returncode == 0, run.output[-3000:]
    return run


def test_scoring_the_fitted_cohort_reproduces_its_assignments(fitted):
    scored = score(fitted.database.parent, PROJECT_DIR / "seeds" / "raw_students.csv")
    assert scored.returncode == 0, scored.output[-3000:]
    compared = scored.frame(
        "select a.persona_id as fitted, s.persona_id as scored, a.persona_name as fitted_name, "
        "s.persona_name as scored_name, abs(a.distance_to_centroid - s.distance_to_centroid) as gap "
        "from persona_assignments a join scored_students s using (student_id)")
    assert len(compared) == 1000
    assert (compared.fitted == compared.scored).all() and (compared.fitted_name == compared.scored_name).all()
    assert compared.gap.max() < 1e-9


def test_new_students_are_scored_and_bad_rows_quarantined_without_touching_the_fit(fitted, tmp_path):
    before = fitted.frame("select * from persona_assignments order by student_id")
    path = write_generated(tmp_path / "new.csv", 300, seed=777)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = {name: index for index, name in enumerate(rows[0])}
    rows[1][column["Past_Academic_Performance"]] = "Excellent"  # a level the model never saw
    rows[2][column["GPA"]] = "9"  # outside the fitted model's range rule
    rows[3][column["Attendance_Rate"]] = ""  # a missing feature
    rows[4][column["Gender"]] = ""  # protected attributes are not needed to score
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    scored = score(fitted.database.parent, path)
    assert scored.returncode == 0, scored.output[-3000:]

    rejects = {row[0]: row[1:] for row in scored.query(
        "select source_row_number, column_name, check_name, reason from scoring_rejects")}
    assert rejects[1][:2] == ("Past_Academic_Performance", "unknown_level")
    assert "'Excellent', a level the persona model was not fitted on" in rejects[1][2]
    assert rejects[2][:2] == ("GPA", "above_maximum") and rejects[3][:2] == ("Attendance_Rate", "missing_value")
    assert len(rejects) == 3 and scored.scalar("select count(*) from scored_students") == 297

    version = scored.scalar("select model_version from persona_models")
    names = dict(scored.query("select persona_id, persona_name from persona_model_personas"))
    for persona_id, persona_name, model_version in scored.query(
            "select distinct persona_id, persona_name, model_version from scored_students"):
        assert names[persona_id] == persona_name and model_version == version
    after = scored.frame("select * from persona_assignments order by student_id")
    pd.testing.assert_frame_equal(before, after)  # run_id included: the fit was not rebuilt


def test_missing_model_column_fails_naming_it(fitted, tmp_path):
    table, _ = synthetic.generate_students(50, seed=3)
    pa_csv.write_csv(table.drop(["Library_Usage_Hours"]), tmp_path / "cut.csv")
    scored = score(fitted.database.parent, tmp_path / "cut.csv")
    assert scored.returncode != 0
    assert "column 'Library_Usage_Hours' (declared in persona model pm-" in scored.output


def test_unknown_model_version_lists_the_stored_ones(fitted, tmp_path):
    scored = score(fitted.database.parent, write_generated(tmp_path / "n.csv", 20, 5), persona_model_version="pm-nope")
    assert scored.returncode != 0
    assert "persona_model_version 'pm-nope' is not in persona_models. Stored versions: pm-" in scored.output


def test_registry_keeps_reviewed_versions_and_scoring_can_pin_one(tmp_path):
    workdir = tmp_path / "wh"
    first = run_dbt(workdir)
    assert first.returncode == 0, first.output[-3000:]
    reviewed = first.scalar("select model_version from persona_models")
    reviewed_names = dict(first.query("select persona_id, persona_name from persona_summary"))
    again = run_dbt(workdir)  # the same input refits the same version: replaced, not duplicated
    assert again.returncode == 0 and again.scalar("select count(*) from persona_models") == 1
    refit = run_dbt(workdir, variables={"students_path": str(require_real_csv())})
    assert refit.returncode == 0, refit.output[-3000:]
    versions = [row[0] for row in refit.query("select model_version from persona_models order by fitted_at")]
    assert len(versions) == 2 and versions[0] == reviewed
    scored = score(workdir, write_generated(tmp_path / "n.csv", 100, 9), persona_model_version=reviewed)
    assert scored.returncode == 0, scored.output[-3000:]
    assert set(scored.frame("select distinct model_version from scored_students").model_version) == {reviewed}
    for persona_id, persona_name in scored.query("select distinct persona_id, persona_name from scored_students"):
        assert reviewed_names[persona_id] == persona_name
