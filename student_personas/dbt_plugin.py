"""dbt-duckdb plugin (declared in profiles.yml): prepares every warehouse connection dbt opens.

- registers the statistics SQL functions;
- starts a build from the published warehouse when there is no working file yet;
- registers `publish_warehouse()`, which the on-run-end hook calls after a successful build.
"""

from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

from student_personas import publish, sql_functions


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self.published = Path(plugin_config["published_path"])
        self.working = Path(self.creds.path)
        publish.ensure_working_copy(self.working, self.published)

    def configure_connection(self, conn):
        sql_functions.register(conn)
        conn.create_function(
            "publish_warehouse", lambda: publish.publish(self.working, self.published), [], "VARCHAR",
            side_effects=True)
