"""A BI-style reader: opens the published warehouse read-only again and again until told to stop, and
reports every error and the set of run ids each snapshot saw (one build per snapshot means one run id)."""

import json
import sys
import time
from pathlib import Path

import duckdb

MARTS = ["stg_students", "persona_assignments", "persona_summary", "student_factors", "factors",
         "persona_profiles", "fairness_association", "data_quality_summary"]


def snapshot(database: str) -> dict:
    with duckdb.connect(database, read_only=True) as connection:
        run_ids = set()
        for table in MARTS:
            if table == "stg_students":
                continue
            run_ids |= {row[0] for row in connection.sql(f"select distinct run_id from {table}").fetchall()}
        students = connection.sql("select count(*) from stg_students").fetchall()[0][0]
        assigned = connection.sql("select count(*) from persona_assignments").fetchall()[0][0]
    return {"run_ids": sorted(run_ids), "consistent_counts": students == assigned}


def main(database: str, stop_file: str) -> None:
    snapshots, errors = [], []
    while not Path(stop_file).exists():
        try:
            snapshots.append(snapshot(database))
        except Exception as error:  # every failure is a finding: report it, keep reading
            errors.append(repr(error))
        time.sleep(0.05)
    print(json.dumps({"snapshots": snapshots, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
