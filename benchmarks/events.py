"""Benchmark: an event log to per-student event features, through dbt.

For each case (default: 10 million events as CSV and as Parquet, and 100 million as Parquet, all for
100,000 students; and the 100 million again with DuckDB's memory limited to 2 GB) the script generates the log with the built-in generator (cached in benchmarks/out/data,
untimed), writes a small student file with the 100,000 ids and one score, parses the project with the
case's vars (untimed, recorded), and runs `dbt build --select +tag:events` into a fresh DuckDB file: the
preflight (which reads the log's header and time column), the student staging the event models read, every
event model (stg_events, a view, read twice: once by the log summary, once by the features) and every data
test on them. It records the wall time
and the peak resident memory of the dbt process (DuckDB runs inside it), per-node times from
run_results.json, and, in the same run, a plain DuckDB scan of the same file (every column, with the
options the source uses) in its own process as the yardstick: the ratio of the two times says what the
features cost beyond reading the file once. The 1-minute load average before each run is recorded with it.

    .venv/bin/python benchmarks/events.py                        # all cases
    .venv/bin/python benchmarks/events.py --cases 10M-csv        # one case

Figures are written to benchmarks/out/events.json and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401 (pa.compute)
import pyarrow.csv as pa_csv

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
sys.path.insert(0, str(PROJECT_DIR))
from student_personas import synthetic  # noqa: E402

STUDENTS = 100_000
# Mean events per student and term that give about 10^7 / 10^8 events (half a percent of students have none).
CASES = {
    "10M-csv": (100.5, ".csv", None),
    "10M-parquet": (100.5, ".parquet", None),
    "100M-parquet": (1005, ".parquet", None),
    # The same build with DuckDB's memory limited to 2 GB: the aggregation spills instead of growing.
    "100M-parquet-2GB": (1005, ".parquet", "2GB"),
}
EVENT_COLUMNS = {"student_id": "Student_ID", "time": "occurred_at", "activity": "activity", "amount": "clicks"}

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "elapsed = time.perf_counter() - started\n"
    "print(f'@@ {code} {elapsed} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
)


def measured(command: list[str], env: dict | None = None, cwd: Path = PROJECT_DIR) -> tuple[int, float, int, str]:
    """Run `command` as the child of a small wrapper that reports the child's wall time and peak RSS."""
    completed = subprocess.run([sys.executable, "-c", MEASURE, *command], env=env, cwd=cwd,
                               capture_output=True, text=True)
    marker = [line for line in completed.stderr.splitlines() if line.startswith("@@ ")][-1].split()
    return int(marker[1]), float(marker[2]), int(marker[3]) * 1024, completed.stdout + completed.stderr


def event_log(case: str, data_dir: Path) -> tuple[Path, int]:
    events_per_student, suffix, _ = CASES[case]
    path = data_dir / f"events_{STUDENTS}_{events_per_student:g}{suffix}"
    count_file = path.with_suffix(path.suffix + ".count")
    if not path.exists() or not count_file.exists():
        started = time.perf_counter()
        written = synthetic.write_events(path, STUDENTS, events_per_student=events_per_student)
        count_file.write_text(str(written["event_count"]))
        print(f"generated {written['event_count']:,} events in {time.perf_counter() - started:.0f} s: {path}",
              flush=True)
    return path, int(count_file.read_text())


def plain_scan(path: Path) -> tuple[float, int]:
    """Wall time and peak RSS of DuckDB reading every column of the file once, in its own process."""
    literal = "'" + str(path).replace("'", "''") + "'"
    relation = (f"read_parquet({literal})" if path.suffix == ".parquet"
                else f"read_csv({literal}, all_varchar = true, header = true, comment = '', auto_detect = true)")
    # hash() of every value: min/max would be answered from Parquet statistics without reading the data
    query = f"select count(*), sum(hash(Student_ID, occurred_at, activity, clicks)) from {relation}"
    code, elapsed, rss, output = measured(
        [sys.executable, "-c", f"import duckdb; duckdb.sql({query!r}).fetchall()"])
    assert code == 0, output
    return elapsed, rss


def run_case(case: str, data_dir: Path) -> dict:
    path, events = event_log(case, data_dir)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-events-{case}-"))
    try:
        database = workdir / "warehouse.duckdb"
        students = workdir / "students.csv"
        ids = pa.array(range(1, STUDENTS + 1), pa.int64())
        pa_csv.write_csv(pa.table({"Student_ID": ids, "Quiz_Score": pa.compute.add(pa.compute.bit_wise_and(ids, 63), 20)}),
                         students)
        variables = {"students_path": str(students), "id_column": "Student_ID",
                     "events_path": str(path), "event_columns": EVENT_COLUMNS, "event_windows": {"early_weeks": 4},
                     "reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports")}
        profiles_dir = PROJECT_DIR
        memory_limit = CASES[case][2]
        if memory_limit:
            # The project's profile with one DuckDB setting added (the project's files are not changed).
            profiles_dir = workdir / "profile"
            profiles_dir.mkdir()
            profile = (PROJECT_DIR / "profiles.yml").read_text()
            profile = profile.replace("        disabled_optimizers: in_clause\n",
                                      f"        disabled_optimizers: in_clause\n        memory_limit: '{memory_limit}'\n")
            assert "memory_limit" in profile
            (profiles_dir / "profiles.yml").write_text(profile)
        env = {**os.environ, "PERSONAS_DB": str(database), "DBT_PROFILES_DIR": str(profiles_dir)}
        common = ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
                  "--vars", json.dumps(variables)]
        started = time.perf_counter()
        parsed = subprocess.run([DBT, "parse", *common], env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
        assert parsed.returncode == 0, parsed.stdout[-3000:]
        parse_seconds = time.perf_counter() - started

        load = os.getloadavg()[0]
        scan_seconds, scan_rss = plain_scan(path)
        code, seconds, rss, output = measured(
            [DBT, "build", "--select", "+tag:events", "--indirect-selection", "cautious", *common], env=env)
        if code != 0:
            raise SystemExit(f"dbt build failed for {case}:\n{output[-4000:]}")
        results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
        nodes = sorted(((r["unique_id"].split(".")[-1], round(r["execution_time"], 2)) for r in results),
                       key=lambda node: -node[1])
        # A partial build publishes nothing: its tables are in the working copy.
        working = database.with_name(database.name + ".build")
        with duckdb.connect(str(working if working.exists() else database), read_only=True) as connection:
            used, rejected = connection.sql("select events_used, events_rejected from int_event_accounting").fetchall()[0]
            students, student_days = connection.sql(
                "select count(*), sum(event_active_days) from int_student_event_features").fetchall()[0]
            features = connection.sql("select count(*) from int_event_feature_catalog").fetchall()[0][0]
        return {
            "case": case, "events": events, "file_gib": round(path.stat().st_size / 2**30, 2),
            "students_with_events": students, "student_days": int(student_days), "features": features,
            "duckdb_memory_limit": memory_limit, "events_used": used, "events_rejected": rejected,
            "build_seconds": round(seconds, 1), "build_peak_rss_gib": round(rss / 2**30, 2),
            "scan_seconds": round(scan_seconds, 1), "scan_peak_rss_gib": round(scan_rss / 2**30, 2),
            "build_to_scan_time": round(seconds / scan_seconds, 1), "parse_seconds_untimed": round(parse_seconds, 1),
            "load_before": round(load, 2), "slowest_nodes": nodes[:6],
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--data-dir", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "data")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "events.json")
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for case in args.cases:
        row = run_case(case, args.data_dir)
        rows.append(row)
        print(json.dumps(row), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    print(f"\n{'case':<18}{'events':>13}{'student-days':>14}{'build s':>9}{'peak GiB':>10}{'scan s':>8}"
          f"{'ratio':>7}{'load':>6}")
    for row in rows:
        print(f"{row['case']:<18}{row['events']:>13,}{row['student_days']:>14,}{row['build_seconds']:>9}"
              f"{row['build_peak_rss_gib']:>10}{row['scan_seconds']:>8}{row['build_to_scan_time']:>7}{row['load_before']:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
