"""Real dbt builds into temporary DuckDB files: staging, validation, quarantine and encoding."""

import csv

import pytest

from conftest import require_real_csv, run_dbt

PROTECTED = ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_real_rows():
    with open(require_real_csv(), encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# ---- built-in data ---------------------------------------------------------------------------------

def test_builtin_build_gives_1000_clean_students_with_features_in_unit_interval(builtin_build):
    assert builtin_build.scalar("select count(*) from stg_students") == 1000
    assert builtin_build.scalar("select count(*) from student_rejects") == 0
    low, high, n = builtin_build.query("select min(value), max(value), count(*) from student_features")[0]
    assert 0.0 <= low and high <= 1.0
    features = builtin_build.scalar("select count(*) from feature_encoding where is_used")
    assert n == 1000 * features


def test_builtin_build_normalises_typographic_apostrophes(builtin_build):
    levels = {row[0] for row in builtin_build.query("select distinct Parental_Education_Level from stg_students")}
    assert levels == {"High School", "Bachelor's", "Master's", "PhD"}


def test_features_never_contain_id_label_or_protected_columns(builtin_build):
    sources = {row[0] for row in builtin_build.query(
        "select distinct e.source_column from student_features f join feature_encoding e using (feature)")}
    assert sources.isdisjoint({"Student_ID", "Dropout_Risk", *PROTECTED})
    assert "Past_Academic_Performance" in sources and "GPA" in sources


def test_dbt_build_ran_the_data_and_unit_tests(builtin_build):
    assert "assert_no_input_row_is_lost" in builtin_build.output
    assert "label_prevalence_has_wilson_interval" in builtin_build.output
    assert "ERROR=0" in builtin_build.output


# ---- the reference dataset through students_path ----------------------------------------------------

def test_reference_file_gives_18_features_and_no_rejects(real_build):
    assert real_build.scalar("select count(*) from stg_students") == 1000
    assert real_build.scalar("select count(*) from student_rejects") == 0
    kinds = dict(real_build.query(
        "select feature_kind, count(*) from feature_encoding where is_used group by all"))
    assert kinds == {"numeric": 15, "one_hot": 3}
    levels = {row[0] for row in real_build.query(
        "select level from feature_encoding where source_column = 'Past_Academic_Performance'")}
    assert levels == {"Below Average", "Average", "Above Average"}


def test_reference_label_prevalence_and_wilson_interval(real_build):
    count, denominator, rate, low, high = real_build.query(
        "select count, denominator, rate, ci_lower, ci_upper from data_quality_summary "
        "where check_name = 'label_prevalence'")[0]
    assert (count, denominator) == (18, 1000)
    assert rate == pytest.approx(0.018)
    assert round(low * 100, 2) == 1.14 and round(high * 100, 2) == 2.83


def test_reference_quality_tripwire_matches_the_notebook(real_build):
    """The persona notebook reports duplicates=0, constant columns none, and 0 range violations."""
    summary = {(c, col): n for c, col, n in real_build.query(
        "select check_name, column_name, count from data_quality_summary")}
    assert summary[("duplicate_rows", None)] == 0
    assert not [key for key in summary if key[0] == "constant_column"]
    assert summary[("range_violation", "Age")] == summary[("range_violation", "GPA")] == 0
    assert summary[("range_violation", "Attendance_Rate")] == 0


# ---- bad rows are quarantined, never lost --------------------------------------------------------------

def test_bad_rows_land_in_rejects_with_reasons_naming_the_column(tmp_path):
    rows = read_real_rows()
    column = {name: index for index, name in enumerate(rows[0])}
    rows[20][0] = rows[10][0]  # data row 20 reuses the id of data row 10, with different values
    rows[30][0] = ""  # empty id
    rows[40][column["GPA"]] = "abc"
    rows[50][column["GPA"]] = "7.5"
    rows[60][column["Age"]] = "-3"
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_rows(tmp_path / "bad.csv", rows))})
    assert run.returncode == 0, run.output[-3000:]

    rejects = {row[0]: row[1:] for row in run.query(
        "select source_row_number, column_name, check_name, reason from student_rejects")}
    assert rejects[30] == ("Student_ID", "missing_value", "Student_ID is missing")
    assert rejects[40] == ("GPA", "not_a_number", "GPA is 'abc', which is not a number")
    assert rejects[50] == ("GPA", "above_maximum", "GPA is 7.5, above the allowed maximum 4")
    assert rejects[60] == ("Age", "below_minimum", "Age is -3, below the allowed minimum 15")
    # Conflicting copies of one id: both are rejected, since neither can be preferred.
    for row_number in (10, 20):
        assert rejects[row_number][:2] == ("Student_ID", "conflicting_duplicate_id")
        assert "rows 10, 20" in rejects[row_number][2]
    assert len(rejects) == 6
    assert run.scalar("select count(*) from stg_students") + len(rejects) == 1000
    original = run.scalar("select original_row from student_rejects where source_row_number = 40")
    assert '"GPA":"abc"' in original


def test_exact_duplicate_row_keeps_the_first_copy(tmp_path):
    rows = read_real_rows()
    rows.insert(6, list(rows[3]))  # data row 6 is an exact copy of data row 3
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_rows(tmp_path / "dup.csv", rows))})
    assert run.returncode == 0, run.output[-3000:]
    assert run.query("select source_row_number, check_name from student_rejects") == [(6, "duplicate_row")]
    assert run.scalar("select source_row_number from stg_students where student_id = '3'") == 3
    assert run.scalar("select count from data_quality_summary where check_name = 'duplicate_rows'") == 1


def test_several_failures_on_one_row_are_all_reported(tmp_path):
    rows = read_real_rows()
    column = {name: index for index, name in enumerate(rows[0])}
    rows[5][column["GPA"]] = "NaN"
    rows[5][column["Attendance_Rate"]] = "120"
    rows[5][column["Dropout_Risk"]] = "maybe"
    rows[7][column["Past_Academic_Performance"]] = "Excellent"
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_rows(tmp_path / "multi.csv", rows))})
    assert run.returncode == 0, run.output[-3000:]
    column_name, failures, reason = run.query(
        "select column_name, failure_count, reason from student_rejects where source_row_number = 5")[0]
    assert column_name == "GPA" and failures == 3
    assert "GPA is 'NaN', which is not a finite number" in reason
    assert "Attendance_Rate is 120, above the allowed maximum 100" in reason
    assert "Dropout_Risk is 'maybe', not a binary label value" in reason
    assert run.query("select check_name, reason from student_rejects where source_row_number = 7") == [(
        "undeclared_level",
        "Past_Academic_Performance is 'Excellent', not one of the declared levels: Below Average, Average, Above Average",
    )]


# ---- schema errors fail early and name the column ----------------------------------------------------

@pytest.mark.parametrize("missing", ["Dropout_Risk", "Student_ID", "Gender"])
def test_missing_declared_column_fails_naming_it(tmp_path, missing):
    rows = read_real_rows()
    drop = rows[0].index(missing)
    rows = [row[:drop] + row[drop + 1:] for row in rows]
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_rows(tmp_path / "cut.csv", rows))})
    assert run.returncode != 0
    assert f"column '{missing}'" in run.output and "is not in students_path" in run.output
    assert "Columns found: Student_ID" in run.output or "Columns found: Age" in run.output


def test_case_mismatch_gets_a_did_you_mean_hint(tmp_path):
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(require_real_csv()), "id_column": "student_ID"})
    assert run.returncode != 0
    assert "column 'student_ID' (declared in id_column)" in run.output and "Did you mean 'Student_ID'?" in run.output


def test_column_declared_with_two_roles_is_a_configuration_error(tmp_path):
    run = run_dbt(tmp_path / "wh", variables={
        "students_path": str(require_real_csv()), "excluded_columns": ["Gender"]})
    assert run.returncode != 0
    assert "column 'Gender' is declared in both protected_columns" in run.output


@pytest.mark.parametrize("content, message", [
    ("", "is empty (no header and no rows)"),
    ("Student_ID,GPA,Dropout_Risk\n", "has a header (Student_ID, GPA, Dropout_Risk) but no data rows"),
])
def test_empty_inputs_fail_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_text(content, encoding="utf-8")
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path), "protected_columns": [],
                                              "categorical_columns": {}, "range_rules": {}})
    assert run.returncode != 0
    assert message in run.output


def test_own_schema_without_label_builds_from_declared_roles(tmp_path):
    """Bring-your-own CSV: different column names, no label, an excluded column, ids that are not numbers."""
    path = write_rows(tmp_path / "mine.csv", [
        ["learner", "cohort", "hours", "score", "notes"],
        *[[f"L-{i:03d}", "A" if i % 3 else "B", str(i % 7), str(50 + i % 40), "free text"] for i in range(60)],
    ])
    run = run_dbt(tmp_path / "wh", variables={
        "students_path": str(path), "id_column": "learner", "label_column": None, "protected_columns": [],
        "categorical_columns": {}, "excluded_columns": ["notes"], "range_rules": {"score": [0, 100]}})
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from stg_students") == 60
    roles = dict(run.query("select column_name, coalesce(kind, role) from stg_column_roles"))
    assert roles == {"learner": "id", "cohort": "categorical", "hours": "numeric", "score": "numeric",
                     "notes": "excluded"}
    assert run.scalar("select count(*) from data_quality_summary where check_name = 'label_prevalence'") == 0
