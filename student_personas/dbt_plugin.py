"""dbt-duckdb plugin (declared in profiles.yml): prepares every warehouse connection dbt opens.

- registers the statistics SQL functions;
- registers the preflight (`student_personas_preflight`, called by the on-run-start hook) with the folder
  for transcoded copies of inputs beside the working warehouse;
- starts a build from the published warehouse when there is no working file yet;
- registers `publish_warehouse()`, which the on-run-end hook calls after a successful build;
- limits BLAS and OpenMP to one thread for the whole dbt process: on a 2-core machine shared with DuckDB
  and the neighbour search's own pool, nested threads oversubscribe the cores. Measured with the machine
  otherwise busy: the 5,000-row rank sweep took 69 s with 2 BLAS threads and 3.9 s with 1; the final NMF
  on 1,000,000 students 17.9 s and 6.0 s; one 1,000-row K-Means with 10 restarts 1.05 s with 2 OpenMP
  threads and 0.04 s with 1.
"""

import json
import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin
from threadpoolctl import threadpool_limits

from student_personas import preflight, publish, settings, sql_functions


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        # Libraries already loaded are limited now; those loaded later (scikit-learn's OpenMP) read these.
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = "1"
        threadpool_limits(limits=1)
        self.published = Path(plugin_config["published_path"])
        self.working = Path(self.creds.path)
        self.working.parent.mkdir(parents=True, exist_ok=True)
        publish.ensure_working_copy(self.working, self.published)

    def configure_connection(self, conn):
        sql_functions.register(conn)
        conn.create_function("student_personas_setting_names", lambda: json.dumps(sorted(settings.SETTINGS)), [],
                             "VARCHAR", side_effects=True)
        conn.create_function("student_personas_preflight", self._preflight, ["VARCHAR"], "VARCHAR", side_effects=True)
        conn.create_function("student_personas_remove_transcoded", _remove_files, ["VARCHAR"], "BOOLEAN",
                             side_effects=True)
        conn.create_function(
            "publish_warehouse", lambda: publish.publish(self.working, self.published), [], "VARCHAR",
            side_effects=True)

    def _preflight(self, request_json: str) -> str:
        request = json.loads(request_json)
        request["project_dir"] = os.getcwd()
        request["workdir"] = str(self.working.with_name(self.working.name + ".inputs"))
        return preflight.prepare_json(json.dumps(request))


def _remove_files(paths_json: str) -> bool:
    """Delete transcoded copies of inputs once they are loaded."""
    for path in json.loads(paths_json):
        Path(path).unlink(missing_ok=True)
    return True
