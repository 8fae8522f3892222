"""Real dbt builds: the worked example and the reference file give what the persona notebook describes; a
file with its own column names builds from its declared roles."""

import csv

import pytest

from conftest import PROJECT_DIR, STAGING, built, run_dbt

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

PROTECTED = ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


# ---- the worked example ---------------------------------------------------------------------------

def test_builtin_build_gives_1000_valid_students_with_features_in_unit_interval(builtin_build):
    assert builtin_build.scalar("select count(*) from int_student_records") == 1000
    assert builtin_build.scalar("select count(*) from student_rejects") == 0
    low, high, n = builtin_build.query("select min(value), max(value), count(*) from student_features")[0]
    assert 0.0 <= low and high <= 1.0
    features = builtin_build.scalar("select count(*) from feature_encoding where is_used")
    assert n == 1000 * features


def test_builtin_build_normalises_typographic_apostrophes(builtin_build):
    levels = {row[0] for row in builtin_build.query("select distinct Parental_Education_Level from int_student_records")}
    assert levels == {"High School", "Bachelor's", "Master's", "PhD"}


def test_features_never_contain_id_label_or_protected_columns(builtin_build):
    sources = {row[0] for row in builtin_build.query(
        "select distinct e.source_column from student_features f join feature_encoding e using (feature)")}
    assert sources.isdisjoint({"Student_ID", "Dropout_Risk", *PROTECTED})
    assert "Past_Academic_Performance" in sources and "GPA" in sources


def test_dbt_build_ran_the_data_and_unit_tests(builtin_build):
    assert "assert_no_input_row_is_lost" in builtin_build.output
    assert "label_prevalence_has_wilson_interval" in builtin_build.output
    assert "one_hot_weight_matches_median_numeric_variance" in builtin_build.output
    assert "ERROR=0" in builtin_build.output


def test_project_defaults_name_no_column_of_the_worked_example():
    defaults = (PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")
    header = (PROJECT_DIR / "examples" / "builtin" / "students.csv").read_text(encoding="utf-8").splitlines()[0]
    assert [column for column in header.split(",") if column in defaults] == []


# ---- the reference dataset through students_path ----------------------------------------------------

def test_reference_file_gives_18_features_and_no_rejects(real_build):
    assert real_build.scalar("select count(*) from int_student_records") == 1000
    assert real_build.scalar("select count(*) from student_rejects") == 0
    kinds = dict(real_build.query("select feature_kind, count(*) from feature_encoding where is_used group by all"))
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


# ---- a file with its own shape: roles, ignored and wide columns ----------------------------------------

@pytest.fixture(scope="module")
def own_schema(tmp_path_factory):
    """Other column names, no label, an excluded column, text ids, a constant column, an identifier-like
    column nobody declared, and 200 extra numeric columns; only the staging subgraph is built."""
    tmp = tmp_path_factory.mktemp("own_schema")
    header = ["learner", "cohort", "hours", "score", "notes", "campus", "row_key", *[f"Extra_{j}" for j in range(200)]]
    rows = [[f"L-{i:03d}", "A" if i % 3 else "B", str(i % 7), str(50 + i % 40), "free text", "North", str(i),
             *[str((i * 7 + j) % 13) for j in range(200)]] for i in range(80)]
    path = write_rows(tmp / "mine.csv", [header, *rows])
    return built(run_dbt(tmp / "wh", base_vars={}, extra_args=STAGING, variables={
        "students_path": str(path), "id_column": "learner", "excluded_columns": ["notes"],
        "range_rules": {"score": [0, 100]}}))


def test_own_schema_builds_from_declared_roles(own_schema):
    assert own_schema.scalar("select count(*) from int_student_records") == 80
    roles = dict(own_schema.query("select column_name, coalesce(kind, role) from stg_column_roles "
                                  "where column_name not like 'Extra%'"))
    assert roles == {"learner": "id", "cohort": "categorical", "hours": "numeric", "score": "numeric",
                     "notes": "excluded", "campus": "categorical", "row_key": "identifier"}
    assert own_schema.scalar("select count(*) from data_quality_summary where check_name = 'label_prevalence'") == 0
    assert "column 'row_key': looks like an identifier" in own_schema.output


def test_constant_columns_are_excluded_with_a_reason_and_wide_files_keep_every_feature(own_schema):
    assert own_schema.query("select exclusion_reason from int_feature_encoding where source_column = 'campus'") == [
        ("constant: every record has the same level",)]
    assert own_schema.scalar("select count(*) from data_quality_summary where check_name = 'constant_column' "
                             "and column_name = 'campus'") == 1
    assert own_schema.scalar("select count(*) from int_feature_encoding where is_used") == 204
