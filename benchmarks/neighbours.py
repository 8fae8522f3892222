"""Benchmark of the exact cosine neighbour search (`student_personas.neighbours.nearest_by_cosine`).

For each cohort size N the script generates synthetic students, encodes them like the warehouse (min-max
scaled numbers and weighted one-hot categories, as in `feature_encoding`) and factors them with NMF
(rank 5, init 'nndsvda', fitted on all rows). Then, for each k, the neighbour search runs in a fresh
subprocess so that its peak resident memory is its own, and its result is checked against brute-force
exact search (blockwise matrix products) on a seeded random sample of query rows: recall@k, the share of
sampled rows whose neighbour list is identical (rows and order), and the largest similarity difference.
The brute-force time on the sample, scaled to all N rows, estimates what an exact blockwise search of
the whole cohort would take.

    .venv/bin/python benchmarks/neighbours.py                      # N = 10k, 100k, 1M; k = 10, 50
    .venv/bin/python benchmarks/neighbours.py --sizes 100000 --rank 12

Prints a table and writes benchmarks/out/neighbours.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.decomposition import NMF

from student_personas import synthetic
from student_personas.neighbours import SIMILARITY_DECIMALS, nearest_by_cosine

BENCHMARK_SEED = 20261122
BRUTE_FORCE_BLOCK_BYTES = 2**27  # similarity block of the brute-force check: 128 MB


def encode_like_warehouse(n_students: int, seed: int) -> np.ndarray:
    """Synthetic students as the warehouse's model input: every numeric column min-max scaled to [0, 1],
    and Past_Academic_Performance one-hot encoded with the weight that gives the block the variance of
    the median numeric feature, min(1, sqrt(median numeric variance / block variance))."""
    table, _ = synthetic.generate_students(n_students, seed)
    numbers = np.column_stack([table.column(spec.name).to_numpy().astype(np.float64)
                               for spec in synthetic.NUMERIC_COLUMNS])
    low, high = numbers.min(axis=0), numbers.max(axis=0)
    scaled = (numbers - low) / np.where(high > low, high - low, 1.0)
    levels = table.column("Past_Academic_Performance").to_numpy(zero_copy_only=False)
    one_hot = np.column_stack([levels == level for level in synthetic.PAST_PERFORMANCE_LEVELS]).astype(float)
    shares = one_hot.mean(axis=0)
    weight = min(1.0, np.sqrt(np.median(scaled.var(axis=0)) / (shares * (1 - shares)).sum()))
    return np.hstack([scaled, weight * one_hot])


def factor_scores(n_students: int, rank: int, seed: int) -> tuple[np.ndarray, dict]:
    """NMF factor scores (n x rank) of `n_students` encoded students, with the time each stage took."""
    started = time.perf_counter()
    features = encode_like_warehouse(n_students, seed)
    encoded = time.perf_counter()
    model = NMF(n_components=rank, init="nndsvda", max_iter=400, random_state=seed)
    scores = model.fit_transform(features)
    return scores, {
        "generate_and_encode_seconds": round(encoded - started, 2),
        "nmf_seconds": round(time.perf_counter() - encoded, 2),
        "nmf_iterations": int(model.n_iter_),
        "zero_rows": int((scores == 0).all(axis=1).sum()),
    }


def brute_force_neighbours(vectors: np.ndarray, query_rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact neighbours of `query_rows` from blocks of the query x all-rows cosine matrix, with the
    definition of `nearest_by_cosine`: rounded similarities, zero rows at 0, ties to the lower row."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    units = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    block = max(1, BRUTE_FORCE_BLOCK_BYTES // (8 * len(vectors)))
    rows, similarities = [], []
    for start in range(0, query_rows.size, block):
        queries = query_rows[start:start + block]
        cosines = np.round(units[queries] @ units.T, SIMILARITY_DECIMALS)
        cosines[np.arange(queries.size), queries] = -np.inf
        kth_best = -np.partition(-cosines, k - 1, axis=1)[:, k - 1]
        query, candidate = np.nonzero(cosines >= kth_best[:, None])  # every row that ties the k-th, too
        candidate_similarity = cosines[query, candidate]
        ranked = np.lexsort((candidate, -candidate_similarity, query))
        query, candidate, candidate_similarity = query[ranked], candidate[ranked], candidate_similarity[ranked]
        first_k = np.arange(query.size) - np.searchsorted(query, query) < k
        rows.append(candidate[first_k].reshape(-1, k))
        similarities.append(candidate_similarity[first_k].reshape(-1, k))
    return np.vstack(rows), np.vstack(similarities)


def resident_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux): 'VmRSS' is the resident memory now,
    'VmHWM' its peak since the process started. Unlike getrusage's ru_maxrss, VmHWM does not carry over
    the parent's size from before the subprocess was started."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} is not in /proc/self/status")


def measure_search(scores_path: Path, k: int, sample_size: int, seed: int) -> dict:
    """Time one neighbour search on saved factor scores, then check a sample of it by brute force.
    Meant to run alone in a subprocess: the peak memory it reports is this process's."""
    scores = np.load(scores_path)
    before = resident_mib("VmRSS")
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    neighbour_rows, similarities = nearest_by_cosine(scores, k, progress=False)
    search_seconds, search_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resident_mib("VmHWM")

    sample = np.random.default_rng(seed).choice(len(scores), size=min(sample_size, len(scores)), replace=False)
    started = time.perf_counter()
    exact_rows, exact_similarities = brute_force_neighbours(scores, sample, k)
    brute_force_seconds = time.perf_counter() - started
    found = neighbour_rows[sample]
    overlap = (found[:, :, None] == exact_rows[:, None, :]).any(axis=2).sum(axis=1)
    return {
        "search_seconds": round(search_seconds, 2),
        "search_cpu_seconds": round(search_cpu_seconds, 2),  # all threads; the wall time on idle cores is lower
        "load_average_before": round(load_before, 2),  # the machine is shared: other jobs slow the wall time
        "peak_rss_mib": round(peak),
        "search_rss_increase_mib": round(peak - before),
        "output_mib": round((neighbour_rows.nbytes + similarities.nbytes) / 2**20),
        "sampled_rows": int(sample.size),
        "recall_at_k": float(overlap.mean() / k),
        "identical_lists": float((found == exact_rows).all(axis=1).mean()),
        "max_similarity_difference": float(np.abs(similarities[sample] - exact_similarities).max()),
        "brute_force_sample_seconds": round(brute_force_seconds, 2),
        "brute_force_all_rows_estimate_seconds": round(brute_force_seconds * len(scores) / sample.size),
    }


def run_benchmark(sizes: list[int], ks: list[int], rank: int, sample_size: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for n_students in sizes:
            scores, preparation = factor_scores(n_students, rank, BENCHMARK_SEED)
            scores_path = Path(scratch) / f"scores_{n_students}.npy"
            np.save(scores_path, scores)
            del scores
            for k in ks:
                completed = subprocess.run(
                    [sys.executable, __file__, "--measure", str(scores_path), "--k", str(k),
                     "--sample", str(sample_size)],
                    check=True, capture_output=True, text=True)
                measured = json.loads(completed.stdout)
                results.append({"n_students": n_students, "rank": rank, "k": k, **preparation, **measured})
                print_row(results[-1])
    return results


TABLE_COLUMNS = (  # heading, result key, width, format
    ("N", "n_students", 9, ","), ("r", "rank", 2, ""), ("k", "k", 2, ""),
    ("search s", "search_seconds", 8, ".1f"), ("CPU s", "search_cpu_seconds", 6, ".1f"),
    ("load", "load_average_before", 4, ".1f"), ("peak RSS MiB", "peak_rss_mib", 12, ","),
    ("search +RSS MiB", "search_rss_increase_mib", 15, ","), ("recall@k", "recall_at_k", 8, ".4f"),
    ("identical", "identical_lists", 9, ".1%"),
    ("brute force s (est.)", "brute_force_all_rows_estimate_seconds", 20, ","),
    ("NMF s", "nmf_seconds", 6, ".1f"),
)


def print_row(result: dict | None = None) -> None:
    """Print one table row, or the header when `result` is None."""
    print("  ".join(heading.rjust(width) if result is None else f"{result[key]:>{width}{spec}}"
                    for heading, key, width, spec in TABLE_COLUMNS), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--ks", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--rank", type=int, default=5, help="NMF rank (default 5)")
    parser.add_argument("--sample", type=int, default=1000, help="query rows checked by brute force")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "neighbours.json")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: one search, in a subprocess
    parser.add_argument("--k", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure_search(args.measure, args.k, args.sample, BENCHMARK_SEED)))
        return 0

    print_row()
    results = run_benchmark(args.sizes, args.ks, args.rank, args.sample)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "command": "python benchmarks/neighbours.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
                    "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "results": results,
    }, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
