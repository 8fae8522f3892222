"""The bad-input suite: every kind of messy export ends in a clear message naming the column (and row) before
anything is built, or in quarantine with a reason. No row is ever silently lost.

File-level cases call the preflight directly (no dbt, milliseconds); row-level cases share one build of the
staging subgraph on the reference file with one defect per row.
"""

import gzip

import duckdb
import pytest

import shapes
from conftest import STAGING, built, require_real_csv, run_dbt
from test_preflight import (  # noqa: F401 - files is a fixture
    builtin, config, files, load, prepare, problems_of, reference_rows, write_csv)

# ---- file-level: read whole with the options the file needs, or refused with a reason -------------------


def test_a_cohort_below_the_real_minimum_is_stopped_up_front(tmp_path):
    path = write_csv(tmp_path / "few.csv", reference_rows()[:13])
    found = problems_of(builtin(students_path=str(path)), tmp_path)
    assert any("needs at least 51 students" in p and "has 12 rows" in p for p in found)


def test_range_rules_on_text_dates_and_empty_columns_say_what_the_column_holds(tmp_path):
    rows = [["id", "enrolled_on", "notes", "blank", "score"]]
    rows += [[str(i), f"2024-03-{1 + i % 28:02d}", "text", "", str(i)] for i in range(80)]
    found = problems_of(config(students_path=str(write_csv(tmp_path / "r.csv", rows)), id_column="id",
                               range_rules={"enrolled_on": [0, 1], "notes": [0, 1], "blank": [0, 1]}), tmp_path)
    text = "\n".join(found)
    assert "'enrolled_on', but 0 of its 80 values are numbers: it holds dates (e.g. '2024-03-01')" in text
    assert "'notes', but 0 of its 80 values are numbers: it holds text such as 'text'" in text
    assert "range_rules has a rule for 'blank', which is empty in the file" in text

def test_semicolons_and_decimal_commas_are_detected(files, tmp_path):
    plan = prepare(config(**shapes.dropout_vars(files)), tmp_path)
    assert plan.facts["decimal_separator"] == ","
    assert any("numbers use a decimal comma" in notice for notice in plan.notices)
    connection = load(plan, tmp_path)
    assert connection.execute("select count(*) from inputs.students").fetchone()[0] == 1500
    assert connection.execute("select records_counted from inputs.input_files").fetchone()[0] == 1500


def test_rows_whose_id_starts_with_a_hash_are_kept(tmp_path):
    rows = reference_rows()
    for row in rows[1:21]:
        row[0] = "#" + row[0]
    plan = prepare(builtin(students_path=str(write_csv(tmp_path / "hash.csv", rows))), tmp_path)
    connection = load(plan, tmp_path)
    assert connection.execute("select count(*) from inputs.students").fetchone()[0] == 1000
    assert connection.execute("select count(*) from inputs.students where Student_ID like '#%'").fetchone()[0] == 20


@pytest.mark.parametrize("variant", ["cp1252", "utf-16", "gzip_named_csv", "bom_crlf", "trailing_delimiter"])

def test_exports_in_other_encodings_and_wrappers_are_read_whole(tmp_path, variant):
    rows = reference_rows()
    rows[1][rows[0].index("Ethnicity")] = "Andalucía ‘A’"
    path = tmp_path / "students.csv"
    text = "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows) + "\r\n"
    if variant == "cp1252":
        path.write_bytes(text.encode("cp1252"))
    elif variant == "utf-16":
        path.write_bytes(text.encode("utf-16"))
    elif variant == "gzip_named_csv":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    elif variant == "bom_crlf":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    else:
        path.write_text("\n".join(",".join(row) + "," for row in rows) + "\n", encoding="utf-8")
    plan = prepare(builtin(students_path=str(path)), tmp_path)
    connection = load(plan, tmp_path)
    assert connection.execute("select count(*) from inputs.students").fetchone()[0] == 1000
    assert connection.execute("select Ethnicity from inputs.students where source_row_number = 1").fetchone()[0] \
        == "Andalucía ‘A’"
    columns = [row[0] for row in connection.execute("describe inputs.students").fetchall()]
    assert columns[:3] == ["source_row_number", "skipped_as", "Student_ID"] and len(columns) == 25
    if variant == "gzip_named_csv":
        assert any("gzip-compressed" in notice for notice in plan.notices)
    if variant == "trailing_delimiter":
        assert any("the empty last column is ignored" in notice for notice in plan.notices)


@pytest.mark.parametrize("content, message", [
    ("", "is empty (no header and no rows)"),
    ("Student_ID,GPA,Dropout_Risk\n", "has a header (Student_ID, GPA, Dropout_Risk) but no data rows"),
    ("Student_ID,GPA,GPA\n1,2,3\n", "the header names these columns more than once: GPA"),
    ("PK\x03\x04rest", "is a zip archive or an Excel workbook"),
])

def test_unreadable_files_say_why(tmp_path, content, message):
    path = tmp_path / "input.csv"
    path.write_text(content, encoding="utf-8")
    found = problems_of(config(students_path=str(path)), tmp_path)
    assert any(message in p for p in found)


def test_parquet_input_loads_every_row(tmp_path):
    path = tmp_path / "students.parquet"
    duckdb.sql(f"copy (select * from read_csv('{require_real_csv()}')) to '{path}' (format parquet)")
    connection = load(prepare(builtin(students_path=str(path)), tmp_path), tmp_path)
    assert connection.execute("select count(*), count(distinct Student_ID) from inputs.students").fetchone() == (1000, 1000)


# ---- row-level: quarantined with a reason naming the column, or filled by policy ------------------------

ROW_DEFECTS = {
    # case id: (data row, column, new value, expected check, text the reason must contain)
    "null_id": (3, "Student_ID", "", "missing_value", "Student_ID is missing"),
    "whitespace_id": (4, "Student_ID", "   ", "missing_value", "Student_ID is missing"),
    "text_in_numeric": (5, "GPA", "abc", "not_a_number", "GPA is 'abc', which is not a number"),
    "thousands_separator": (6, "Credits_Completed", "1,234", "not_a_number", "Credits_Completed is '1,234'"),
    "underscore_digits": (7, "Credits_Completed", "1_234", "not_a_number", "Credits_Completed is '1_234'"),
    "infinity": (9, "Online_Learning_Hours", "inf", "not_finite", "Online_Learning_Hours is 'inf'"),
    "huge_number": (10, "Library_Usage_Hours", "1e300", "out_of_supported_range", "beyond the magnitude"),
    "out_of_range": (11, "GPA", "7.5", "above_maximum", "GPA is 7.5, above the allowed maximum 4"),
    "negative_hours": (12, "Study_Hours_per_Week", "-2", "below_minimum", "Study_Hours_per_Week is -2, below the allowed minimum 0"),
    "missing_label": (14, "Dropout_Risk", "", "missing_value", "Dropout_Risk is missing"),
    "undeclared_level": (15, "Past_Academic_Performance", "Excellent", "undeclared_level", "not one of the declared levels"),
    # a protected number that is not one is a bad row too, not a value that silently becomes missing
    "text_in_protected_number": (16, "Age", "abc", "not_a_number", "Age is 'abc', which is not a number"),
}
# Age is declared protected here (the worked example's protected columns, and a numeric one).
PROTECTED = ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status", "Age"]


@pytest.fixture(scope="module")
def defects(tmp_path_factory):
    rows = reference_rows()
    column = {name: index for index, name in enumerate(rows[0])}
    for row, name, value, _, _ in ROW_DEFECTS.values():
        rows[row][column[name]] = value
    rows[20][0] = rows[21][0]  # conflicting duplicate id: data rows 20 and 21
    rows[31] = list(rows[30])  # exact duplicate: data row 31 copies data row 30
    rows[40][column["Gender"]] = ""  # a missing protected value is kept
    rows[41][column["Dropout_Risk"]] = "Yes"  # label spellings are case-insensitive
    rows[42][column["Gender"]] = "  Female  "  # whitespace is trimmed
    rows[43][column["Gender"]] = "female"  # a case variant joins its group
    rows[44][column["Ethnicity"]] = "As\u200bian\x00"  # zero-width and NUL characters are removed
    rows[50][column["Mental_Health_Score"]] = ""  # a missing feature value is filled, not rejected
    rows[52][column["Attendance_Rate"]] = "NaN"  # how pandas writes a missing value
    rows[51][column["Past_Academic_Performance"]] = "N/A"  # a missing level becomes '(not recorded)'
    for row in rows[60:80]:
        row[0] = "#" + row[0]  # ids starting with '#': DuckDB would read these lines as comments
    rows[45][column["Gender"]] = "Ｆｅｍａｌｅ"  # fullwidth letters (an East Asian locale's export)
    rows[46][column["GPA"]] = "３.５"  # fullwidth digits
    rows[47][0] = f'="{rows[47][0]}"'  # Excel's text-forcing formula around an id
    rows.insert(90, list(rows[0]))  # the header again (two exports concatenated): data row 90
    rows.append([""] * len(rows[0]))  # a row whose every cell is empty
    tmp = tmp_path_factory.mktemp("defects")
    return built(run_dbt(tmp / "wh", variables={"students_path": str(write_csv(tmp / "defects.csv", rows)),
                                                "protected_columns": PROTECTED}, extra_args=STAGING))


@pytest.mark.dbt

@pytest.mark.parametrize("case", sorted(ROW_DEFECTS))

def test_row_defect_is_quarantined_with_a_reason(defects, case):
    row, column, _, check, text = ROW_DEFECTS[case]
    rejected = defects.query("select column_name, check_name, reason from student_rejects where source_row_number = ?", [row])
    assert rejected, f"row {row} was not quarantined"
    column_name, check_name, reason = rejected[0]
    assert (column_name, check_name) == (column, check)
    assert text in reason


@pytest.mark.dbt

def test_conflicting_duplicate_ids_reject_every_copy_and_exact_copies_keep_the_first(defects):
    assert sorted(defects.query("select source_row_number, check_name from student_rejects "
                                "where source_row_number in (20, 21, 30, 31)")) == [
        (20, "conflicting_duplicate_id"), (21, "conflicting_duplicate_id"), (31, "duplicate_row")]
    assert defects.scalar("select count(*) from int_student_records where source_row_number = 30") == 1


@pytest.mark.dbt

def test_every_row_is_accounted_for_including_ids_starting_with_a_hash(defects):
    valid = defects.scalar("select count(*) from int_student_records")
    rejected = defects.scalar("select count(*) from student_rejects")
    counted = defects.scalar("select records_counted from stg_input_files where input_name = 'students'")
    skipped = defects.query("select empty_rows, repeated_header_rows from stg_input_files where input_name = 'students'")
    assert counted == 1002 and skipped == [(1, 1)] and valid + rejected == 1000
    assert dict(defects.query("select check_name, count from data_quality_summary where check_name in "
                              "('empty_rows', 'repeated_header_rows')")) == {"empty_rows": 1, "repeated_header_rows": 1}
    assert rejected == len(ROW_DEFECTS) + 3
    assert defects.scalar("select count(*) from int_student_records where student_id like '#%'") == 20


@pytest.mark.dbt

def test_text_is_normalised_and_case_variants_merged(defects):
    groups = dict(defects.query("select source_row_number, Gender from stg_students where source_row_number in (42, 43)"))
    assert groups == {42: "Female", 43: "Female"}
    assert defects.scalar("select Ethnicity from stg_students where source_row_number = 44") == "Asian"
    assert defects.scalar("select Gender from stg_students where source_row_number = 45") == "Female"
    assert defects.scalar("select GPA from stg_students where source_row_number = 46") == 3.5
    original = reference_rows()[47][0]
    assert defects.scalar("select student_id from stg_students where source_row_number = 47") == original
    merged = defects.query("select detail, count from data_quality_summary where check_name = 'merged_case_variants' "
                           "and column_name = 'Gender'")
    assert merged == [("4 spellings read as 3 values (case ignored)", 1)]
    assert defects.scalar("select label_value from stg_students where source_row_number = 41") == 1


@pytest.mark.dbt

def test_missing_feature_values_are_filled_and_counted(defects):
    filled = defects.query(
        "select source_column, value, is_imputed from int_student_prepared_values p join int_student_records r "
        "using (student_id, term) where r.source_row_number = 50 and source_column = 'Mental_Health_Score'")
    median = defects.scalar("select fill_value from int_feature_preparation where source_column = 'Mental_Health_Score'")
    assert filled == [("Mental_Health_Score", median, True)]
    level = defects.scalar(
        "select level from int_student_prepared_values p join int_student_records r using (student_id, term) "
        "where r.source_row_number = 51 and source_column = 'Past_Academic_Performance'")
    assert level == "(not recorded)"
    assert defects.scalar("select count from data_quality_summary where check_name = 'imputed_values' "
                          "and column_name = 'Mental_Health_Score'") == 1
    assert defects.scalar("select count from data_quality_summary where check_name = 'imputed_values' "
                          "and column_name = 'Attendance_Rate'") == 1


@pytest.mark.dbt

def test_a_build_never_succeeds_after_rejecting_more_than_the_budget(tmp_path):
    rows = reference_rows()
    column = rows[0].index("GPA")
    for row in rows[1:81]:
        row[column] = "9"  # 8% of the rows are above the GPA range rule
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(write_csv(tmp_path / "gpa.csv", rows))},
                  extra_args=STAGING)
    assert run.returncode != 0
    assert "80 of 1000 rows (8.0%) failed validation, above max_reject_share 5.0%" in run.output
    assert "GPA above_maximum on 80 rows, e.g. GPA is 9, above the allowed maximum 4" in run.output
    tolerated = run_dbt(tmp_path / "wh2", variables={"students_path": str(tmp_path / "gpa.csv"),
                                                     "max_reject_share": 0.1}, extra_args=STAGING)
    assert tolerated.returncode == 0, tolerated.output[-3000:]
    assert "WARNING 80 of 1000 rows (8.0%) are rejected" in tolerated.output


@pytest.mark.dbt

def test_configuration_problems_stop_the_build_before_any_model(tmp_path):
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(require_real_csv()), "id_column": "student_ID",
                                              "label_positive_values": ["Yes"], "label_negative_values": ["No"]})
    assert run.returncode != 0
    assert "preflight found 2 problem(s); nothing was built" in run.output
    assert "column 'student_ID' (declared in id_column)" in run.output and "Did you mean 'Student_ID'" in run.output
    assert "label_column 'Dropout_Risk' has values in neither" in run.output
    assert "OK created" not in run.output
