"""A BI-style reader of the published warehouse, until told to stop (a stop file appears).

    reader_loop.py WAREHOUSE STOP_FILE            every snapshot on a new connection, closed afterwards
    reader_loop.py WAREHOUSE STOP_FILE --hold     one connection kept open the whole time (like a BI tool
                                                  that never disconnects), new connections beside it

Prints JSON: every error, and per snapshot the run ids it saw (one build per snapshot means one run id).
In --hold mode DuckDB hands every new connection in this process the instance it already has open, so the
reader keeps seeing the build it first opened; after the stop file appears it closes every connection and
takes one more snapshot ("after_closing"), which sees the current build.
"""

import json
import sys
import time
from pathlib import Path

import duckdb

MARTS = ["persona_assignments", "persona_summary", "student_factors", "factors", "persona_profiles",
         "fairness_association", "data_quality_summary", "fairness_composition_published"]


def snapshot(database: str) -> dict:
    with duckdb.connect(database, read_only=True) as connection:
        run_ids = set()
        for table in MARTS:
            run_ids |= {row[0] for row in connection.sql(f"select distinct run_id from {table}").fetchall()}
        scored = connection.sql("select count(*) from student_factors").fetchall()[0][0]
        assigned = connection.sql("select count(*) from persona_assignments").fetchall()[0][0]
    return {"run_ids": sorted(run_ids), "consistent_counts": scored == assigned}


def main(database: str, stop_file: str, hold: bool) -> None:
    snapshots, errors = [], []
    held = duckdb.connect(database, read_only=True) if hold else None
    while not Path(stop_file).exists():
        try:
            snapshots.append(snapshot(database))
        except Exception as error:  # every failure is a finding: report it, keep reading
            errors.append(repr(error))
        time.sleep(0.05)
    report = {"snapshots": snapshots, "errors": errors}
    if held is not None:
        held.close()
        report["after_closing"] = snapshot(database)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--hold" in sys.argv[3:])
