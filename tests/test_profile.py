"""`make profile` without a build: the vars file is written by a YAML serializer (no value from the file can
become a line of its own), and an existing vars file or playbook is never overwritten without FORCE."""

import csv
from pathlib import Path

import pytest
import yaml

from student_personas import profiling


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HOSTILE = ["Graduate\nexports_dir: X", "Dropout", "x: y # not a comment", "it's \"quoted\"", "a\u2028b\rc"]


def hostile_file(tmp_path):
    rows = [["Student_No", "Outcome", "GPA"]]
    rows += [[str(i), HOSTILE[i % len(HOSTILE)], f"{2 + (i % 20) / 10:.1f}"] for i in range(60)]
    return write_rows(tmp_path / "hostile.csv", rows)


def test_values_with_newlines_colons_quotes_and_hashes_round_trip_and_add_no_setting(tmp_path):
    written = profiling.write_vars_file(hostile_file(tmp_path), tmp_path / "vars.yml")
    text = written.read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert "exports_dir" not in loaded and "X" not in loaded.values()
    assert loaded["label_column"] == "Outcome" and loaded["label_positive_values"] == ["Dropout"]
    assert sorted(loaded["label_negative_values"]) == sorted(v for v in HOSTILE if v != "Dropout")
    for line in text.splitlines():  # every line is a comment, blank, or a setting the profiler writes
        assert line == "" or line.startswith(("#", " ")) or line.split(":")[0] in profiling.WRITTEN_SETTINGS, line


def test_an_existing_vars_file_or_playbook_is_never_overwritten_without_force(tmp_path):
    source = hostile_file(tmp_path)
    out = tmp_path / "vars.yml"
    out.write_text("# my edits\nid_column: Student_No\n", encoding="utf-8")
    with pytest.raises(profiling.ProfileRefused, match="already exists and may hold your edits"):
        profiling.write_vars_file(source, out)
    assert out.read_text(encoding="utf-8") == "# my edits\nid_column: Student_No\n"
    out.unlink()
    (tmp_path / "vars_playbook.csv").write_text("source_column,direction,action,rationale\nGPA,below,Tutoring,x\n")
    with pytest.raises(profiling.ProfileRefused, match="vars_playbook.csv already exists"):
        profiling.write_vars_file(source, out)
    assert not out.exists()
    profiling.write_vars_file(source, out, replace=True)
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["id_column"] == "Student_No"


def test_names_e_mails_and_notes_are_proposed_as_excluded_with_why(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import identifying_values

    values = identifying_values(80)
    rows = [["Student_No", "GPA", "Student_Name", "Email", "Notes"]]
    rows += [[str(i), f"{2 + (i % 20) / 10:.1f}", values["Student_Name"][i], values["Email"][i], values["Notes"][i]]
             for i in range(80)]
    written = profiling.write_vars_file(write_rows(tmp_path / "named.csv", rows), tmp_path / "vars.yml")
    text = written.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["excluded_columns"] == ["Student_Name", "Email", "Notes"]
    assert "# 'Student_Name': identifying text (names, e-mails, ids): 80 distinct values in 80 cells" in text
    assert "# 'Notes': free text (notes)" in text
    assert "Student_Name,below" not in (tmp_path / "vars_playbook.csv").read_text()


def test_protected_columns_are_proposed_by_meaning_with_why_and_coded_ones_as_nominal(tmp_path):
    """Parental education, special needs and socioeconomic proxies are proposed as protected with what they
    record; a protected attribute held as codes is declared categorical (one group per code)."""
    header = ["Student", "Mother's qualification", "parental level of education", "Educational special needs",
              "lunch", "Nacionality", "Debtor", "Gender", "Age at enrollment", "Curricular units approved",
              "Study hours", "Target"]
    rows = [header]
    for i in range(300):
        dropout = i % 3 == 0
        rows.append([f"S{i:04d}", str(1 + i % 19), ["some college", "high school", "master's degree"][i % 3],
                     str(i % 7 == 0 and 1 or 0), ["standard", "free/reduced"][i % 2], str(1 + (i * 7) % 21),
                     str(i % 5 == 0 and 1 or 0), ["F", "M"][i % 2], str(17 + i % 30),
                     str(i % 4 if dropout else 5 + i % 3), str(10 + (i * 13) % 17),
                     "Dropout" if dropout else ["Graduate", "Enrolled"][i % 2]])
    profile = profiling.profile_file(write_rows(tmp_path / "students.csv", rows))
    meanings = profile.protected_meanings
    assert meanings["Mother's qualification"] == meanings["parental level of education"] \
        == "parental education or occupation"
    assert meanings["Educational special needs"] == "disability or special needs"
    assert meanings["lunch"].startswith("socioeconomic") and meanings["Debtor"].startswith("socioeconomic")
    assert meanings["Nacionality"] == "nationality or citizenship" and meanings["Age at enrollment"] == "age"
    assert "Study hours" not in meanings and "Curricular units approved" not in meanings
    assert {"Mother's qualification", "Nacionality"} <= set(profile.coded_categorical)
    assert "Age at enrollment" not in profile.coded_categorical  # an age stays a number (quantile groups)
    assert profile.label[:2] == ("Target", ["Dropout"]) and profile.label_name == "dropout"
    # A column that separates the label perfectly on its own is excluded, with why.
    assert set(profile.outcome_records) == {"Curricular units approved"}
    written = profiling.write_vars_file(tmp_path / "students.csv", tmp_path / "vars.yml")
    text = written.read_text(encoding="utf-8")
    variables = yaml.safe_load(text)
    assert "Curricular units approved" in variables["excluded_columns"]
    assert "# 'Curricular units approved': may record the outcome itself" in text
    assert "# 'lunch': socioeconomic" in text and variables["label_name"] == "dropout"
    assert {"Mother's qualification", "Nacionality"} <= set(variables["categorical_columns"])
    assert set(meanings) <= set(variables["protected_columns"])


def test_a_term_is_offered_as_the_term_before_it_is_folded_into_a_composite_id(tmp_path):
    rows = [["code_presentation", "id_student", "score", "final_result"]]
    rows += [[term, str(student), str((student * 7 + len(term)) % 50), ["Pass", "Withdrawn"][student % 2]]
             for term in ("2013B", "2013J", "2014B") for student in range(100)]
    profile = profiling.profile_file(write_rows(tmp_path / "enrolments.csv", rows))
    assert profile.id_columns == ["id_student"] and profile.term_column == "code_presentation" and profile.term_from_id
    assert profile.label_name == "withdrawn"
    variables = yaml.safe_load(profiling.write_vars_file(tmp_path / "enrolments.csv", tmp_path / "v.yml")
                               .read_text(encoding="utf-8"))
    assert variables["term_column"] == "code_presentation" and variables["id_column"] == "id_student"


def test_an_event_log_is_named_by_its_student_column_and_a_grade_series_suggests_its_last_as_label(tmp_path):
    rows = [["code_module", "id_site", "id_student", "date", "sum_click"]]
    rows += [["AAA", str(i % 7), str(i % 40), str(i % 90), "3"] for i in range(800)]
    events = profiling.profile_file(write_rows(tmp_path / "clicks.csv", rows))
    assert events.notices and events.notices[0].startswith("'id_student' looks like a student id but repeats")
    grades = [["school", "age", "G1", "G2", "G3"]] + [["GP", str(15 + i % 5), str(i % 20), str((i + 1) % 20),
                                                        str((i + 2) % 20)] for i in range(60)]
    profile = profiling.profile_file(write_rows(tmp_path / "school.csv", grades))
    assert profile.label is None and profile.grade_series == ["G1", "G2", "G3"]
    text = profiling.render_vars(profile, tmp_path / "p.csv")
    assert '# label_expression: "G3 < 10"' in text and "excluded_columns: [G1, G2]" in text
