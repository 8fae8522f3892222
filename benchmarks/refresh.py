"""Benchmark: one full warehouse refresh (`dbt build`: every model, test and report) per cohort size.

For each N the script generates N students with the built-in generator (N = 1,000 uses the built-in seed),
parses the project with that size's vars (untimed: a refresh re-runs a parsed project), runs `dbt build`
into a fresh DuckDB file, and records the wall time, the peak resident memory of the build
(the dbt process runs the Python models in-process, so its peak is the build's peak), per-model times from
dbt's run_results.json, and two quality checks: agreement of the personas with the planted patterns
(adjusted Rand index) and neighbour recall@10 against brute-force cosine search on a seeded sample of
students. The check runs in bounded memory (candidates scored in blocks with a running top-k, only the
sampled students' neighbour lists read), and the harness's own peak memory is reported beside the build's.
Results are printed and written as JSON (default benchmarks/out/refresh.json).

    .venv/bin/python benchmarks/refresh.py                      # 1k, 10k, 100k, 1M
    .venv/bin/python benchmarks/refresh.py --sizes 30000        # one size

Timings are measured on whatever else the machine is doing: the 1-minute load average before each run is
recorded next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import adjusted_rand_score

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).with_name("dbt"))
sys.path.insert(0, str(PROJECT_DIR))
from student_personas import synthetic  # noqa: E402

RECALL_SAMPLE = 1000
RECALL_K = 10
CANDIDATE_BLOCK = 10_000  # candidates scored at once: 1,000 x 10,000 float64 = 80 MB per array
BUILTIN_VARS = yaml.safe_load((PROJECT_DIR / "examples" / "builtin" / "vars.yml").read_text(encoding="utf-8"))


def peak_rss_of(command: list[str], env: dict, cwd: Path) -> tuple[int, float, int, str]:
    """Run `command` in a child process that reports the peak RSS of its own children (the dbt process)."""
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "started = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "elapsed = time.perf_counter() - started\n"
        "print(f'@@ {code} {elapsed} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    )
    completed = subprocess.run([sys.executable, "-c", wrapper, *command], env=env, cwd=cwd,
                               capture_output=True, text=True)
    marker = [line for line in completed.stderr.splitlines() if line.startswith("@@ ")][-1].split()
    return int(marker[1]), float(marker[2]), int(marker[3]) * 1024, completed.stdout + completed.stderr


def model_times(target: Path) -> list[tuple[str, str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    rows = [(r["unique_id"].split(".")[0], r["unique_id"].split(".")[-1], r["execution_time"]) for r in results]
    return sorted(rows, key=lambda row: -row[2])


def exact_top_k(units: np.ndarray, sample: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k most similar other students (cosine, rounded to 12 decimals, ties to the lower row) for each
    sampled row, by brute force over blocks of candidates with a running top-k: memory is sample x block."""
    best_rows = np.full((sample.size, k), -1, dtype=np.int64)
    best_scores = np.full((sample.size, k), -np.inf)
    queries = units[sample]
    for start in range(0, units.shape[0], CANDIDATE_BLOCK):
        block = np.round(queries @ units[start:start + CANDIDATE_BLOCK].T, 12)
        rows = np.arange(start, start + block.shape[1])
        block[sample[:, None] == rows[None, :]] = -np.inf  # never one's own neighbour
        scores = np.concatenate([best_scores, block], axis=1)
        candidates = np.concatenate([best_rows, np.broadcast_to(rows, block.shape)], axis=1)
        # Sort by score descending, then row ascending (the warehouse's tie-break), and keep k.
        order = np.lexsort((candidates, -scores), axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, order, axis=1)
        best_rows = np.take_along_axis(candidates, order, axis=1)
    return best_rows


def quality(database: Path, planted: Path) -> dict:
    """ARI of personas against planted patterns, and neighbour recall@10 against brute force, in bounded memory."""
    with duckdb.connect(str(database), read_only=True) as connection:
        assigned = connection.sql("select student_id, persona_id from persona_assignments").df()
        factors = connection.sql(
            "select * exclude (run_id, term) from student_factors order by student_id, term").df()
        ids = factors.student_id.to_numpy()
        sample = np.sort(np.random.default_rng(7).choice(len(ids), size=min(RECALL_SAMPLE, len(ids)), replace=False))
        connection.execute("create temp table sampled as select unnest(?::varchar[]) as student_id", [ids[sample].tolist()])
        neighbours = connection.sql(
            f"select student_id, neighbour_id from students_like_me semi join sampled using (student_id) "
            f"where neighbour_rank <= {RECALL_K}").df()
    truth = pd.read_csv(planted, dtype={"Student_ID": str})
    merged = assigned.merge(truth, left_on="student_id", right_on="Student_ID")
    ari = adjusted_rand_score(merged.planted_pattern, merged.persona_id)
    columns = sorted((c for c in factors.columns if c.startswith("factor_")), key=lambda c: int(c.split("_")[1]))
    vectors = factors[columns].to_numpy()
    units = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-300)
    exact = exact_top_k(units, sample, RECALL_K)
    found = neighbours.groupby("student_id").neighbour_id.apply(set)
    hits = sum(len(found[ids[row]] & set(ids[exact[i]])) for i, row in enumerate(sample))
    return {"ari_vs_planted": round(float(ari), 4), "neighbour_recall_at_10": round(hits / (sample.size * RECALL_K), 4)}


def run_size(n_students: int, workdir: Path, keep_target: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    variables = {**BUILTIN_VARS, "reports_dir": str(workdir / "reports"), "exports_dir": str(workdir / "exports")}
    if n_students == 1000:
        planted = PROJECT_DIR / "tests" / "fixtures" / "planted_patterns.csv"
        generation = 0.0
    else:
        started = time.perf_counter()
        students, planted = synthetic.write_students(workdir / f"students_{n_students}.csv", n_students)
        generation = time.perf_counter() - started
        variables["students_path"] = str(students)
    database = workdir / "warehouse.duckdb"
    env = {**os.environ, "PERSONAS_DB": str(database), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    # A refresh re-runs a parsed project. dbt parses again from scratch whenever the vars change (they do
    # between sizes), so the project is parsed with this size's vars first, untimed, and the time recorded.
    options = ["--target-path", str(keep_target), "--log-path", str(workdir / "logs"), "--vars", json.dumps(variables)]
    started = time.perf_counter()
    subprocess.run([DBT, "parse", *options], env=env, cwd=PROJECT_DIR, check=True, capture_output=True)
    parse_seconds = time.perf_counter() - started
    command = [DBT, "build", *options]
    load = os.getloadavg()[0]
    code, elapsed, peak, output = peak_rss_of(command, env, PROJECT_DIR)
    if code != 0:
        print(output[-4000:], file=sys.stderr)
        raise SystemExit(f"dbt build failed at N = {n_students:,}")
    times = model_times(keep_target)
    result = {
        "students": n_students,
        "generation_seconds": round(generation, 2),
        "parse_seconds": round(parse_seconds, 1),
        "refresh_seconds": round(elapsed, 1),
        "peak_rss_gib": round(peak / 2**30, 2),
        "load_average_before": round(load, 2),
        "nodes": len(times),
        "slowest": [{"kind": kind, "node": node, "seconds": round(seconds, 2)} for kind, node, seconds in times[:12]],
        "tests_seconds": round(sum(s for kind, _, s in times if kind in ("test", "unit_test")), 1),
        **quality(database, planted),
        "harness_peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30, 2),
    }
    print(f"N = {n_students:>9,}: refresh {elapsed:6.1f} s, peak {result['peak_rss_gib']:5.2f} GiB, "
          f"ARI {result['ari_vs_planted']:.3f}, recall@10 {result['neighbour_recall_at_10']:.4f} "
          f"(load before {load:.1f}; this harness's own peak {result['harness_peak_rss_gib']:.2f} GiB)", flush=True)
    for row in result["slowest"][:6]:
        print(f"      {row['seconds']:6.2f} s  {row['kind']:9} {row['node']}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "refresh.json")
    parser.add_argument("--workdir", type=Path, default=None, help="where warehouses go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true",
                        help="keep each size's warehouse and run_results.json in --workdir (for benchmarks/structure.py)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="personas-bench-"))
    results = []
    try:
        for n in args.sizes:
            target = workdir / (f"target_n{n}" if args.keep else "target")
            results.append(run_size(n, workdir / f"n{n}", target))
            if not args.keep:
                shutil.rmtree(workdir / f"n{n}", ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine_cpus": os.cpu_count(), "results": results}, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
