"""Shared helpers: run real `dbt build`s into temporary DuckDB files and query them read-only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("PERSONAS_SHARED_DIR", PROJECT_DIR.parent / "shared"))
REAL_CSV = SHARED_DIR / "data" / "student_management_dataset.csv"
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtRun:
    """The outcome of one dbt invocation against its own warehouse file."""

    returncode: int
    output: str
    database: Path

    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()

    def scalar(self, sql: str, params=None):
        return self.query(sql, params)[0][0]

    def frame(self, sql: str):
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).df()


def run_dbt(workdir: Path, command: str = "build", variables: dict | None = None, extra_args=(),
            project_dir: Path = PROJECT_DIR) -> DbtRun:
    """Run dbt in the project with the warehouse, target, logs and reports inside `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "warehouse.duckdb"
    args = [DBT, *command.split(), "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"), *extra_args]
    args += ["--vars", json.dumps({"reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports"),
                                   **(variables or {})})]
    env = {**os.environ, "PERSONAS_DB": str(database), "DBT_PROFILES_DIR": str(project_dir)}
    completed = subprocess.run(args, cwd=project_dir, env=env, capture_output=True, text=True)
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, database)


def copy_project(destination: Path) -> Path:
    """A copy of the project's sources (no venv, build output or warehouse) for tests that edit seeds."""
    ignore = shutil.ignore_patterns(".venv", ".git", "target", "logs", "*.duckdb", "*.wal", "out", "__pycache__")
    shutil.copytree(PROJECT_DIR, destination, ignore=ignore)
    return destination


def require_real_csv() -> Path:
    if not REAL_CSV.exists():
        pytest.fail(f"the reference dataset is missing: {REAL_CSV} (set PERSONAS_SHARED_DIR)")
    return REAL_CSV


@pytest.fixture(scope="session")
def builtin_build(tmp_path_factory) -> DbtRun:
    """One full build on the built-in seed data."""
    run = run_dbt(tmp_path_factory.mktemp("builtin"))
    assert run.returncode == 0, run.output[-4000:]
    return run


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> DbtRun:
    """One full build on the reference dataset through var students_path."""
    run = run_dbt(tmp_path_factory.mktemp("real"), variables={"students_path": str(require_real_csv())})
    assert run.returncode == 0, run.output[-4000:]
    return run


# Persona renamed by the edited build's override seed, and the name it gets.
OVERRIDDEN_PERSONA = (2, "Community-minded newcomers")
# A stability threshold above the bootstrap Jaccard of some built-in personas (0.99-0.999), so the edited
# build marks those unstable.
STRICT_STABILITY_THRESHOLD = 0.995


@pytest.fixture(scope="session")
def edited_build(tmp_path_factory) -> DbtRun:
    """One build of a copy of the project whose seed renames a persona (OVERRIDDEN_PERSONA), run with a strict
    stability threshold so some personas are unstable: it serves the override and the unstable-marker tests."""
    workdir = tmp_path_factory.mktemp("edited")
    project = copy_project(workdir / "project")
    persona_id, name = OVERRIDDEN_PERSONA
    (project / "seeds" / "persona_name_overrides.csv").write_text(
        f"persona_id,persona_name\n{persona_id},{name}\n", encoding="utf-8")
    run = run_dbt(workdir / "wh", project_dir=project, variables={"stability_threshold": STRICT_STABILITY_THRESHOLD})
    assert run.returncode == 0, run.output[-4000:]
    return run


# The generated file with known truth that the structure checks are measured on (student_personas.planted):
# 500 students, one planted two-group split on a single score, noise columns, a three-valued grade level
# and an outcome proxy. Its columns name no column of the built-in data.
PLANTED_VARIABLES = {
    "id_column": "Learner_Ref", "label_column": "Left_Program", "protected_columns": [],
    "categorical_columns": {}, "range_rules": {}, "column_phrases": {}, "peer_profile_columns": [],
    "report_bivariate_pairs": [],
}


@pytest.fixture(scope="session")
def planted_build(tmp_path_factory) -> DbtRun:
    """One full build of the planted two-group file (about 45 s on two idle cores); `planted_groups` holds
    each student's planted group."""
    import pyarrow.csv as pa_csv

    from student_personas import planted

    workdir = tmp_path_factory.mktemp("planted")
    table, groups = planted.two_groups_with_discrete_column()
    path = workdir / "students.csv"
    pa_csv.write_csv(table, path)
    run = run_dbt(workdir / "wh", variables={"students_path": str(path), **PLANTED_VARIABLES})
    assert run.returncode == 0, run.output[-4000:]
    run.planted_groups = dict(zip(table.column("Learner_Ref").to_pylist(), groups.tolist()))
    run.grade_levels = dict(zip(table.column("Learner_Ref").to_pylist(), table.column("Grade_Level").to_pylist()))
    return run
