"""Benchmark: the advisor's view (explanations, reasons, actions, priorities, caseload files, lookup page) inside
one full `dbt build` per cohort size.

For each N the built-in generator writes N students (N = 1,000 uses the built-in seed); the project is parsed
with that size's vars (untimed), one `dbt build` runs into a fresh DuckDB file, and the script prints, from
dbt's run_results.json, the time of every advising node and of the whole refresh (as a share, since the
machine is shared), the exactness of the explanations (max |Σ parts − gap| over students, recomputed from
student_factors and the centres), and the size of the student lookup page and of the caseload files.

    .venv/bin/python benchmarks/advising.py                      # 1k and 100k
    .venv/bin/python benchmarks/advising.py --sizes 1000000
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
import numpy as np

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))
sys.path.insert(0, str(PROJECT_DIR))
from refresh import DBT, model_times, peak_rss_of  # noqa: E402
from student_personas import synthetic  # noqa: E402

ADVISING_MODELS = ["int_student_standardized_values", "int_feature_phrases", "int_student_explanation_parts",
                   "student_explanations", "student_reasons", "student_actions", "persona_priorities",
                   "student_caseload", "caseload_exports"]
ADVISING_TESTS = ("student_explanations", "student_reasons", "student_actions", "persona_priorities",
                  "student_caseload", "caseload_exports", "int_student_standardized_values",
                  "assert_explanations_sum_to_the_placement_gap")


def exactness(database: Path) -> float:
    """max over students of |Σ parts − (||w − c_next||² − ||w − c_own||²)|, recomputed in numpy."""
    with duckdb.connect(str(database), read_only=True) as connection:
        scores = connection.sql("select * exclude (run_id) from student_factors order by student_id").df()
        centres = connection.sql("select * from int_persona_centroids order by persona_id").df()
        totals = connection.sql("select student_id, any_value(persona_id) p, any_value(next_persona_id) q, "
                                "sum(contribution) t from student_explanations group by student_id "
                                "order by student_id").df()
    columns = [c for c in scores.columns if c.startswith("factor_")]
    w, c = scores[columns].to_numpy(), centres.set_index("persona_id")[columns]
    own, nxt = c.loc[totals.p].to_numpy(), c.loc[totals.q].to_numpy()
    gap = ((w - nxt) ** 2).sum(axis=1) - ((w - own) ** 2).sum(axis=1)
    return float(np.abs(totals.t.to_numpy() - gap).max())


def run_size(n_students: int, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    variables = {"reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports")}
    if n_students != 1000:
        students, _ = synthetic.write_students(workdir / f"students_{n_students}.csv", n_students)
        variables["students_path"] = str(students)
    database = workdir / "warehouse.duckdb"
    target = workdir / "target"
    env = {**os.environ, "PERSONAS_DB": str(database), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    options = ["--target-path", str(target), "--log-path", str(workdir / "logs"), "--vars", json.dumps(variables)]
    subprocess.run([DBT, "parse", *options], env=env, cwd=PROJECT_DIR, check=True, capture_output=True)
    load = os.getloadavg()[0]
    code, elapsed, peak, output = peak_rss_of([DBT, "build", *options], env, PROJECT_DIR)
    if code != 0:
        print(output[-4000:], file=sys.stderr)
        raise SystemExit(f"dbt build failed at N = {n_students:,}")
    times = {(kind, node): seconds for kind, node, seconds in model_times(target)}
    models = {node: round(times[("model", node)], 2) for node in ADVISING_MODELS}
    tests = sum(s for (kind, node), s in times.items() if kind in ("test", "unit_test")
                and any(name in node for name in ADVISING_TESTS))
    page = workdir / "reports" / "students.html"
    caseload = workdir / "exports" / "staff" / "caseload"
    result = {
        "students": n_students,
        "refresh_seconds": round(elapsed, 1),
        "peak_rss_gib": round(peak / 2**30, 2),
        "load_average_before": round(load, 2),
        "advising_models_seconds": round(sum(models.values()), 2),
        "advising_tests_seconds": round(tests, 2),
        "advising_share_of_refresh": round((sum(models.values()) + tests) / elapsed, 3),
        "factor_scores_seconds": round(times[("model", "int_student_factor_scores")], 2),
        "report_pages_seconds": round(times[("model", "report_pages")], 2),
        "models": models,
        "max_abs_parts_minus_gap": exactness(database),
        "lookup_page_mib": round(page.stat().st_size / 2**20, 2),
        "caseload_files": len(list(caseload.glob("*.csv"))),
        "caseload_mib": round(sum(p.stat().st_size for p in caseload.glob("*.csv")) / 2**20, 2),
    }
    print(f"N = {n_students:>9,}: refresh {elapsed:6.1f} s (load {load:.1f}); advising models "
          f"{result['advising_models_seconds']:.1f} s + tests {tests:.1f} s = "
          f"{100 * result['advising_share_of_refresh']:.1f}% of it; max |parts - gap| "
          f"{result['max_abs_parts_minus_gap']:.1e}; lookup page {result['lookup_page_mib']} MiB", flush=True)
    for node, seconds in sorted(models.items(), key=lambda item: -item[1]):
        print(f"      {seconds:6.2f} s  {node}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "advising.json")
    parser.add_argument("--keep", type=Path, default=None, help="keep the warehouses and pages in this folder")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="personas-advising-"))
    results = []
    try:
        for n in args.sizes:
            started = time.perf_counter()
            results.append(run_size(n, workdir / f"n{n}"))
            if args.keep is None:
                shutil.rmtree(workdir / f"n{n}", ignore_errors=True)
            print(f"      ({time.perf_counter() - started:.0f} s with data generation)")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine_cpus": os.cpu_count(), "results": results}, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
