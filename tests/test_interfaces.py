"""The interfaces analysts and BI tools rely on: enforced contracts, docs, exposures and exports."""

import json
import tempfile

import duckdb
import pandas as pd
import pytest

from conftest import PROJECT_DIR, copy_published, run_dbt

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

# One column per factor (and, for the flat table, per input feature): no fixed contract.
DYNAMIC_MARTS = {"student_factors", "student_factor_vectors", "student_personas_flat"}
RAW_SMALL_CELL_TABLES = {
    "persona_outcome_context", "fairness_composition", "fairness_flag_parity", "context_tier_counts"}


@pytest.fixture(scope="module")
def manifest(builtin_build):
    target = builtin_build.target_dir
    return json.loads((target / "manifest.json").read_text())


def marts(manifest):
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")}


def test_every_mart_has_an_enforced_contract_that_matches_the_warehouse(manifest, builtin_build):
    found = marts(manifest)
    assert len(found) >= 20
    for name, node in found.items():
        if name in DYNAMIC_MARTS:
            assert not node["config"]["contract"]["enforced"], name
            continue
        assert node["config"]["contract"]["enforced"], name
        declared = {column: spec["data_type"].upper() for column, spec in node["columns"].items()}
        actual = {column: data_type.upper() for column, data_type in builtin_build.query(
            "select column_name, data_type from information_schema.columns where table_name = ?", [name])}
        assert declared == actual, name
        assert "run_id" in declared, name


def test_declared_not_null_constraints_are_enforced_by_the_warehouse(manifest, builtin_build, tmp_path):
    """Columns declared `constraints: [{type: not_null}]` (instead of a not_null data test) are NOT NULL
    columns of their tables, so a null is refused when the table is written."""
    declared = {(node["name"], column) for node in manifest["nodes"].values() if node["resource_type"] == "model"
                for column, spec in node["columns"].items()
                if any(constraint["type"] == "not_null" for constraint in spec.get("constraints", []))}
    assert len(declared) >= 50
    nullable = {(table, column): flag for table, column, flag in builtin_build.query(
        "select table_name, column_name, is_nullable from information_schema.columns")}
    assert {key: nullable.get(key) for key in declared} == {key: "NO" for key in declared}
    copy = copy_published(builtin_build, tmp_path / "wh") / "warehouse.duckdb"
    with duckdb.connect(str(copy)) as connection:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL constraint failed: feature_encoding.source_column"):
            connection.execute("insert into feature_encoding by name select 9999 as feature_index, 'x' as feature, "
                               "null as source_column, any_value(run_id) as run_id from feature_encoding")


def test_every_model_and_column_is_described(manifest):
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        assert node["description"].strip(), node["name"]
        for column, spec in node["columns"].items():
            assert spec["description"].strip(), (node["name"], column)


def test_exposures_describe_the_reports_and_the_bi_workbook(manifest):
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) == {"persona_reports", "bi_workbook"}
    assert "model.student_personas.report_pages" in exposures["persona_reports"]["depends_on"]["nodes"]
    assert "model.student_personas.bi_exports" in exposures["bi_workbook"]["depends_on"]["nodes"]


def test_exports_hold_aggregates_in_published_and_student_rows_in_a_staff_folder(builtin_build):
    exports = builtin_build.exports_dir
    published_files = {path.stem: path for path in (exports / "published" / "parquet").glob("*.parquet")}
    staff_files = {path.stem: path for path in (exports / "staff_only_student_level" / "parquet").glob("*.parquet")}
    assert {"persona_summary", "fairness_composition", "fairness_flag_parity", "persona_outcome_context",
            "context_tier_counts", "data_quality_summary", "fairness_association"} <= set(published_files)
    assert set(staff_files) == {"persona_assignments", "student_factors", "students_like_me", "peer_profiles",
                                "student_personas_flat"}
    assert "STAFF ONLY" in (exports / "staff_only_student_level" / "README.txt").read_text().upper().replace("-", " ")
    manifest = builtin_build.frame("select * from bi_exports").set_index("path")
    for audience, files in [("published", published_files), ("staff_only_student_level", staff_files)]:
        for name, path in files.items():
            assert manifest.loc[str(path), "rows"] == duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]
            assert manifest.loc[str(path), "audience"] == audience
    # Published: the small-cell tables only as their published views, and no student rows.
    for name in [*RAW_SMALL_CELL_TABLES, "data_quality_summary", "fairness_association"]:
        exported = duckdb.sql(f"select * from '{published_files[name]}'").df()
        assert list(exported.columns) == list(builtin_build.frame(f"select * from {name}_published").columns)
    for path in published_files.values():
        assert "student_id" not in duckdb.sql(f"select * from '{path}' limit 0").columns, path
    # Staff: no column derived from the label (it would give the withheld counts back), no context indicator.
    indicator_columns = set(builtin_build.frame("select * from student_context_indicator limit 0").columns)
    for path in staff_files.values():
        columns = set(duckdb.sql(f"select * from '{path}' limit 0").columns)
        assert not columns & (indicator_columns - {"student_id", "term", "persona_id", "run_id"}), path
    assert duckdb.sql(f"select typeof(top_features) from '{published_files['factors']}' limit 1").fetchall()[0][0] == "VARCHAR"

    from tableauhyperapi import Connection, HyperProcess, TableName, Telemetry
    with tempfile.TemporaryDirectory() as logs, HyperProcess(
            telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": logs}) as hyper:
        with Connection(hyper.endpoint, str(exports / "published" / "student_personas.hyper")) as connection:
            assert {name.name.unescaped for name in connection.catalog.get_table_names("Extract")} == set(published_files)
            assert connection.catalog.get_table_definition(TableName("Extract", "persona_summary")).column_count == len(
                builtin_build.query("describe persona_summary"))
        with Connection(hyper.endpoint, str(exports / "staff_only_student_level" / "student_personas_staff_only.hyper")) as connection:
            assert {name.name.unescaped for name in connection.catalog.get_table_names("Extract")} == set(staff_files)
            assert connection.execute_scalar_query('select count(*) from "Extract"."persona_assignments"') == 1000
    assert not list(exports.rglob("*.log"))


def test_the_flat_student_table_has_features_and_factors_but_no_label_or_protected_attribute(builtin_build):
    flat = builtin_build.frame("select * from student_personas_flat")
    roles = dict(builtin_build.query("select column_name, role from stg_column_roles"))
    factors = [column for column in builtin_build.frame("select * from student_factors limit 0").columns
               if column.startswith("factor_")]
    features = [column for column, role in roles.items() if role == "feature"]
    assert list(flat.columns) == ["student_id", "term", "persona_id", "persona_name", "persona_display_name",
                                  "distance_to_centroid", "margin_to_next", *factors, *features, "run_id"]
    assert not {column for column, role in roles.items() if role in ("label", "protected")} & set(flat.columns)
    assert len(flat) == flat.student_id.nunique() == builtin_build.scalar("select count(*) from persona_assignments")
    joined = builtin_build.frame("select f.student_id from student_personas_flat f join persona_assignments a "
                                 "using (student_id) where f.persona_id = a.persona_id and f.factor_1 = "
                                 "(select factor_1 from student_factors s where s.student_id = f.student_id)")
    assert len(joined) == len(flat)
    exports = builtin_build.frame("select export_name, audience, rows from bi_exports").set_index("export_name")
    exports = exports[exports.index != "all"]
    assert exports.loc["student_personas_flat"].tolist() == ["staff_only_student_level", len(flat)]
    assert exports.loc["persona_assignments", "audience"] == "staff_only_student_level"
    assert (exports.loc[["feature_correlations", "feature_distributions", "persona_summary"], "audience"]
            == "published").all()
    staff = builtin_build.exports_dir / "staff_only_student_level" / "parquet"
    exported = duckdb.sql(f"select * from '{staff / 'student_personas_flat.parquet'}'").df()
    assert list(exported.columns) == list(flat.columns) and len(exported) == len(flat)
