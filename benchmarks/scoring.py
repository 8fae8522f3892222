"""Benchmark: scoring new students with the stored persona model (no refit).

Fits the warehouse on N generated students, then scores M new students (another seed) with
`dbt build --select tag:scoring`, and prints the scoring time, its peak memory, and whether the fitted
cohort's persona_assignments stayed identical.

    .venv/bin/python benchmarks/scoring.py --fit 100000 --score 10000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh import DBT, PROJECT_DIR, peak_rss_of  # noqa: E402

from student_personas import synthetic  # noqa: E402


def assignments_fingerprint(database: Path) -> tuple:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(
            "select count(*), bit_xor(hash(student_id, persona_id, distance_to_centroid, run_id)) "
            "from persona_assignments").fetchall()[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", type=int, default=100_000)
    parser.add_argument("--score", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "scoring.json")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="personas-scoring-"))
    try:
        fitted, _ = synthetic.write_students(workdir / "fitted.csv", args.fit)
        new_students = workdir / "new.csv"
        table, _ = synthetic.generate_students(args.score, seed=synthetic.DEFAULT_SEED + 1)
        pa_csv.write_csv(table, new_students, pa_csv.WriteOptions(quoting_style="none"))
        database = workdir / "warehouse.duckdb"
        env = {**os.environ, "PERSONAS_DB": str(database), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
        common = ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
        paths = {"reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports")}
        code, fit_seconds, _, output = peak_rss_of(
            [DBT, "build", *common, "--vars", json.dumps({"students_path": str(fitted), **paths})], env, PROJECT_DIR)
        if code != 0:
            raise SystemExit(f"fit failed:\n{output[-3000:]}")
        before = assignments_fingerprint(database)
        code, score_seconds, score_peak, output = peak_rss_of(
            [DBT, "build", "--select", "tag:scoring", *common,
             "--vars", json.dumps({"score_students_path": str(new_students), **paths})], env, PROJECT_DIR)
        if code != 0:
            raise SystemExit(f"scoring failed:\n{output[-3000:]}")
        after = assignments_fingerprint(database)
        with duckdb.connect(str(database), read_only=True) as connection:
            scored = connection.sql("select count(*) from scored_students").fetchall()[0][0]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {"fitted_students": args.fit, "fit_seconds": round(fit_seconds, 1), "scored_students": scored,
              "scoring_seconds": round(score_seconds, 1), "scoring_peak_gib": round(score_peak / 2**30, 2),
              "existing_assignments_unchanged": before == after, "load_average": round(os.getloadavg()[0], 2)}
    print(f"fit {args.fit:,} students in {result['fit_seconds']} s; scored {scored:,} new students in "
          f"{result['scoring_seconds']} s (peak {result['scoring_peak_gib']} GiB); existing assignments "
          f"unchanged: {result['existing_assignments_unchanged']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
