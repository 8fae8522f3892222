"""The bad-input suite: every kind of messy export ends in a clear message naming the column (and row),
or in quarantine with a reason. No row is ever silently lost.

Row-level cases share one build of the reference file with one defect per row; file-level cases each
build only the staging and encoding models they need.
"""

import csv

import pytest

from conftest import require_real_csv, run_dbt

STAGING = ["--select", "+student_rejects +data_quality_summary +student_features", "--indirect-selection", "cautious"]
MINIMAL_ROLES = {"protected_columns": [], "categorical_columns": {}, "range_rules": {}}


def reference_rows():
    with open(require_real_csv(), encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows, **options):
    with open(path, "w", encoding=options.pop("encoding", "utf-8"), newline="") as handle:
        csv.writer(handle, **options).writerows(rows)
    return path


# ---- row-level defects: quarantined with a reason naming the column ------------------------------------

ROW_DEFECTS = {
    # case id: (data row, column, new value, expected check, text the reason must contain)
    "null_id": (3, "Student_ID", "", "missing_value", "Student_ID is missing"),
    "whitespace_id": (4, "Student_ID", "   ", "missing_value", "Student_ID is missing"),
    "text_in_numeric": (5, "GPA", "abc", "not_a_number", "GPA is 'abc', which is not a number"),
    "thousands_separator": (6, "Credits_Completed", "1,234", "not_a_number", "Credits_Completed is '1,234'"),
    "nan": (7, "Attendance_Rate", "NaN", "not_finite", "Attendance_Rate is 'NaN', which is not a finite number"),
    "infinity": (8, "Online_Learning_Hours", "inf", "not_finite", "Online_Learning_Hours is 'inf'"),
    "out_of_range": (9, "GPA", "7.5", "above_maximum", "GPA is 7.5, above the allowed maximum 4"),
    "negative_hours": (10, "Study_Hours_per_Week", "-2", "below_minimum", "Study_Hours_per_Week is -2, below the allowed minimum 0"),
    "missing_feature_value": (11, "Mental_Health_Score", "", "missing_value", "Mental_Health_Score is missing"),
    "missing_token": (12, "Age", "N/A", "missing_value", "Age is missing"),
    "label_not_binary": (13, "Dropout_Risk", "2", "label_not_binary", "Dropout_Risk is '2', not a binary label value"),
    "missing_label": (14, "Dropout_Risk", "", "missing_value", "Dropout_Risk is missing"),
    "undeclared_level": (15, "Past_Academic_Performance", "Excellent", "undeclared_level", "not one of the declared levels"),
}


@pytest.fixture(scope="module")
def defective_build(tmp_path_factory):
    rows = reference_rows()
    column = {name: index for index, name in enumerate(rows[0])}
    for row, name, value, _, _ in ROW_DEFECTS.values():
        rows[row][column[name]] = value
    rows[20][0] = rows[21][0]  # conflicting duplicate id: data rows 20 and 21
    rows[31] = list(rows[30])  # exact duplicate: data row 31 copies data row 30
    rows[40][column["Gender"]] = ""  # a missing protected value is kept, not rejected
    rows[41][column["Dropout_Risk"]] = "Yes"  # label spellings are case-insensitive
    rows[42][column["Gender"]] = "  Female  "  # whitespace is trimmed
    tmp = tmp_path_factory.mktemp("defects")
    run = run_dbt(tmp / "wh", variables={"students_path": str(write_csv(tmp / "defects.csv", rows))}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    return run


@pytest.mark.parametrize("case", sorted(ROW_DEFECTS))
def test_row_defect_is_quarantined_with_a_reason(defective_build, case):
    row, column, _, check, text = ROW_DEFECTS[case]
    rejected = defective_build.query(
        "select column_name, check_name, reason from student_rejects where source_row_number = ?", [row])
    assert rejected, f"row {row} was not quarantined"
    column_name, check_name, reason = rejected[0]
    assert (column_name, check_name) == (column, check)
    assert text in reason


def test_conflicting_duplicate_ids_reject_every_copy(defective_build):
    rows = defective_build.query(
        "select source_row_number, check_name from student_rejects where source_row_number in (20, 21)")
    assert sorted(rows) == [(20, "conflicting_duplicate_id"), (21, "conflicting_duplicate_id")]


def test_exact_duplicate_keeps_the_first_copy(defective_build):
    assert defective_build.query("select check_name from student_rejects where source_row_number = 31") == [
        ("duplicate_row",)]
    assert defective_build.scalar("select count(*) from stg_students where source_row_number = 30") == 1


def test_tolerable_cells_are_kept_and_reported(defective_build):
    kept = dict(defective_build.query(
        "select source_row_number, coalesce(Gender, '(missing)') from stg_students where source_row_number in (40, 42)"))
    assert kept == {40: "(missing)", 42: "Female"}
    assert defective_build.scalar("select Dropout_Risk from stg_students where source_row_number = 41") == 1
    assert defective_build.scalar(
        "select count from data_quality_summary where check_name = 'missing_values' and column_name = 'Gender'") == 1


def test_no_row_is_lost(defective_build):
    clean = defective_build.scalar("select count(*) from stg_students")
    rejected = defective_build.scalar("select count(*) from student_rejects")
    assert clean + rejected == 1000 and rejected == len(ROW_DEFECTS) + 3


# ---- file-level problems: a clear message, or a correct read ------------------------------------------

def drop_column(rows, name):
    index = rows[0].index(name)
    return [row[:index] + row[index + 1:] for row in rows]


@pytest.mark.parametrize("column, var_name", [
    ("Student_ID", "id_column"), ("Dropout_Risk", "label_column"), ("Ethnicity", "protected_columns"),
    ("Past_Academic_Performance", "categorical_columns"), ("GPA", "range_rules"),
])
def test_missing_declared_column(tmp_path, column, var_name):
    path = write_csv(tmp_path / "cut.csv", drop_column(reference_rows(), column))
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode != 0
    assert f"column '{column}' (declared in {var_name}) is not in students_path" in run.output
    assert "Columns found: Student_ID" in run.output or "Columns found: Age" in run.output


def test_missing_listed_feature_column(tmp_path):
    path = write_csv(tmp_path / "cut.csv", drop_column(reference_rows(), "Library_Usage_Hours"))
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path), "feature_columns": ["GPA", "Library_Usage_Hours"]},
                  extra_args=STAGING)
    assert run.returncode != 0
    assert "column 'Library_Usage_Hours' (declared in feature_columns)" in run.output


def test_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(tmp_path / "empty.csv")}, extra_args=STAGING)
    assert run.returncode != 0 and "is empty (no header and no rows)" in run.output


def test_header_only(tmp_path):
    path = write_csv(tmp_path / "header.csv", reference_rows()[:1])
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode != 0 and "has a header (Student_ID, Age" in run.output and "but no data rows" in run.output


def test_extra_unknown_columns_are_named_and_reported(tmp_path):
    rows = reference_rows()
    rows = [row + ([ "Favorite_Color", "Advisor_Notes"] if i == 0 else ["blue", f"note {i}"]) for i, row in enumerate(rows)]
    path = write_csv(tmp_path / "extra.csv", rows)
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path), "excluded_columns": ["Advisor_Notes"]},
                  extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert "column 'Favorite_Color' is not declared: inferred categorical" in run.output
    assert run.query("select role, kind from stg_column_roles where column_name = 'Favorite_Color'") == [("feature", "categorical")]
    # Only one level: the indicator is constant, so it is excluded with a reason rather than used.
    assert run.scalar("select exclusion_reason from feature_encoding where source_column = 'Favorite_Color'").startswith("constant")
    listed = run_dbt(tmp_path / "wh2", variables={"students_path": str(path), "excluded_columns": ["Advisor_Notes"],
                                                   "feature_columns": ["GPA", "Attendance_Rate"]}, extra_args=STAGING)
    assert listed.returncode == 0, listed.output[-3000:]
    assert listed.query("select role from stg_column_roles where column_name = 'Favorite_Color'") == [("ignored",)]


def test_bom_and_typographic_quotes(tmp_path):
    rows = reference_rows()
    text = "\n".join(",".join(row) for row in rows).replace("Master’s", "“Master’s”")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(tmp_path / "bom.csv")}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from stg_students") == 1000
    assert "\"Master's\"" in {row[0] for row in run.query("select distinct Parental_Education_Level from stg_students")}


def test_semicolon_delimiter_and_crlf_line_endings(tmp_path):
    path = write_csv(tmp_path / "semicolon.csv", reference_rows(), delimiter=";", lineterminator="\r\n")
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from stg_students") == 1000
    assert run.scalar("select count(*) from stg_students where Dropout_Risk is null or Gender like '%\r%'") == 0
    assert run.scalar("select count(*) from feature_encoding where is_used") == 18


def test_quoted_fields_with_commas(tmp_path):
    rows = reference_rows()
    column = rows[0].index("Ethnicity")
    for row in rows[1:50]:
        row[column] = "Other, not listed"
    path = write_csv(tmp_path / "quoted.csv", rows, quoting=csv.QUOTE_MINIMAL)
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from stg_students where Ethnicity = 'Other, not listed'") == 49


def test_row_with_too_many_fields_names_the_line(tmp_path):
    rows = reference_rows()
    rows[5] = rows[5] + ["unexpected"]
    path = write_csv(tmp_path / "malformed.csv", rows)
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode != 0
    assert "line 6: Expected Number of Columns: 23 Found: 24" in run.output


def test_latin1_file_fails_clearly_and_reads_with_csv_encoding(tmp_path):
    rows = reference_rows()
    rows[1][rows[0].index("Ethnicity")] = "Andalucía"
    path = write_csv(tmp_path / "latin1.csv", [[cell.replace("’", "'") for cell in row] for row in rows], encoding="latin-1")
    failed = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert failed.returncode != 0 and "not utf-8 encoded" in failed.output
    read = run_dbt(tmp_path / "wh2", variables={"students_path": str(path), "csv_encoding": "latin-1"}, extra_args=STAGING)
    assert read.returncode == 0, read.output[-3000:]
    assert read.scalar("select count(*) from stg_students where Ethnicity = 'Andalucía'") == 1


def test_very_wide_file(tmp_path):
    rows = reference_rows()
    rows = [row + ([f"Extra_{j}" for j in range(200)] if i == 0 else [str((i * 7 + j) % 13) for j in range(200)])
            for i, row in enumerate(rows)]
    path = write_csv(tmp_path / "wide.csv", rows)
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from feature_encoding where is_used") == 218
    assert run.scalar("select count(*) from stg_students") == 1000


def test_constant_column_is_excluded_with_a_reason(tmp_path):
    rows = reference_rows()
    column = rows[0].index("Disciplinary_Actions")
    for row in rows[1:]:
        row[column] = "1"
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_csv(tmp_path / "const.csv", rows))},
                  extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.query("select is_used, exclusion_reason from feature_encoding where feature = 'Disciplinary_Actions'") == [
        (False, "constant: every clean row has the value 1.0")]
    assert run.scalar("select count(*) from data_quality_summary where check_name = 'constant_column' "
                      "and column_name = 'Disciplinary_Actions'") == 1


def test_every_row_rejected_stops_with_the_commonest_reasons(tmp_path):
    rows = reference_rows()
    column = rows[0].index("Dropout_Risk")
    for row in rows[1:]:
        row[column] = "High"
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_csv(tmp_path / "labels.csv", rows))},
                  extra_args=STAGING)
    assert run.returncode != 0
    assert "no row passed validation" in run.output
    assert "Dropout_Risk label_not_binary on 1000 rows" in run.output


@pytest.mark.parametrize("n_rows", [1, 6])
def test_too_few_students_for_personas(tmp_path, n_rows):
    rows = reference_rows()[: n_rows + 1]
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_csv(tmp_path / "few.csv", rows))},
                  extra_args=["--select", "+int_factor_rank_selection", "--indirect-selection", "cautious"])
    assert run.returncode != 0
    assert f"needs at least 10 clean students, but stg_students has {n_rows}" in run.output


def test_parquet_input(tmp_path):
    import duckdb
    path = tmp_path / "students.parquet"
    duckdb.sql(f"copy (select * from read_csv('{require_real_csv()}')) to '{path}' (format parquet)")
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(path)}, extra_args=STAGING)
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from stg_students") == 1000
    assert run.scalar("select count(*) from feature_encoding where is_used") == 18
