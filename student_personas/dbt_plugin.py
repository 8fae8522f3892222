"""dbt-duckdb plugin: prepares every warehouse connection dbt opens (declared in profiles.yml)."""

from dbt.adapters.duckdb.plugins import BasePlugin

from student_personas import sql_functions


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        sql_functions.register(conn)
