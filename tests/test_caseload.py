"""The staff-only caseload writer: one CSV per group, every student once, the folder replaced whole."""

import csv

import pyarrow as pa
import pytest

from student_personas import caseload


def caseload_table(groups):
    n = len(groups)
    return pa.table({
        "student_id": [f"s{i:03d}" for i in range(n)][::-1],
        "term": ["2025-autumn"] * n,
        "caseload_group": groups[::-1],
        "persona_id": pa.array([1] * n, pa.int32()),
        "persona_name": ["Further along"] * n,
        "sentence": ["Placed in “Further along” mainly because of further along (+1.2 SD)."] * n,
        "top_reasons": ["further along (+1.2 SD)"] * n,
        "top_actions": [""] * n,
        "run_id": ["r"] * n,
    })


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_file_per_group_with_every_student_once_and_a_staff_only_readme(tmp_path):
    groups = ["Dr. Lee", "Dr Lee", "Ms Ünal", "Dr. Lee", "(no value)"]
    out = tmp_path / "staff" / "caseload"
    manifest = caseload.write_caseloads(caseload_table(groups), out, "one file per value of Advisor", "Advisor")
    files = sorted(p.name for p in out.iterdir())
    assert files == ["README_STAFF_ONLY.txt", "dr-lee-2.csv", "dr-lee.csv", "ms-unal.csv", "no-value.csv"]
    assert "STAFF ONLY" in (out / "README_STAFF_ONLY.txt").read_text(encoding="utf-8")
    assert sum(manifest.column("rows").to_pylist()) == len(groups)
    seen = [row for name in files if name.endswith(".csv") for row in read_csv(out / name)]
    assert sorted(row["student_id"] for row in seen) == [f"s{i:03d}" for i in range(len(groups))]
    lee = read_csv(out / "dr-lee-2.csv")  # "Dr. Lee" sorts after "Dr Lee", so it takes the suffix
    assert [row["Advisor"] for row in lee] == ["Dr. Lee", "Dr. Lee"] and lee[0]["student_id"] < lee[1]["student_id"]
    assert list(lee[0]) == ["student_id", "term", "Advisor", "persona_id", "persona_name", "sentence", "top_reasons",
                            "top_actions"]  # no run_id, no other column
    assert lee[0]["sentence"].startswith("Placed in “Further along”")
    assert (out / "ms-unal.csv").read_bytes().startswith(caseload.UTF8_BOM)


def test_a_rebuild_replaces_the_folder_so_no_stale_file_remains(tmp_path):
    out = tmp_path / "caseload"
    caseload.write_caseloads(caseload_table(["Persona 1: A", "Persona 2: B"]), out, "one file per persona")
    caseload.write_caseloads(caseload_table(["Persona 1: A"]), out, "one file per persona")
    assert sorted(p.name for p in out.iterdir()) == ["README_STAFF_ONLY.txt", "persona-1-a.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_too_many_groups_is_an_error_naming_the_grouping(tmp_path):
    with pytest.raises(ValueError, match="has 4 distinct values, more than 3 files"):
        caseload.write_caseloads(caseload_table(["a", "b", "c", "d"]), tmp_path / "c", "Advisor", max_files=3)
    assert not (tmp_path / "c").exists()


def test_file_stems_are_portable():
    assert caseload.file_stem("Persona 3: More online learning, less library time") == \
        "persona-3-more-online-learning-less-library-time"
    assert caseload.file_stem("../../etc") == "etc"
    assert caseload.file_stem("日本") == "group"


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(tmp_path):
    """OWASP's CSV-injection guidance: a text cell starting with =, +, -, @, a tab or a carriage return gets a
    leading single quote, in every text column (ids and advisor values come from the input file)."""
    attacks = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tTAB", "\rCR"]
    table = caseload_table(["Dr Lee"] * len(attacks))
    table = table.set_column(0, "student_id", [attacks]).set_column(2, "caseload_group", [attacks[::-1]])
    out = tmp_path / "caseload"
    caseload.write_caseloads(table, out, "one file per value of Advisor", "Advisor")
    rows = [row for path in sorted(out.glob("*.csv")) for row in read_csv(path)]
    assert sorted(row["student_id"] for row in rows) == sorted("'" + attack for attack in attacks)
    assert all(row["Advisor"].startswith("'") for row in rows)
    assert {row["persona_name"] for row in rows} == {"Further along"}  # ordinary text is untouched
    neutral = caseload.neutralise_formulas(pa.table({"n": pa.array([1, -1]), "t": ["a-b", None]}))
    assert neutral.column("n").to_pylist() == [1, -1] and neutral.column("t").to_pylist() == ["a-b", None]
