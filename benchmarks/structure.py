"""Benchmark: what the structure checks add to a refresh (reference comparisons, other clusterers, the verdict,
the outcome-proxy AUCs), measured on a warehouse built by `benchmarks/refresh.py --keep`.

Part of the added work runs inside models that existed before (the rank sweep, the k sweep and the stability
refits now also run on shuffled reference data). This script times, in one process on that warehouse's own
selection and stability samples, each of those steps without and with its reference, so the difference is
measured as a ratio in one run; the models that are new (clustering comparison, structure assessment,
feature-label AUCs) are taken from the build's run_results.json. The share is the added time over the refresh
time without it.

    .venv/bin/python benchmarks/refresh.py --sizes 1000000 --workdir /tmp/bench --keep --out /tmp/bench/refresh.json
    .venv/bin/python benchmarks/structure.py --workdir /tmp/bench --students 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb
import yaml
from threadpoolctl import threadpool_limits

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
from student_personas import factors, personas, structure, warehouse  # noqa: E402

NEW_NODES = ("int_clustering_comparison", "clustering_comparison", "int_structure_assessment", "structure_assessment",
             "feature_label_association")


def timed(function, *args):
    """Seconds of ``function(*args)`` on one thread, as the selection loops run (warehouse.in_own_process)."""
    with threadpool_limits(1):
        started = time.perf_counter()
        result = function(*args)
        return time.perf_counter() - started, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, required=True, help="the --workdir of refresh.py --keep")
    parser.add_argument("--students", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    vars_ = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    seed, draws = vars_["random_seed"], vars_["structure_reference_draws"]
    refresh = next(r for r in json.loads((args.workdir / "refresh.json").read_text())["results"]
                   if r["students"] == args.students)
    results = json.loads((args.workdir / f"target_n{args.students}" / "run_results.json").read_text())["results"]
    node_seconds = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
    new_node_seconds = {node: round(node_seconds.get(node, 0.0), 2) for node in NEW_NODES}
    new_tests = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test.")
                    and any(node in r["unique_id"] for node in NEW_NODES))

    with duckdb.connect(str(args.workdir / f"n{args.students}" / "warehouse.duckdb"), read_only=True) as connection:
        ids, x = warehouse.feature_matrix(connection.table("int_student_feature_vectors"))
        _, scores = warehouse.wide_matrix(connection.table("int_student_factor_scores"), "student_id", "factor_")
        labels = connection.table("int_persona_assignments").order("student_id").to_arrow_table() \
            .column("persona_id").to_numpy() - 1
        rank = warehouse.chosen_value(connection.table("int_factor_rank_selection"))
        k = warehouse.chosen_value(connection.table("int_persona_k_selection"))
    selection = personas.seeded_sample(len(ids), vars_["selection_sample_size"], seed)
    stability = personas.seeded_sample(len(ids), vars_["stability_sample_size"], seed)
    low_rank, high_rank = vars_["factor_rank_range"]
    low_k, high_k = vars_["persona_k_range"]
    restarts, folds = vars_["kmeans_restarts"], vars_["heldout_folds"]

    steps = {}
    steps["rank sweep"] = timed(factors.sweep_ranks, x[selection], range(low_rank, high_rank + 1), folds, seed)[0]
    steps["rank sweep + reference"] = timed(
        structure.choose_rank, x[selection], range(low_rank, high_rank + 1), folds, seed, draws)[0]
    steps["k sweep"] = timed(personas.sweep_k, scores[selection], range(low_k, high_k + 1), restarts, seed,
                             vars_["silhouette_sample_size"])[0]
    steps["k sweep + reference"] = timed(
        structure.choose_k, x[selection], scores[selection], rank, range(low_k, high_k + 1), restarts, seed,
        vars_["silhouette_sample_size"], draws)[0]
    steps["stability reference"] = timed(
        structure.reference_stability, x[stability], rank, k, restarts, seed, draws,
        vars_["structure_reference_resamples"])[0]
    steps["column separation (every student)"] = timed(
        structure.column_separation, x, labels, [f"f{j}" for j in range(x.shape[1])])[0]

    added_in_old_nodes = (steps["rank sweep + reference"] - steps["rank sweep"]
                          + steps["k sweep + reference"] - steps["k sweep"] + steps["stability reference"])
    added = added_in_old_nodes + sum(new_node_seconds.values()) + new_tests
    before = refresh["refresh_seconds"] - added
    report = {
        "students": args.students, "rank": rank, "k": k, "refresh_seconds": refresh["refresh_seconds"],
        "steps_seconds": {name: round(value, 2) for name, value in steps.items()},
        "new_node_seconds": new_node_seconds, "new_test_seconds": round(new_tests, 2),
        "added_seconds": round(added, 1), "refresh_without_seconds": round(before, 1),
        "added_share": round(added / before, 3),
    }
    for name, value in report["steps_seconds"].items():
        print(f"  {value:7.2f} s  {name}")
    for name, value in new_node_seconds.items():
        print(f"  {value:7.2f} s  node {name}")
    print(f"  {new_tests:7.2f} s  data tests of the new tables")
    print(f"N = {args.students:,}: refresh {refresh['refresh_seconds']:.1f} s, of which the structure checks "
          f"{added:.1f} s: +{100 * added / before:.1f}% over {before:.1f} s without them")
    out = args.workdir / "structure.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
