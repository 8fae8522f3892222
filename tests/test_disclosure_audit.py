"""The disclosure audit on real builds: the published exports and pages, as a reader gets them, let no one
read or work out a count from 1 to 9 by label or protected group (student_personas.disclosure_audit)."""

import re
from pathlib import Path

import duckdb
import pytest

from student_personas.disclosure_audit import audit, page_findings

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

PUBLISHED_TABLES = ["persona_summary", "persona_outcome_context", "fairness_composition", "fairness_flag_parity",
                    "context_tier_counts", "label_signal_audit", "data_quality_summary", "fairness_association"]
RAW_TABLES = ["persona_outcome_context", "fairness_composition", "fairness_flag_parity", "context_tier_counts",
              "data_quality_summary", "int_column_roles"]
BUILDS = ["builtin_build", "real_build", "small_cell_build", "bad_gpa_build"]


def exported(run) -> dict:
    """The published exports as a reader gets them: the Parquet files of exports/published."""
    folder = run.exports_dir / "published" / "parquet"
    return {name: duckdb.sql(f"select * from '{folder / name}.parquet'").to_arrow_table() for name in PUBLISHED_TABLES}


def warehouse_tables(run) -> dict:
    with duckdb.connect(str(run.database), read_only=True) as connection:
        return {name: connection.sql(f"select * from {name}").to_arrow_table() for name in RAW_TABLES}


def small_groups(run) -> list[tuple[str, int]]:
    """Protected groups of 1 to 9 students (the "(not recorded)" group included), with their size."""
    return run.query("select distinct group_value, group_total from fairness_composition where group_total between 1 and 9")


@pytest.mark.parametrize("build", BUILDS)
def test_the_published_exports_pass_the_disclosure_audit(build, request):
    run = request.getfixturevalue(build)
    assert audit(exported(run), warehouse_tables(run), 10) == []
    assert run.scalar("select count(*) from disclosure_audit") == 0  # the build's own audit (dbt test) agrees
    assert "PASS assert_published_outputs_pass_the_disclosure_audit" in run.output


@pytest.mark.parametrize("build", BUILDS)
def test_no_page_prints_a_small_group_count_next_to_its_name(build, request):
    run = request.getfixturevalue(build)
    pages = {path.name: path.read_text(encoding="utf-8") for path in run.reports_dir.glob("*.html")}
    assert len(pages) >= 4
    assert page_findings(pages, small_groups(run)) == []


def test_the_small_cell_cohort_is_a_hard_case(small_cell_build):
    """The audit passing must mean something: this cohort has a 5-positive label, groups of 1, 3, 4, 7 students
    and 2 missing ethnicities, so many counts are small and many more had to be withheld with them."""
    assert small_cell_build.scalar("select sum(positives) from persona_outcome_context where scope = 'persona'") == 5
    assert {("Exchange", 1), ("Evening", 3), ("Nonbinary", 4), ("Apprentice", 7), ("(not recorded)", 2)} <= set(
        small_groups(small_cell_build))
    withheld = dict(small_cell_build.query("select suppression, count(*) from cell_suppression group by all"))
    assert withheld["primary"] >= 50 and withheld["secondary"] >= withheld["primary"]
    quality = small_cell_build.frame("select * from data_quality_summary_published where check_name = 'missing_values' "
                                     "and column_name = 'Ethnicity'")
    assert quality["count"].tolist() == ["suppressed"]
    page = (small_cell_build.reports_dir / "data_quality.html").read_text(encoding="utf-8")
    assert "withheld by the small-cell rule: Apprentice, Evening, Exchange" in page
    # The missing-values table: Ethnicity's 2 missing cells are its "(not recorded)" group, withheld.
    row = next(row for row in re.findall(r"<tr\b.*?</tr>", page, re.S) if ">Ethnicity<" in row and "protected" in row)
    assert "suppressed" in row and not re.search(r">\s*2\s*<", row)


def test_a_few_rejected_rows_build_and_publish_and_the_data_quality_page_withholds_what_it_must(
        bad_gpa_build, small_cell_build):
    """Rejected rows relate to no protected group in what is published: a protected column's missing values are
    counted in the fitted cohort (its "(not recorded)" group), and rows rejected by a check of the label (or a
    protected column) are a small count by label, withheld; the rejected-row total itself is published."""
    for run, rejected in ((bad_gpa_build, 3), (small_cell_build, 3)):
        assert run.scalar("select count(*) from student_rejects") == rejected
        assert "student-personas: published" in run.output
        published = {(check, column): count for check, column, count in run.query(
            "select check_name, column_name, count from data_quality_summary_published")}
        assert published[("rejected_rows", None)] == str(rejected)
        cohort = run.scalar("select count(*) from persona_assignments")
        for (column,) in run.query("select column_name from int_column_roles where role = 'protected'"):
            group = run.scalar("select max(group_total) from fairness_composition where protected_attribute = ? "
                               "and group_value = '(not recorded)'", [column]) or 0
            shown = published[("missing_values", column)]
            assert shown == (str(group) if group == 0 or group >= 10 else "suppressed"), column
        assert run.scalar("select max(denominator) from data_quality_summary_published where check_name = "
                          "'missing_values' and column_name = 'Gender'") == cohort
    empty = small_cell_build.query("select count, denominator from data_quality_summary_published "
                                   "where check_name = 'empty_rows'")
    assert empty == [("1", 1004)]  # counted and skipped: 1,000 students, 3 rejected rows, 1 empty row
    label_rejects = small_cell_build.query("select count, is_suppressed from data_quality_summary_published "
                                           "where check_name = 'rejected_by_check' and column_name = 'Dropout_Risk'")
    assert label_rejects == [("suppressed", True)]
    gpa_rejects = small_cell_build.scalar("select count from data_quality_summary_published where check_name = "
                                          "'rejected_by_check' and column_name = 'GPA'")
    assert gpa_rejects == "2"  # not by label or protected group: published as it is


def test_a_scoring_batch_of_three_students_scores_and_publishes(small_cell_build, tmp_path):
    from conftest import copy_published, run_dbt
    from student_personas.cli import SCORING_SELECTION

    workdir = copy_published(small_cell_build, tmp_path / "scored")
    batch = tmp_path / "three.csv"
    with open(small_cell_build.published.parent.parent / "small_cells.csv", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    batch.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    run = run_dbt(workdir, extra_args=SCORING_SELECTION, variables={
        "score_students_path": str(batch), "score_term_label": "three",
        "protected_columns": ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level",
                              "Disability_Status", "Pathway"]})
    assert run.returncode == 0, run.output[-3000:]
    assert "student-personas: published" in run.output
    assert run.scalar("select count(*) from scored_students where term = 'three'") == 3


def published_files(run) -> list[Path]:
    """Every file a wide audience may get: the published exports (Parquet, the .hyper extract) and the pages
    outside the staff-only folder."""
    exports = [path for path in (run.exports_dir / "published").rglob("*") if path.is_file()]
    pages = [path for path in run.reports_dir.rglob("*.html") if "staff_only_student_level" not in path.parts]
    return exports + pages


def test_names_e_mails_and_notes_are_never_features_and_appear_in_nothing_published(small_cell_build):
    from conftest import identifying_values

    roles = dict(small_cell_build.query("select column_name, role from int_column_roles "
                                        "where column_name in ('Student_Name', 'Email', 'Notes')"))
    assert roles == {"Student_Name": "identifier", "Email": "identifier", "Notes": "free_text"}
    assert small_cell_build.scalar("select count(*) from feature_encoding where source_column in "
                                   "('Student_Name', 'Email', 'Notes')") == 0
    files = published_files(small_cell_build)
    assert any(path.suffix == ".hyper" for path in files) and any(path.name == "personas.html" for path in files)
    contents = b"\n".join(path.read_bytes() for path in files)
    # the published views too, as an analyst outside the staff reads them
    views = [name for (name,) in small_cell_build.query(
        "select table_name from information_schema.tables where table_name like '%\\_published' escape '\\'")]
    assert len(views) >= 7
    contents += "\n".join(str(small_cell_build.query(f"select * from {view}")) for view in views).encode()
    tokens = [value.split()[0] if column != "Email" else value for column, values in
              identifying_values(1003).items() for value in values]
    found = [token for token in tokens if token.encode() in contents]
    assert found == [], found[:5]
    assert small_cell_build.scalar("select count(*) from data_quality_summary where check_name = 'ignored_column' "
                                   "and column_name in ('Student_Name', 'Email', 'Notes')") == 3


def test_the_audit_catches_what_the_previous_rules_published(small_cell_build):
    """Against the same cohort, each way a small count used to leak is found: a total row printed as a
    number (the "All students" positives), a rate beside a withheld count, and a withheld cell whose row of
    the composition leaves it pinned."""
    tables = exported(small_cell_build)
    raw = warehouse_tables(small_cell_build)
    outcome = tables["persona_outcome_context"].to_pylist()
    overall = next(row for row in outcome if row["scope"] == "all students")
    overall["positives"] = "5"
    assert {finding.kind for finding in audit({**tables, "persona_outcome_context": outcome}, raw, 10)} >= {
        "published_small_count"}
    composition = tables["fairness_composition"].to_pylist()
    withheld = next(row for row in composition if row["n_students"] == "suppressed")
    withheld["share_of_persona"] = 0.01
    assert "derived_value" in {finding.kind for finding in audit({**tables, "fairness_composition": composition}, raw, 10)}
    composition = tables["fairness_composition"].to_pylist()
    truth = {(row["protected_attribute"], row["group_value"], row["persona_id"]): row["n_students"]
             for row in raw["fairness_composition"].to_pylist()}
    # Publish every withheld cell of one persona's row but one small cell: the persona size gives it back.
    target = next(row for row in composition if row["n_students"] == "suppressed"
                  and 0 < truth[(row["protected_attribute"], row["group_value"], row["persona_id"])] < 10)
    for row in composition:
        if (row["protected_attribute"], row["persona_id"]) == (target["protected_attribute"], target["persona_id"]) \
                and row is not target:
            row["n_students"] = str(truth[(row["protected_attribute"], row["group_value"], row["persona_id"])])
    findings = audit({**tables, "fairness_composition": composition}, raw, 10)
    assert any(finding.kind in ("narrowed", "published_small_count") for finding in findings)
    pinned = f"composition/{target['protected_attribute']}/{target['group_value']}/{target['persona_id']}"
    assert pinned in {finding.cell for finding in findings if finding.kind == "narrowed"}


def test_student_level_exports_sit_apart_and_carry_nothing_derived_from_the_label(small_cell_build):
    exports = small_cell_build.exports_dir
    assert not list(exports.rglob("student_context_indicator*"))
    staff = exports / "staff_only_student_level" / "parquet"
    for path in staff.glob("*.parquet"):
        columns = duckdb.sql(f"select * from '{path}' limit 0").columns
        assert not {"persona_rate", "neighbour_positives", "context_score", "tier", "neighbour_rate",
                    "neighbour_rate_smoothed"} & set(columns), path
    for path in (exports / "published" / "parquet").glob("*.parquet"):
        assert "student_id" not in duckdb.sql(f"select * from '{path}' limit 0").columns, Path(path).name
