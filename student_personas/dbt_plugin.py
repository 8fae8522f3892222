"""dbt-duckdb plugin (declared in profiles.yml): prepares every warehouse connection dbt opens.

- registers the statistics SQL functions;
- registers the preflight (`student_personas_preflight`, called by the on-run-start hook) with the folder
  for transcoded copies of inputs beside the working warehouse;
- runs the safe refresh of student_personas.publish: before dbt first opens the warehouse in a command,
  the warehouse's lock and a fresh working copy of the published warehouse; the functions the hooks call
  to approve a whole, successful run
  (`student_personas_approve`) or drop a failed one's staged outputs (`student_personas_abandon`); and,
  once dbt has closed the working file after its run, the publish itself (on dbt's FinishedRunningStats
  event, so it happens in the same command, in a terminal and under dbtRunner alike);
- limits BLAS and OpenMP to one thread for the whole dbt process: on a 2-core machine shared with DuckDB
  and the neighbour search's own pool, nested threads oversubscribe the cores. Measured with the machine
  otherwise busy: the 5,000-row rank sweep took 69 s with 2 BLAS threads and 3.9 s with 1; the final NMF
  on 1,000,000 students 17.9 s and 6.0 s; one 1,000-row K-Means with 10 restarts 1.05 s with 2 OpenMP
  threads and 0.04 s with 1.
"""

import json
import os
from pathlib import Path

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager_client import add_callback_to_manager
from dbt_common.events.functions import fire_event
from dbt_common.events.types import Note
from dbt_common.invocation import get_invocation_id
from threadpoolctl import threadpool_limits

from student_personas import preflight, publish, sql_functions


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        # Libraries already loaded are limited now; those loaded later (scikit-learn's OpenMP) read these.
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = "1"
        threadpool_limits(limits=1)
        self.published = Path(plugin_config["published_path"])
        self.working = Path(self.creds.path)
        if self.working != publish.working_path(self.published):
            raise publish.PublishError(f"profiles.yml: the working warehouse must be {publish.working_path(self.published)}")
        self.run: publish.Run | None = None
        self.invocation = None
        self.failure = None  # (invocation, error) of a command whose working copy could not be prepared
        add_callback_to_manager(self._on_event)

    def update_connection_config(self, creds, config):
        # Called before dbt opens the warehouse file: the first time in a command, start a fresh run.
        if self.failure is not None and self.failure[0] == get_invocation_id():
            raise self.failure[1]  # the same reason for every connection of this command, not a lock clash
        if self.invocation != get_invocation_id():
            if self.run is not None:
                self.run.release()
            try:
                self.run = publish.start_run(self.published)
            except publish.PublishError as error:
                self.failure = (get_invocation_id(), error)
                raise
            self.invocation = get_invocation_id()
            for path in self.run.recovered:
                _note(f"student-personas: completed the publish an interrupted run had prepared: {path}")

    def configure_connection(self, conn):
        sql_functions.register(conn)
        conn.create_function("student_personas_preflight", self._preflight, ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("student_personas_remove_transcoded", _remove_files, ["VARCHAR"], "BOOLEAN",
                             side_effects=True)
        conn.create_function("student_personas_approve", lambda folders: publish.approve(self.run, _paths(folders)),
                             ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("student_personas_abandon", lambda folders: _abandon(self.run, folders), ["VARCHAR"],
                             "VARCHAR", side_effects=True)

    def _preflight(self, request_json: str) -> str:
        request = json.loads(request_json)
        # The project dbt runs (--project-dir, else the folder dbt was started in): the vars file and
        # relative input paths are read from there.
        request["project_dir"] = str(Path(request.get("project_dir") or os.getcwd()).resolve())
        request["workdir"] = str(self.working.with_name(self.working.name + ".inputs"))
        request["published_path"] = str(self.published.resolve())
        return preflight.prepare_json(json.dumps(request))

    def _on_event(self, message) -> None:
        """After a run (dbt has cleaned up its connections): close the working file and publish an approved
        run; a failure raises, so the command fails."""
        if message.info.name != "FinishedRunningStats" or self.run is None:
            return
        run, self.run, self.invocation = self.run, None, None
        try:
            _close_working_file(self.working, verify=run.approved)
            published = publish.finish(run)
            if published:
                _note(f"student-personas: {published}")
        finally:
            run.release()


def _paths(folders_json: str) -> list[Path]:
    return [Path(folder) for folder in json.loads(folders_json)]


def _abandon(run, folders_json: str) -> str:
    publish.abandon(run, _paths(folders_json))
    return "abandoned"


def _close_working_file(working: Path, verify: bool) -> None:
    """Close dbt-duckdb's database on the working file; it must be closed before the file is renamed (an
    open read-write file keeps its lock, and readers of the renamed file would wait for it)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    if not verify:
        return
    try:
        # In this process, DuckDB would hand back the open database instead of opening the file again, and
        # refuse because the configuration differs: so this only succeeds when the file is closed.
        duckdb.connect(str(working), read_only=True).close()
    except duckdb.Error as error:
        raise publish.PublishError(f"the working warehouse {working} is still open; not published ({error})") from error


def _note(message: str) -> None:
    fire_event(Note(msg=message), level=EventLevel.INFO)


def _remove_files(paths_json: str) -> bool:
    """Delete transcoded copies of inputs once they are loaded."""
    for path in json.loads(paths_json):
        Path(path).unlink(missing_ok=True)
    return True
