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
