"""Only a whole, successful build is published, and readers never see a mix of two builds.

One warehouse, with BI-style readers reading it all along: first, a copy of the session's shared build of the
worked example; then builds of one cheap configuration (the worked example with short model sweeps): a
second build stopped (SIGSTOP) after ten seeded gaps, where the test copies the warehouse folder
exactly as a kill at that instant would leave it and checks what is published there and what the next
command makes of it; a third build killed (SIGKILL) at a seeded point of the second's running time; and a
fourth that completes after it. Costs about three builds. The other cases stop
before anything is built, or build a few nodes.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import BUILTIN_VARS, DBT, PROJECT_DIR, copy_published, run_dbt
from student_personas.configuration import WORKED_EXAMPLE
from student_personas import publish

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

QUICK = {"factor_rank_range": [3, 4], "persona_k_range": [4, 5], "stability_resamples": 2, "stability_seed_runs": 2,
         "kmeans_restarts": 2, "export_hyper": False}
STOPS = 6
SEED = 15


def dbt_command(workdir: Path) -> tuple[list[str], dict]:
    variables = {**BUILTIN_VARS, **QUICK, "reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports"),
                 "config_file": str(WORKED_EXAMPLE)}
    args = [DBT, "build", "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
            "--vars", json.dumps(variables)]
    return args, {**os.environ, "PERSONAS_DB": str(workdir / "warehouse.duckdb"), "DBT_PROFILES_DIR": str(PROJECT_DIR)}


def within_reports(path: str) -> Path:
    """A listed page's path inside its reports folder (the staff-only lookup is in a subfolder)."""
    parts = Path(path).parts
    folder = max(index for index, part in enumerate(parts) if part.endswith("reports"))  # reports/ or <stem>_reports/
    return Path(*parts[folder + 1:])


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
    pages_match = all((workdir / "reports" / within_reports(path)).stat().st_size == size for path, size in listed)
    digest = hashlib.sha256()
    for path in sorted((workdir / "exports").rglob("*")) + sorted((workdir / "reports").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(workdir)).encode() + path.read_bytes())
    return {"warehouse": warehouse, "exports": exports, "pages_match": pages_match, "files": digest.hexdigest()}


def start_reader(database: Path, stop: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("reader_loop.py")), str(database), str(stop),
                             *flags], stdout=subprocess.PIPE, text=True)


def as_killed_at_this_instant(workdir: Path, destination: Path) -> Path:
    """A copy of the warehouse folder of a stopped build: what a kill at this instant would leave on disk
    (the journal's paths rewritten to the copy). The working file is copied only when a journal needs it:
    otherwise the next command discards it anyway."""
    journal = publish.journal_path(workdir / "warehouse.duckdb")
    skip = {"target", "logs", "warehouse.duckdb.build.inputs"}
    if not journal.exists():
        skip |= {"warehouse.duckdb.build", "warehouse.duckdb.build.wal"}
    shutil.copytree(workdir, destination, ignore=lambda folder, names: [name for name in names if name in skip])
    copied = publish.journal_path(destination / "warehouse.duckdb")
    if copied.exists():
        copied.write_text(copied.read_text().replace(str(workdir), str(destination)))
    return destination


def test_stopped_and_killed_builds_publish_nothing_and_readers_never_see_a_mix(builtin_build, tmp_path):
    # The first build is the session's shared one, copied: its published warehouse, exports and pages are
    # what the stopped and killed builds must leave in place.
    assert not builtin_build.published.with_name("warehouse.duckdb.build").exists()  # published by a rename
    workdir = copy_published(builtin_build, tmp_path / "wh")
    args, env = dbt_command(workdir)
    # The stopped build's length is not known in advance (it runs the quick settings); the STOPS gaps
    # between stops average 1.2 x a STOPS-th of the shared build's node time, so they span about that build's
    # wall time (its node time plus its parse), whichever settings are quicker.
    run_results = builtin_build.published.parent / "target" / "run_results.json"
    mean_gap = 1.2 * json.loads(run_results.read_text(encoding="utf-8"))["elapsed_time"] / STOPS
    previous = published_state(workdir)
    assert len(previous["warehouse"]) == 1 and previous["exports"] == previous["warehouse"] and previous["pages_match"]

    stop = tmp_path / "stop"
    readers = [start_reader(workdir / "warehouse.duckdb", stop), start_reader(workdir / "warehouse.duckdb", stop, "--hold")]
    # (This process opens the warehouse only to check it, closing every connection each time: a connection it
    # kept open would make DuckDB hand back the old build, as the holding reader shows.)
    try:
        # Second build: stopped after seeded gaps, at most STOPS times (each stop copies the warehouse folder);
        # its own running time (the stops left out) places the kill of the third build.
        gaps = random.Random(SEED)
        build = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, start_new_session=True)
        started, stopped_for, snapshots = time.monotonic(), 0.0, []
        while len(snapshots) < STOPS:
            time.sleep(gaps.uniform(0.5, 1.5) * mean_gap)
            if build.poll() is not None:
                break
            paused = time.monotonic()
            os.killpg(build.pid, signal.SIGSTOP)
            try:
                snapshots.append(as_killed_at_this_instant(workdir, tmp_path / f"killed_{len(snapshots)}"))
            finally:
                os.killpg(build.pid, signal.SIGCONT)
                stopped_for += time.monotonic() - paused
        output = build.communicate()[0]
        duration = time.monotonic() - started - stopped_for
        assert build.returncode == 0, output[-3000:]
        second = published_state(workdir)
        assert second["warehouse"] != previous["warehouse"] and second["exports"] == second["warehouse"]
        assert len(snapshots) >= STOPS // 2, "the build was stopped at least three times"
        for snapshot in snapshots:
            # What a kill leaves published is the previous run, or (killed after its publish) all of this one;
            # the next command completes an interrupted publish and starts from the published warehouse.
            if not publish.journal_path(snapshot / "warehouse.duckdb").exists():  # else stopped amid the renames
                assert published_state(snapshot) in (previous, second), snapshot.name
            publish.start_run(snapshot / "warehouse.duckdb").release()
            assert published_state(snapshot) in (previous, second), snapshot.name
            assert not publish.journal_path(snapshot / "warehouse.duckdb").exists()

        # Third build: killed at a seeded point; the fourth builds on what it left and publishes.
        build = subprocess.Popen(args, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, start_new_session=True)
        time.sleep(random.Random(SEED + 1).uniform(0.3, 0.9) * duration)
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
        output = build.communicate()[0]
        killed = published_state(workdir)
        assert killed == second or ("student-personas: published" in output and killed["exports"] == killed["warehouse"])
        last = subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
        assert last.returncode == 0, last.stdout[-3000:]
        final = published_state(workdir)
        assert final["warehouse"] != killed["warehouse"] and final["exports"] == final["warehouse"] and final["pages_match"]
        assert "student-personas timing:" in last.stdout and "slowest:" in last.stdout
        assert not (workdir / "warehouse.duckdb.build").exists()
    finally:
        stop.touch()
        reports = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]
    closing, holding = reports
    for report in reports:
        assert report["errors"] == []
        assert all(len(snap["run_ids"]) == 1 and snap["consistent_counts"] for snap in report["snapshots"])
    # A reader that closes its connections sees each published build; one that keeps a connection open sees
    # only the build it first opened, until it has closed every connection.
    assert {snap["run_ids"][0] for snap in closing["snapshots"]} >= set(final["warehouse"])
    assert {snap["run_ids"][0] for snap in holding["snapshots"]} == set(previous["warehouse"])
    assert holding["after_closing"]["run_ids"] == sorted(final["warehouse"])


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
    partial = run_dbt(workdir, extra_args=["--select", "persona_summary"])
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
    assert "nothing was built" in run.output and (foreign / "thesis.docx").read_text() == "irreplaceable"
    assert not (tmp_path / "wh" / "warehouse.duckdb").exists()
