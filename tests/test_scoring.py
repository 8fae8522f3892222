"""Scoring new students with a stored, reviewed persona model: the same staging and encoding models as the
fit, with the stored roles, preparation, encoding, loadings and centres; every batch is kept, nothing of
the fitted cohort is touched."""

import csv
import shutil

import pandas as pd
import pyarrow.csv as pa_csv
import pytest

from conftest import PROJECT_DIR, built, require_real_csv, run_dbt
from student_personas import synthetic
from student_personas.cli import SCORING_SELECTION

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast


def score(workdir, path, base_vars=None, **variables):
    return run_dbt(workdir, base_vars=base_vars or {}, extra_args=SCORING_SELECTION,
                   variables={"score_students_path": str(path), **variables})


def write_generated(path, n_rows, seed, drop=()):
    table, _ = synthetic.generate_students(n_rows, seed)
    pa_csv.write_csv(table.drop(list(drop)), path, pa_csv.WriteOptions(quoting_style="none"))
    return path


def edit_rows(path, edits):
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = {name: index for index, name in enumerate(rows[0])}
    for row, name, value in edits:
        rows[row][column[name]] = value
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(scope="module")
def fitted(second_builtin_build, tmp_path_factory):
    """A copy of the bare `dbt build` of the worked example, which these tests score new files into."""
    from conftest import DbtRun, copy_published

    folder = copy_published(second_builtin_build, tmp_path_factory.mktemp("fitted") / "wh")
    return DbtRun(0, second_builtin_build.output, folder / "warehouse.duckdb", folder / "warehouse.duckdb")


@pytest.fixture(scope="module")
def new_batch(fitted, tmp_path_factory):
    """300 new students, four of them with problems, scored with vars that name other columns entirely (the
    dropout example's roles): scoring reads the file with the stored model's roles, not the vars."""
    import shapes

    before = fitted.frame("select * from persona_assignments order by student_id")
    path = write_generated(tmp_path_factory.mktemp("new") / "new term.csv", 300, seed=777)
    edit_rows(path, [(1, "Past_Academic_Performance", "Excellent"),  # a level the model never saw
                     (2, "GPA", "9"),  # outside the fitted model's range rule
                     (3, "Attendance_Rate", ""),  # missing: filled with the stored median
                     (4, "Gender", ""),  # protected attributes are not needed to score
                     (5, "Library_Usage_Hours", "100")])  # allowed, but far outside what the model was fitted on
    vars_of_another_file = {**shapes.dropout_vars(PROJECT_DIR), "students_path": None, "codebook_path": None}
    run = built(score(fitted.database.parent, path, base_vars=vars_of_another_file, score_term_label="2025-spring"))
    # main_scoring holds the latest scoring run's staging tables: read what this batch needs now.
    filled = run.scalar("select value from main_scoring.int_student_prepared_values p "
                        "join main_scoring.int_student_records r using (student_id, term) "
                        "where r.source_row_number = 3 and p.source_column = 'Attendance_Rate'")
    return run, before, filled


def test_scoring_the_fitted_cohort_reproduces_its_assignments(fitted, new_batch):
    run = built(score(fitted.database.parent, PROJECT_DIR / "examples" / "builtin" / "students.csv",
                      score_term_label="all-again"))
    compared = run.frame(
        "select a.persona_id as fitted, s.persona_id as scored, a.persona_name as fitted_name, "
        "s.persona_name as scored_name, abs(a.distance_to_centroid - s.distance_to_centroid) as gap, "
        "s.is_in_fitted_cohort from persona_assignments a join scored_students s using (student_id) "
        "where s.term = 'all-again'")
    assert len(compared) == 1000
    assert (compared.fitted == compared.scored).all() and (compared.fitted_name == compared.scored_name).all()
    assert compared.gap.max() < 1e-9 and compared.is_in_fitted_cohort.all()


def test_new_students_are_scored_with_the_stored_state_and_bad_rows_quarantined(new_batch):
    run, _, filled = new_batch
    batch = run.scalar("select distinct batch_id from scored_students where term = '2025-spring'")
    rejects = {row[0]: row[1:] for row in run.query(
        "select source_row_number, column_name, check_name, reason from student_rejects where batch_id = ?", [batch])}
    assert rejects[1][:2] == ("Past_Academic_Performance", "unknown_level")
    assert "'Excellent', a level the persona model was not fitted on" in rejects[1][2]
    assert rejects[2][:2] == ("GPA", "above_maximum")
    assert len(rejects) == 2 and run.scalar("select count(*) from scored_students where batch_id = ?", [batch]) == 298
    version = run.scalar("select model_version from persona_models")
    stored_median = run.scalar("select fill_value from persona_model_preparation where source_column = 'Attendance_Rate' "
                               "and model_version = ?", [version])
    assert filled == stored_median
    assert run.scalar("select sum(values_imputed) from scored_students where batch_id = ?", [batch]) == 1
    # Never silently clamped: the value beyond the fitted cohort's is clipped and flagged on the student.
    flagged = run.query("select values_clipped, values_outside_fitted_range from scored_students "
                        "where batch_id = ? and (values_clipped > 0 or values_outside_fitted_range > 0)", [batch])
    assert flagged == [(1, 0)]
    names = dict(run.query("select persona_id, persona_name from persona_model_personas"))
    for persona_id, persona_name, model_version in run.query(
            "select distinct persona_id, persona_name, model_version from scored_students where batch_id = ?", [batch]):
        assert names[persona_id] == persona_name and model_version == version


def test_scoring_leaves_the_fitted_cohort_untouched_and_keeps_every_batch(fitted, new_batch, tmp_path):
    run, before, _ = new_batch
    after = run.frame("select * from persona_assignments order by student_id")
    pd.testing.assert_frame_equal(before, after)  # run_id included: the fit was not rebuilt
    history = dict(run.query("select term, count(*) from persona_history group by term"))
    assert history["all"] == 1000 and history["2025-spring"] == 298
    again = built(score(fitted.database.parent, run.scalar(
        "select input_path from scoring_batches where term = '2025-spring'"), score_term_label="2025-spring"))
    assert dict(again.query("select term, count(*) from persona_history group by term"))["2025-spring"] == 298
    summary = again.scalar("select summary from scoring_batches where term = '2025-spring'")
    assert "298 of 300 rows of term 2025-spring were placed in personas (2 rejected" in summary
    drift = again.frame("select * from batch_drift where term = '2025-spring'")
    assert set(drift.aspect) == {"persona_mix", "feature_mean"} and drift.fitted_value.notna().all()


def test_all_rows_rejected_stops_with_the_commonest_reasons(fitted, tmp_path):
    path = write_generated(tmp_path / "bad.csv", 60, seed=5)
    edit_rows(path, [(row, "Past_Academic_Performance", "Outstanding") for row in range(1, 61)])
    run = score(fitted.database.parent, path)
    assert run.returncode != 0
    assert "60 of 60 rows (100.0%) failed validation, every row" in run.output
    assert "Past_Academic_Performance unknown_level on 60 rows" in run.output


@pytest.mark.parametrize("case", ["missing_model_column", "unknown_version"])
def test_scoring_problems_are_named_before_anything_is_built(fitted, tmp_path, case):
    if case == "missing_model_column":
        run = score(fitted.database.parent, write_generated(tmp_path / "cut.csv", 60, 3, drop=["Library_Usage_Hours"]))
        assert "column 'Library_Usage_Hours' (feature of persona model pm-" in run.output
        assert "is not in score_students_path" in run.output
    else:
        run = score(fitted.database.parent, write_generated(tmp_path / "n.csv", 60, 5), persona_model_version="pm-nope")
        assert "persona_model_version 'pm-nope' is not in persona_models. Stored versions: pm-" in run.output
    assert run.returncode != 0


def test_a_refit_adds_a_model_version_and_scoring_can_pin_the_reviewed_one(fitted, tmp_path):
    workdir = tmp_path / "wh"
    workdir.mkdir()
    shutil.copyfile(fitted.database, workdir / "warehouse.duckdb")
    reviewed = fitted.scalar("select model_version from persona_models")
    reviewed_names = dict(fitted.query("select persona_id, persona_name from persona_summary"))
    built(run_dbt(workdir, variables={"students_path": str(require_real_csv())}))
    scored = built(score(workdir, write_generated(tmp_path / "n.csv", 100, 9), persona_model_version=reviewed))
    versions = [row[0] for row in scored.query("select model_version from persona_models order by fitted_at")]
    assert len(versions) == 2 and versions[0] == reviewed
    assert set(scored.frame("select distinct model_version from scored_students").model_version) == {reviewed}
    for persona_id, persona_name in scored.query("select distinct persona_id, persona_name from scored_students"):
        assert reviewed_names[persona_id] == persona_name


def test_a_model_stored_before_the_registry_kept_sub_groups_still_scores(fitted, tmp_path):
    """A warehouse whose registry has no persona_model_subgroups table (models stored before sub-groups were
    recorded) scores as before, its students without a sub-group."""
    import duckdb

    from conftest import copy_published

    workdir = copy_published(fitted, tmp_path / "older")
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as connection:
        connection.execute("drop table persona_model_subgroups")
    run = built(score(workdir, PROJECT_DIR / "examples" / "builtin" / "students.csv", score_term_label="older"))
    assert run.query("select count(*), count(subgroup_id) from scored_students where term = 'older'") == [(1000, 0)]
    assert "was stored without its sub-group check" in run.output
