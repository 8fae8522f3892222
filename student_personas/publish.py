"""Safe refresh: every run builds a fresh working copy, and only a whole, successful run is published.

DuckDB allows one read-write process or many read-only ones, never both. Analysts keep BI tools open on
the published warehouse read-only, so dbt never writes the file they read:

1. **Start** (:func:`start_run`, when dbt first opens the warehouse): take the warehouse's lock (one dbt
   command per warehouse at a time), finish a publish that an earlier run had fully prepared but was
   stopped in the middle of (the journal), then make the working file `<warehouse>.build` a fresh copy of
   the published warehouse (or an empty one). State a failed or stopped run left behind is never built on,
   so it can never be published later.
2. **Build**: every model writes the working file; the export and report models write into staging
   folders beside their final folders (:func:`staging_folder`).
3. **Approve** (on-run-end, :func:`approve`): only when no node failed and the run is whole (every node
   selected, or a scoring run; see macros/publish_warehouse.sql): check that the published file is not held
   by a writer and that the output folders may be replaced, checkpoint the working file.
4. **Publish** (:func:`finish`, once dbt has closed the working file): write a journal, rename the
   working file over the published one (atomic), swap each staging folder in for its final folder (atomic
   where the system can exchange two folders), remove the journal. No `.build` copy is left. A run
   stopped during these renames (milliseconds) is completed by the next dbt command, from the journal.

A reader that already has the warehouse open keeps reading the file it opened (its inode stays intact until
it closes); what a reader must do to see a refresh is in the README ("Connect Tableau / DBeaver").

After a failed run, `<warehouse>.build` keeps that run's tables for inspection (open it read-only); the
staging folders are removed; the published warehouse, exports and pages are untouched.
"""

from __future__ import annotations

import ctypes
import errno
import ctypes.util
import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Written into every folder this product writes, so it never replaces a folder it did not create.
MARKER = ".student-personas-output"
MARKER_TEXT = ("Written by student-personas (dbt build). This folder is replaced as a whole by every "
               "successful build: keep no other files here.\n")


class PublishError(RuntimeError):
    pass


def working_path(published: Path) -> Path:
    return published.with_name(published.name + ".build")


def lock_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.lock")


def journal_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.publishing")


def staging_folder(final: Path) -> Path:
    """Where a run writes a folder before it is published: beside the final folder (same file system, so
    publishing is a rename)."""
    final = Path(final)
    return final.with_name(f".{final.name}.next")


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def check_output_folder(final: Path) -> None:
    """A folder this product may replace: absent, empty, or holding its marker file."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise PublishError(f"output folder {final} is a file, not a folder; choose another path "
                           f"(vars exports_dir / reports_dir)")
    if final.is_dir() and any(final.iterdir()) and not (final / MARKER).exists():
        raise PublishError(
            f"output folder {final} is not empty and was not created by student-personas (no {MARKER} file in "
            f"it), so a build will not replace it. Choose an empty or new folder (vars exports_dir / reports_dir), "
            f"or empty it first.")


def prepare_output_folder(final: Path) -> Path:
    """An empty staging folder (with the marker) for this run's version of ``final``."""
    check_output_folder(final)
    staging = staging_folder(final)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return staging


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return result == 0


def _swap_in(staging: Path, final: Path) -> None:
    """Put ``staging`` in place of ``final`` and delete the old ``final``."""
    if not staging.exists():
        return  # already swapped (a journal being completed)
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.replace(staging, final)
    elif _exchange(staging, final):
        shutil.rmtree(staging)  # the old folder, now under the staging name
    else:
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old)
    _fsync_directory(final.parent.resolve())


def _complete(journal: Path) -> list[str]:
    """Carry out (or finish) the renames a journal lists; every step can be repeated."""
    steps = json.loads(journal.read_text(encoding="utf-8"))
    working, published = Path(steps["working"]), Path(steps["published"])
    if working.exists():
        stale_log = published.with_name(published.name + ".wal")
        if stale_log.exists():
            stale_log.unlink()  # a write-ahead log belongs to the old file; never replay it on the new one
        os.replace(working, published)
        _fsync_directory(published.parent.resolve())
    for staging, final in steps["folders"]:
        _swap_in(Path(staging), Path(final))
    journal.unlink()
    return [str(published), *[final for _, final in steps["folders"]]]


@dataclass
class Run:
    """One dbt command's hold on a warehouse: the lock, and what it may publish."""

    published: Path
    working: Path
    lock: int | None = None
    folders: list[tuple[Path, Path]] = field(default_factory=list)
    approved: bool = False
    recovered: list[str] = field(default_factory=list)

    def release(self) -> None:
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None


def start_run(published: Path) -> Run:
    """Lock the warehouse, complete an interrupted publish, and start a fresh working copy."""
    published = Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    run = Run(published, working_path(published))
    descriptor = os.open(lock_path(published), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise PublishError(
            f"another dbt command is using the warehouse {published} (it holds {lock_path(published).name}); "
            f"wait for it to finish, or set PERSONAS_DB to build another warehouse") from None
    run.lock = descriptor
    try:
        journal = journal_path(published)
        if journal.exists():
            run.recovered = _complete(journal)
        for stale in (run.working, run.working.with_name(run.working.name + ".wal")):
            stale.unlink(missing_ok=True)
        if published.exists():
            shutil.copyfile(published, run.working)
    except OSError as error:
        run.working.unlink(missing_ok=True)
        run.release()
        raise PublishError(storage_problem(published, error)) from error
    return run


def storage_problem(published: Path, error: OSError) -> str:
    """What an operating-system error while preparing a build means for the user."""
    if error.errno == errno.ENOSPC:
        return (f"the disk holding {published.parent} is full: a build needs free space for a working copy of the "
                f"warehouse and its new tables (about three times the size of {published.name}); free some space "
                "and run again. Nothing was changed")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write beside the warehouse in {published.parent} ({error.strerror}); nothing was changed"
    return f"cannot prepare the working copy of {published} ({error}); nothing was changed"


def _published_is_free(published: Path) -> None:
    if not published.exists():
        return
    try:
        duckdb.connect(str(published), read_only=True).close()
    except duckdb.Error as error:
        raise PublishError(
            f"the published warehouse {published} is open read-write by another process, so it cannot be "
            f"replaced safely (DuckDB allows one writer or many readers). Open it read-only in BI tools. "
            f"({error})") from error


def approve(run: Run, finals: list[Path]) -> str:
    """Check that the run can be published and record what it publishes: the working file and the staging
    folder of each final folder that this run wrote."""
    _published_is_free(run.published)
    run.folders = []
    for final in finals:
        final = Path(final)
        if staging_folder(final).exists():
            check_output_folder(final)
            run.folders.append((staging_folder(final), final))
    run.approved = True
    written = ", ".join(str(final) for _, final in run.folders) or "no exports or pages (not built by this run)"
    return f"publishing to {run.published} and {written}"


def abandon(run: Run, finals: list[Path]) -> None:
    """A run that is not published: remove its staging folders (its working file stays for inspection)."""
    run.approved = False
    for final in finals:
        shutil.rmtree(staging_folder(Path(final)), ignore_errors=True)


def finish(run: Run) -> str:
    """Publish an approved run once dbt has closed the working file: journal, renames, done."""
    if not run.approved:
        return ""
    if not run.working.exists():
        raise PublishError(f"nothing to publish: the working warehouse {run.working} does not exist")
    if run.working.with_name(run.working.name + ".wal").exists():
        raise PublishError(f"the working warehouse {run.working} still has a write-ahead log; not published")
    with open(run.working, "rb+") as handle:
        os.fsync(handle.fileno())
    journal = journal_path(run.published)
    journal.write_text(json.dumps({"working": str(run.working), "published": str(run.published),
                                   "folders": [[str(staging), str(final)] for staging, final in run.folders]}),
                       encoding="utf-8")
    with open(journal, "rb+") as handle:
        os.fsync(handle.fileno())
    published = _complete(journal)
    run.approved = False
    inputs = run.working.with_name(run.working.name + ".inputs")  # the preflight's (emptied) transcoding folder
    if inputs.is_dir() and not any(inputs.iterdir()):
        inputs.rmdir()
    return "published " + ", ".join(published)
