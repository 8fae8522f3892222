"""Only a whole, successful build is published, and readers never see a mix of two builds.

One cheap configuration (the worked example with short model sweeps) is built in one warehouse: a first
build, ten builds killed at seeded points spread over a build (with BI-style readers reading all along),
then a build that completes. The other cases stop before anything is built, or build a few nodes.
"""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import BUILTIN_VARS, DBT, PROJECT_DIR, run_dbt
from student_personas import publish

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

QUICK = {"factor_rank_range": [3, 4], "persona_k_range": [4, 5], "stability_resamples": 2, "stability_seed_runs": 2,
         "kmeans_restarts": 2, "export_hyper": False}
KILLS = 10
SEED = 15


def dbt_command(workdir: Path) -> tuple[list[str], dict]:
    variables = {**BUILTIN_VARS, **QUICK, "reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports")}
    args = [DBT, "build", "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
            "--vars", json.dumps(variables)]
    return args, {**os.environ, "PERSONAS_DB": str(workdir / "warehouse.duckdb"), "DBT_PROFILES_DIR": str(PROJECT_DIR)}


def published_state(workdir: Path) -> dict:
    """The run ids in the published warehouse and in the published exports, whether the pages on disk are the
    ones the warehouse's report_pages lists (same sizes), and a digest of every exported file and page."""
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as connection:
        warehouse = {row[0] for table in ("persona_summary", "persona_assignments", "fairness_composition_published")
                     for row in connection.sql(f"select distinct run_id from {table}").fetchall()}
        listed = connection.sql("select path, bytes from report_pages").fetchall()
    exports = {row[0] for row in duckdb.sql(
        f"select distinct run_id from '{workdir / 'exports' / 'published' / 'parquet' / 'persona_summary.parquet'}'"
    ).fetchall()}
    pages_match = all(Path(path).stat().st_size == size for path, size in listed)
    digest = hashlib.sha256()
    for path in sorted((workdir / "exports").rglob("*")) + sorted((workdir / "reports").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(workdir)).encode() + path.read_bytes())
    return {"warehouse": warehouse, "exports": exports, "pages_match": pages_match, "files": digest.hexdigest()}


def start_reader(database: Path, stop: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("reader_loop.py")), str(database), str(stop),
                             *flags], stdout=subprocess.PIPE, text=True)


def test_killed_builds_publish_nothing_and_readers_never_see_a_mix(tmp_path):
    workdir = tmp_path / "wh"
    args, env = dbt_command(workdir)
    started = time.monotonic()
    first = subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stdout[-3000:]
    assert not (workdir / "warehouse.duckdb.build").exists()  # published by a rename: no copy left
    state = published_state(workdir)
    assert len(state["warehouse"]) == 1 and state["exports"] == state["warehouse"] and state["pages_match"]

    stop = tmp_path / "stop"
    readers = [start_reader(workdir / "warehouse.duckdb", stop), start_reader(workdir / "warehouse.duckdb", stop, "--hold")]
    held_open = duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True)  # a BI tool left open all along
    kill_points = sorted(random.Random(SEED).uniform(0.02, 1.0) * duration for _ in range(KILLS))
    try:
        for kill_at in kill_points:
            build = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
            time.sleep(kill_at)
            if build.poll() is None:
                os.killpg(build.pid, signal.SIGKILL)
            output = build.communicate()[0]
            # A kill during the final renames is completed by the next command (its journal); a kill after them
            # leaves that build published. Either way every published output comes from one run.
            if publish.journal_path(workdir / "warehouse.duckdb").exists():
                publish.start_run(workdir / "warehouse.duckdb").release()
            now = published_state(workdir)
            assert now["warehouse"] == now["exports"] and len(now["warehouse"]) == 1 and now["pages_match"], (
                kill_at, output[-2000:])
            if "student-personas: published" not in output:
                assert now == state, (kill_at, output[-2000:])
            state = now
        assert held_open.sql("select count(*) from persona_assignments").fetchall()[0][0] == 1000
        last = subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert last.returncode == 0, last.stdout[-3000:]
        final = published_state(workdir)
        assert final["warehouse"] != state["warehouse"] and final["exports"] == final["warehouse"] and final["pages_match"]
        assert "student-personas timing:" in last.stdout and "slowest:" in last.stdout
    finally:
        held_open.close()
        stop.touch()
        reports = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]
    closing, holding = reports
    for report in reports:
        assert report["errors"] == []
        assert all(len(snap["run_ids"]) == 1 and snap["consistent_counts"] for snap in report["snapshots"])
    # A reader that closes its connections sees each published build; one that keeps a connection open sees
    # only the build it first opened, until it has closed every connection.
    assert {snap["run_ids"][0] for snap in closing["snapshots"]} >= {next(iter(final["warehouse"]))}
    assert {snap["run_ids"][0] for snap in holding["snapshots"]} == {snap["run_ids"][0] for snap in holding["snapshots"][:1]}
    assert holding["after_closing"]["run_ids"] == sorted(final["warehouse"])


def copy_published(run, workdir: Path) -> Path:
    """A warehouse folder holding a copy of ``run``'s published warehouse, exports and pages."""
    workdir.mkdir(parents=True)
    for name in ("warehouse.duckdb", "exports", "reports"):
        subprocess.run(["cp", "-a", str(run.published.parent / name), str(workdir / name)], check=True)
    return workdir


def test_a_failed_build_changes_nothing_and_keeps_its_tables_for_inspection(builtin_build, tmp_path):
    workdir = copy_published(builtin_build, tmp_path / "wh")
    before = published_state(workdir)
    bad = run_dbt(workdir, variables={"students_path": str(tmp_path / "no-such-file.csv")})
    assert bad.returncode != 0
    assert published_state(workdir) == before
    # The failed run's working file is a fresh copy of the published warehouse, never a later run's base.
    assert bad.database == workdir / "warehouse.duckdb.build"


def test_a_partial_build_publishes_nothing(builtin_build, tmp_path):
    workdir = copy_published(builtin_build, tmp_path / "wh")
    before = published_state(workdir)
    partial = run_dbt(workdir, variables={"persona_k_range": [2, 3]},
                      extra_args=["--select", "int_persona_k_selection+", "--exclude", "report_pages bi_exports"])
    assert partial.returncode == 0, partial.output[-3000:]
    assert "did not build every node" in partial.output and "nothing is published" in partial.output
    assert published_state(workdir) == before
    # Its tables are in the working file, beside the published warehouse's others: a mix nobody reads.
    assert partial.database == workdir / "warehouse.duckdb.build"
    assert partial.scalar("select count(distinct run_id) from persona_summary") == 1
    assert partial.scalar("select any_value(run_id) from persona_summary") != next(iter(before["warehouse"]))


def test_outputs_never_replace_a_folder_this_product_did_not_create(tmp_path):
    foreign = tmp_path / "my_documents"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("irreplaceable")
    run = run_dbt(tmp_path / "wh", variables={"reports_dir": str(foreign)})
    assert run.returncode != 0
    assert f"output folder {foreign} is not empty and was not created by student-personas" in run.output
    assert "Nothing was built" in run.output and (foreign / "thesis.docx").read_text() == "irreplaceable"
    assert not (tmp_path / "wh" / "warehouse.duckdb").exists()
