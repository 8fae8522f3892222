"""A reader holding the published warehouse open read-only never blocks a build, never errors, and never
sees a mix of two builds."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt
from student_personas import publish

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast


def test_reader_in_a_loop_during_three_refreshes(tmp_path):
    workdir = tmp_path / "wh"
    first = run_dbt(workdir)
    assert first.returncode == 0, first.output[-3000:]
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, str(Path(__file__).with_name("reader_loop.py")),
                               str(first.database), str(stop)], stdout=subprocess.PIPE, text=True)
    held_open = duckdb.connect(str(first.database), read_only=True)  # like a BI tool left open all along
    before = held_open.sql("select distinct run_id from persona_summary").fetchall()
    try:
        for _ in range(3):
            refresh = run_dbt(workdir)
            assert refresh.returncode == 0, refresh.output[-3000:]
            assert "published" in refresh.output
        # The connection opened before the refreshes still reads its own, complete build.
        assert held_open.sql("select distinct run_id from persona_summary").fetchall() == before
        assert held_open.sql("select count(*) from persona_assignments").fetchall()[0][0] == 1000
    finally:
        held_open.close()
        stop.touch()
        output, _ = reader.communicate(timeout=120)
    report = json.loads(output)
    assert report["errors"] == []
    assert len(report["snapshots"]) >= 10
    assert all(len(snap["run_ids"]) == 1 and snap["consistent_counts"] for snap in report["snapshots"])
    assert len({snap["run_ids"][0] for snap in report["snapshots"]}) >= 2  # it saw refreshes land


def test_a_failed_build_leaves_the_published_warehouse_unchanged(tmp_path):
    workdir = tmp_path / "wh"
    good = run_dbt(workdir)
    assert good.returncode == 0, good.output[-3000:]
    run_id = good.scalar("select any_value(run_id) from persona_summary")
    bad = run_dbt(workdir, variables={"students_path": str(tmp_path / "no-such-file.csv")})
    assert bad.returncode != 0
    assert "the published warehouse is unchanged" in bad.output
    assert good.scalar("select any_value(run_id) from persona_summary") == run_id


def test_publish_refuses_when_a_writer_holds_the_published_file(tmp_path):
    working, published = tmp_path / "w.duckdb.build", tmp_path / "w.duckdb"
    duckdb.connect(str(working)).close()
    duckdb.connect(str(published)).close()
    writer = duckdb.connect(str(published))
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import sys; from student_personas import publish; "
             "publish.publish(sys.argv[1], sys.argv[2])", str(working), str(published)],
            capture_output=True, text=True)
    finally:
        writer.close()
    assert probe.returncode != 0 and "is open read-write by another process" in probe.stderr
    assert publish.publish(working, published).startswith("published")


def test_publish_rejects_nonsense_paths(tmp_path):
    with pytest.raises(publish.PublishError, match="does not exist"):
        publish.publish(tmp_path / "missing", tmp_path / "out.duckdb")
    duckdb.connect(str(tmp_path / "same.duckdb")).close()
    with pytest.raises(publish.PublishError, match="same file"):
        publish.publish(tmp_path / "same.duckdb", tmp_path / "same.duckdb")
