"""Safe refresh: dbt builds into a working file, and a finished build is published atomically.

DuckDB allows one read-write process or many read-only ones, never both. Analysts keep BI tools open on
the warehouse read-only, so dbt never writes the file they read: it builds `<warehouse>.build`, and when
the build succeeds the working file is checkpointed, copied next to the published file, verified, and
renamed over it in one atomic step. A reader that already has the warehouse open keeps reading the
version it opened (the old file stays intact until it closes); the next connection sees the new build.
Readers never see a half-built warehouse or a mix of two builds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


class PublishError(RuntimeError):
    pass


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def ensure_working_copy(working: Path, published: Path) -> None:
    """Start a build from the published warehouse when there is no working file yet, so state that
    outlives a build (the stored persona model) carries over."""
    if not working.exists() and published.exists():
        working.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(published, working)


def publish(working: Path, published: Path) -> str:
    """Replace `published` with a verified copy of the (checkpointed) `working` file, atomically."""
    working, published = Path(working), Path(published)
    if not working.exists():
        raise PublishError(f"nothing to publish: the working warehouse {working} does not exist")
    if working.resolve() == published.resolve():
        raise PublishError("the working and the published warehouse are the same file")
    if published.exists():
        try:
            duckdb.connect(str(published), read_only=True).close()
        except duckdb.Error as error:
            raise PublishError(
                f"the published warehouse {published} is open read-write by another process, so it cannot be "
                f"replaced safely (DuckDB allows one writer or many readers). Open it read-only in BI tools. "
                f"The new build is kept in {working}. ({error})") from error
    stale_log = published.with_name(published.name + ".wal")
    if stale_log.exists():
        stale_log.unlink()  # a write-ahead log belongs to the old file; it must not be replayed on the new one
    staging = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    try:
        shutil.copyfile(working, staging)
        with open(staging, "rb+") as handle:
            os.fsync(handle.fileno())
        with duckdb.connect(str(staging), read_only=True) as connection:
            tables = connection.sql("select count(*) from duckdb_tables()").fetchall()[0][0]
        os.replace(staging, published)
        _fsync_directory(published.parent.resolve())
    finally:
        if staging.exists():
            staging.unlink()
    return f"published {tables} tables to {published}"
