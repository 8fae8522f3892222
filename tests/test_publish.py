"""The safe refresh's file operations (student_personas.publish), on small DuckDB files: no dbt build."""

import json
import subprocess
import sys

import duckdb
import pytest

from student_personas import publish


def warehouse(path, value):
    with duckdb.connect(str(path)) as connection:
        connection.execute("create or replace table t as select ? as v", [value])
    return path


def value(path):
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql("select v from t").fetchall()[0][0]


def test_every_run_starts_from_a_fresh_copy_of_the_published_warehouse(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "published")
    warehouse(publish.working_path(published), "left by a failed run")
    run = publish.start_run(published)
    try:
        assert value(run.working) == "published"
    finally:
        run.release()
    empty = publish.start_run(tmp_path / "new.duckdb")  # no published warehouse yet: DuckDB starts an empty one
    assert not empty.working.exists()
    empty.release()


def test_one_command_per_warehouse_at_a_time(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "published")
    run = publish.start_run(published)
    try:
        probe = subprocess.run([sys.executable, "-c", "import sys; from student_personas import publish; "
                                "publish.start_run(sys.argv[1])", str(published)], capture_output=True, text=True)
        assert probe.returncode != 0 and "another dbt command is using the warehouse" in probe.stderr
    finally:
        run.release()
    publish.start_run(published).release()


def test_an_approved_run_replaces_the_warehouse_and_its_folders_by_renames(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "old")
    exports = tmp_path / "w_exports"
    exports.mkdir()
    (exports / publish.MARKER).write_text("x")
    (exports / "old.parquet").write_text("old")
    run = publish.start_run(published)
    warehouse(run.working, "new")
    staging = publish.prepare_output_folder(exports)
    (staging / "new.parquet").write_text("new")
    assert "publishing to" in publish.approve(run, [exports, tmp_path / "w_reports"])
    assert publish.finish(run).startswith("published")
    run.release()
    assert value(published) == "new" and not run.working.exists()
    assert sorted(path.name for path in exports.iterdir()) == [publish.MARKER, "new.parquet"]
    assert not publish.staging_folder(exports).exists() and not (tmp_path / "w_reports").exists()


def test_a_run_that_is_not_approved_publishes_nothing_and_drops_its_staged_folders(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "old")
    run = publish.start_run(published)
    warehouse(run.working, "half built")
    staging = publish.prepare_output_folder(tmp_path / "w_reports")
    publish.abandon(run, [tmp_path / "w_reports"])
    assert publish.finish(run) == ""
    run.release()
    assert value(published) == "old" and value(run.working) == "half built" and not staging.exists()


def test_a_publish_stopped_midway_is_completed_by_the_next_command(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "old")
    reports = tmp_path / "w_reports"
    working = warehouse(publish.working_path(published), "new")
    staging = publish.prepare_output_folder(reports)
    (staging / "index.html").write_text("new page")
    publish.journal_path(published).write_text(json.dumps(
        {"working": str(working), "published": str(published), "folders": [[str(staging), str(reports)]]}))
    run = publish.start_run(published)  # a stop right after the journal was written
    run.release()
    assert run.recovered and value(published) == "new" and (reports / "index.html").read_text() == "new page"
    assert not publish.journal_path(published).exists()


def test_folders_this_product_did_not_create_are_never_replaced(tmp_path):
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(publish.PublishError, match="not created by student-personas"):
        publish.prepare_output_folder(foreign)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(publish.PublishError, match="is a file"):
        publish.check_output_folder(tmp_path / "a_file")
    publish.check_output_folder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    publish.check_output_folder(tmp_path / "empty")


def test_publish_refuses_while_a_writer_holds_the_published_file(tmp_path):
    published = warehouse(tmp_path / "w.duckdb", "old")
    run = publish.start_run(published)
    writer = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(30)", str(published)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(publish.PublishError, match="is open read-write by another process"):
            publish.approve(run, [])
    finally:
        writer.kill()
        writer.wait()
        run.release()


def test_a_full_disk_is_named_as_such_and_releases_the_lock(tmp_path, monkeypatch):
    import errno as errnos

    published = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(published)).close()

    def full(*_):
        raise OSError(errnos.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish.shutil, "copyfile", full)
    with pytest.raises(publish.PublishError, match=r"the disk holding .* is full: a build needs free space"):
        publish.start_run(published)
    monkeypatch.undo()
    publish.start_run(published).release()  # the lock was released: no "another dbt command" afterwards
