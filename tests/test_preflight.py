"""The preflight, called directly (no dbt): every configuration problem is reported at once, before anything
is built, with the column, the values and the var to set; good files load with the options they need."""

import csv
import re
from pathlib import Path

import duckdb
import pytest
import yaml

import shapes
from conftest import BUILTIN_VARS, PROJECT_DIR, require_real_csv
from student_personas import preflight, settings
from student_personas.preflight import PreflightError

DEFAULTS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def config(**overrides) -> dict:
    return {**DEFAULTS, **overrides}


def builtin(**overrides) -> dict:
    return config(**{**BUILTIN_VARS, "students_path": str(require_real_csv()), **overrides})


def prepare(settings: dict, tmp_path: Path, given=None, stored_model=None):
    return preflight.prepare(settings, set(given or ()), PROJECT_DIR, tmp_path / "work", stored_model)


def problems_of(settings: dict, tmp_path: Path, **kwargs) -> list[str]:
    with pytest.raises(PreflightError) as raised:
        prepare(settings, tmp_path, **kwargs)
    assert str(raised.value).startswith(f"student-personas preflight found {len(raised.value.problems)} problem(s)")
    return raised.value.problems


def reference_rows():
    with open(require_real_csv(), encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows, **options):
    with open(path, "w", encoding=options.pop("encoding", "utf-8"), newline="") as handle:
        csv.writer(handle, **options).writerows(rows)
    return path


def load(plan, tmp_path):
    """Run the plan's statements in a scratch database and return it (what the on-run-start hook does)."""
    connection = duckdb.connect(str(tmp_path / "scratch.duckdb"))
    for statement in plan.statements:
        connection.execute(statement)
    return connection


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preflight_shapes")
    shapes.write_all(folder)
    return folder


# ---- every problem at once, named -----------------------------------------------------------------------

def test_missing_columns_are_all_listed_with_close_matches(tmp_path):
    found = problems_of(builtin(id_column="student_ID", protected_columns=["Gender", "Etnicity"],
                                range_rules={"GPA": [0, 4], "Atendance_Rate": [0, 100]}), tmp_path)
    text = "\n".join(found)
    assert "column 'student_ID' (declared in id_column)" in text and "Did you mean 'Student_ID' (the case differs)?" in text
    assert "column 'Etnicity' (declared in protected_columns)" in text and "Did you mean 'Ethnicity'" in text
    assert "column 'Atendance_Rate' (declared in range_rules)" in text and "'Attendance_Rate'" in text
    assert len([p for p in found if "is not in students_path" in p]) == 3


def test_three_class_label_given_only_its_positive_value(files, tmp_path):
    found = problems_of(config(students_path=str(files / "dropout.csv"), label_column="Target",
                               label_positive_values=["Dropout"]), tmp_path)
    [label] = [p for p in found if "label_column 'Target'" in p]
    assert "in neither label_positive_values (dropout) nor label_negative_values" in label
    assert re.search(r"graduate [0-9]{3}", label) and re.search(r"enrolled [0-9]{3}", label)
    assert "label_negative_values: [graduate, enrolled]" in label


def test_yaml_booleans_in_levels_and_label_values_say_how_to_quote(files, tmp_path):
    found = problems_of(config(students_path=str(files / "school.csv"),
                               categorical_columns=yaml.safe_load("{romantic: [no, yes]}"),
                               label_positive_values=yaml.safe_load("[yes]")), tmp_path)
    text = "\n".join(found)
    assert "var categorical_columns entry 'romantic' holds False, which is not a level" in text
    assert "quote the value, e.g. ['no', 'yes']" in text
    assert "var label_positive_values holds True" in text


def test_repeated_id_with_different_values_suggests_a_composite_id(files, tmp_path):
    found = problems_of(config(students_path=str(files / "enrolment.csv"), id_column="id_student",
                               label_column="final_result", label_positive_values=["Withdrawn"],
                               label_negative_values=["Pass", "Fail", "Distinction"]), tmp_path)
    [repeat] = [p for p in found if "repeats with different values" in p]
    assert "id_column id_student repeats with different values in" in repeat
    assert "Declare id_column as a list of the columns that identify a row" in repeat


def test_composite_id_resolves_it(files, tmp_path):
    plan = prepare(config(students_path=str(files / "enrolment.csv"),
                          id_column=["code_module", "code_presentation", "id_student"],
                          label_column="final_result", label_positive_values=["Withdrawn"],
                          label_negative_values=["Pass", "Fail", "Distinction"]), tmp_path)
    assert plan.facts["mode"] == "fit"


def test_features_whose_names_record_protected_attributes_are_named(files, tmp_path):
    """Left as features, gender, age band, disability and deprivation band shape the personas: the preflight
    names each with what it records, and the warehouse's column roles carry the same meaning."""
    plan = prepare(config(students_path=str(files / "enrolment.csv"),
                          id_column=["code_module", "code_presentation", "id_student"],
                          label_column="final_result", label_positive_values=["Withdrawn"],
                          label_negative_values=["Pass", "Fail", "Distinction"], protected_columns=["gender"]),
                   tmp_path)
    found = plan.facts["protected_like_columns"]
    assert found == {"age_band": "age", "disability": "disability or special needs",
                     "imd_band": "socioeconomic (income, free or reduced lunch, scholarship, debt, deprivation)"}
    assert any("column 'disability' looks like it records disability or special needs" in n for n in plan.notices)
    assert not any("'gender' looks like" in n for n in plan.notices)  # declared protected


def test_a_file_whose_roles_take_every_column_stops_with_one_message(files, tmp_path):
    found = problems_of(config(
        students_path=str(files / "enrolment.csv"), id_column=["code_module", "code_presentation", "id_student"],
        label_column="final_result", label_positive_values=["Withdrawn"],
        label_negative_values=["Pass", "Fail", "Distinction"],
        protected_columns=["gender", "region", "highest_education", "imd_band", "age_band", "disability"],
        excluded_columns=["num_of_prev_attempts", "studied_credits"]), tmp_path)
    assert found == [
        "no feature column is left to fit the personas on: all 12 columns of the file have another role (id_column: "
        "code_module, code_presentation, id_student; protected_columns: gender, region, highest_education, imd_band, "
        "age_band, disability; excluded_columns: num_of_prev_attempts, studied_credits; label_column: final_result). "
        "Declare fewer protected or excluded columns, list feature columns, or add derived_features or an event log "
        "(events_path)"]


def test_an_event_log_given_as_the_student_file_points_to_events_path(files, tmp_path):
    found = problems_of(config(students_path=str(files / "events_as_students.csv"), id_column="id_student"), tmp_path)
    assert any("looks like an event log" in p and "Pass it as events_path" in p for p in found)


def test_settings_of_the_wrong_type_and_unknown_vars_are_named(tmp_path):
    found = problems_of(builtin(stability_threshold="(select 1)", persona_k_range=[5, 2], kmeans_restarts=2.5),
                        tmp_path, given={"stability_threshold", "id_colum"})
    text = "\n".join(found)
    assert "var stability_threshold must be a number, not '(select 1)'" in text
    assert "var persona_k_range must satisfy 2 <= low <= high, not [5, 2]" in text
    assert "var kmeans_restarts must be a whole number" in text
    assert "var id_colum is not a setting of this project; did you mean id_column?" in text


def test_a_column_with_two_roles(tmp_path):
    found = problems_of(builtin(excluded_columns=["Gender"]), tmp_path)
    assert any("column 'Gender' is declared in both protected_columns (protected) and excluded_columns" in p
               for p in found)


def test_no_students_path_says_where_to_start(tmp_path):
    found = problems_of(config(), tmp_path)
    assert "var students_path is not set" in found[0] and "make profile" in found[0]






def test_derived_features_must_be_expressions_over_known_columns(tmp_path):
    found = problems_of(builtin(derived_features={"effort": "Study_Hours_per_Week + Library_Usage_Hour",
                                                  "drop": "1) from x; drop table y; select (1"}), tmp_path)
    text = "\n".join(found)
    assert "derived_features.effort reads 'Library_Usage_Hour'" in text and "'Library_Usage_Hours'" in text
    assert "derived_features.drop: '1) from x; drop table y; select (1' is not a valid SQL expression" in text


def test_a_derived_feature_that_reads_the_label_or_a_protected_column_is_refused(files, tmp_path):
    found = problems_of(builtin(derived_features={"risk_copy": "try_cast(Dropout_Risk as double)",
                                                  "age_gap": "try_cast(Gender = 'Female' as double)",
                                                  "twice": "2 * risk_copy", "fine": "GPA / 4"}), tmp_path)
    assert len(found) == 3
    assert found[0].startswith("derived_features.risk_copy reads 'Dropout_Risk', the label_column: labels and "
                               "protected attributes never train the personas")
    assert found[1].startswith("derived_features.age_gap reads 'Gender', the protected_columns")
    assert found[2].startswith("derived_features.twice reads 'risk_copy', the derived feature computed from Dropout_Risk")
    school = problems_of(config(students_path=str(files / "school.csv"), label_expression="G3 < 10",
                                derived_features={"g3_share": "G3 / 20"}), tmp_path)
    assert school == [school[0]] and "reads 'G3', the label_expression (it reads this column)" in school[0]


def test_label_expression_reads_columns_of_the_file_and_gives_true_or_false(files, tmp_path):
    plan = prepare(config(students_path=str(files / "school.csv"), label_expression="G3 < 10",
                          label_name="final grade below 10"), tmp_path)
    assert plan.facts["label_source_columns"] == ["G3"]
    found = problems_of(config(students_path=str(files / "school.csv"), label_expression="G4 < 10"), tmp_path)
    assert any("label_expression 'G4 < 10' reads column 'G4', which is not in the file" in p for p in found)

def test_scoring_checks_the_stored_models_columns_not_the_vars(tmp_path):
    table = reference_rows()
    path = write_csv(tmp_path / "new.csv", [[c for j, c in enumerate(r) if j != table[0].index("GPA")] for r in table])
    stored = {"model_version": "pm-x", "columns": [
        {"column_name": "Student_ID", "role": "id", "kind": None, "origin": "input"},
        {"column_name": "GPA", "role": "feature", "kind": "numeric", "origin": "input"},
        {"column_name": "effort", "role": "feature", "kind": "numeric", "origin": "derived"}]}
    found = problems_of(config(score_students_path=str(path), id_column="Learner"), tmp_path, stored_model=stored)
    assert found == ["column 'GPA' (feature of persona model pm-x) is not in score_students_path. Columns found: "
                     + ", ".join(c for c in table[0] if c != "GPA")]



def test_every_var_of_the_project_is_a_declared_setting():
    assert sorted(set(DEFAULTS) - set(settings.SETTINGS)) == []
    assert sorted(set(settings.SETTINGS) - set(DEFAULTS)) == []
    assert settings.problems(DEFAULTS) == []


# ---- every file shape gets a clear answer ---------------------------------------------------------------------

def worked_example_text() -> str:
    return (PROJECT_DIR / "examples" / "builtin" / "students.csv").read_text(encoding="utf-8")


def loads(path, tmp_path, **overrides):
    """The plan's notices and what the load statements put in inputs (rows, empty rows, records counted)."""
    plan = prepare(config(**{**BUILTIN_VARS, "students_path": str(path), **overrides}), tmp_path)
    connection = load(plan, tmp_path)
    rows, empty = connection.execute("select count(*), count(*) filter (where skipped_as = 'empty row') from inputs.students").fetchone()
    counted = connection.execute("select records_counted from inputs.input_files where input_name = 'students'").fetchone()[0]
    connection.close()
    return plan.notices, rows, empty, counted


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_without_or_with_a_bom_are_detected_and_read(tmp_path, encoding):
    path = tmp_path / "students.csv"
    path.write_bytes(worked_example_text().encode(encoding))
    notices, rows, empty, counted = loads(path, tmp_path)
    assert rows == counted == 1000 and empty == 0
    assert any(f"is encoded as {encoding}" in notice for notice in notices)


def test_a_row_whose_every_cell_is_empty_is_counted_and_marked(tmp_path):
    lines = worked_example_text().splitlines()
    path = tmp_path / "students.csv"
    path.write_text("\n".join(lines[:30] + ["," * 22] + lines[30:]) + "\n", encoding="utf-8")
    _, rows, empty, counted = loads(path, tmp_path)
    assert (rows, empty, counted) == (1001, 1, 1001)


def test_a_quote_never_closed_is_named_with_its_line_and_what_to_do(tmp_path):
    lines = worked_example_text().splitlines()
    lines[10] = lines[10].replace(",", ',"', 1)
    path = tmp_path / "students.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(config(**{**BUILTIN_VARS, "students_path": str(path)}), tmp_path)
    assert len(found) == 1 and "cannot be read as CSV at line 11" in found[0] and "never closed" in found[0]


def test_a_megabyte_cell_and_lone_carriage_returns_are_read(tmp_path):
    lines = worked_example_text().splitlines()
    huge = tmp_path / "huge.csv"
    huge.write_text("\n".join(lines[:5] + [lines[5].replace("Female", "F" * 1_100_000, 1)] + lines[6:]) + "\n",
                    encoding="utf-8")
    assert loads(huge, tmp_path)[1:] == (1000, 0, 1000)
    cr = tmp_path / "cr.csv"
    cr.write_bytes(("\r".join(lines) + "\r").encode("utf-8"))
    assert loads(cr, tmp_path / "cr")[1:] == (1000, 0, 1000)


def test_thousands_separators_get_the_right_advice_and_work_when_declared(tmp_path):
    rows = list(csv.reader(worked_example_text().splitlines()))
    column = rows[0].index("Credits_Completed")
    for row in rows[1:]:
        row[column] = f"{int(row[column]) * 100:,}"
    path = write_csv(tmp_path / "students.csv", rows)
    found = problems_of(config(**{**BUILTIN_VARS, "students_path": str(path)}), tmp_path)
    assert len(found) == 1 and "separates thousands with a comma" in found[0] and "thousands_separator: ','" in found[0]
    assert "decimal_separator: ','" not in found[0]
    notices, rows_loaded, _, _ = loads(path, tmp_path, thousands_separator=",")
    assert rows_loaded == 1000
    warned = prepare(config(**{**BUILTIN_VARS, "students_path": str(path), "decimal_separator": ","}), tmp_path).notices
    assert any("reads as 9.8" in notice and "thousands_separator: ','" in notice for notice in warned)


def test_blank_lines_a_title_line_and_columns_that_differ_only_in_case(tmp_path):
    text = worked_example_text()
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n" + text, encoding="utf-8")
    notices, rows, _, counted = loads(blank, tmp_path)
    assert rows == counted == 1000 and any("2 blank line(s) before the header are skipped" in n for n in notices)
    titled = tmp_path / "titled.csv"
    titled.write_text("Student export, spring\n".replace(",", "") + text, encoding="utf-8")
    found = problems_of(config(**{**BUILTIN_VARS, "students_path": str(titled)}), tmp_path)
    assert len(found) == 1 and "looks like a title above the header" in found[0] and "Student_ID, Age" in found[0]
    rows = list(csv.reader(text.splitlines()))
    rows[0][rows[0].index("Age")] = "gpa"
    cased = write_csv(tmp_path / "cased.csv", rows)
    found = problems_of(config(students_path=str(cased)), tmp_path)
    assert found == [f"students_path '{cased}': columns 'gpa' and 'GPA' differ only in case, and the warehouse's SQL "
                     "reads column names without case: rename one of each"]


def test_nested_parquet_columns_are_not_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"Student_ID": [str(i) for i in range(60)], "Score": [float(i) for i in range(60)],
                      "tags": [[1, 2]] * 60, "address": [{"city": "x"}] * 60})
    path = tmp_path / "nested.parquet"
    pq.write_table(table, path)
    plan = prepare(config(students_path=str(path), id_column="Student_ID"), tmp_path)
    assert any("tags, address hold nested values" in notice for notice in plan.notices)
    connection = load(plan, tmp_path)
    assert [row[0] for row in connection.execute("describe inputs.students").fetchall()] == [
        "source_row_number", "skipped_as", "Student_ID", "Score"]


def test_a_file_wider_than_the_documented_limit_is_refused_in_one_message(tmp_path):
    header = ["Student_ID"] + [f"c{i}" for i in range(1000)]
    rows = [header] + [[str(n)] + [str(n % 7)] * 1000 for n in range(30)]
    path = write_csv(tmp_path / "wide.csv", rows)
    found = problems_of(config(students_path=str(path), id_column="Student_ID"), tmp_path)
    assert len(found) == 1 and "has 1,001 columns, more than the 250 the warehouse reads" in found[0]


def test_an_event_log_given_as_the_student_file_without_an_id_stops_naming_its_columns(files, tmp_path):
    found = problems_of(config(students_path=str(files / "events_as_students.csv")), tmp_path)
    assert len(found) == 1 and found[0].startswith("this looks like an event log, not a student file: 'id_student' "
                                                   "repeats (2,400 rows, 60 distinct values")
    assert "'date' looks like a time" in found[0] and "event_columns: {student_id: id_student, time: date}" in found[0]
