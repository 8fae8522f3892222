"""Benchmark: the warehouse refresh against the notebook's pipeline (benchmarks/notebook_pipeline.py) on the
same generated students, one after the other, with time and peak memory ratios.

    .venv/bin/python benchmarks/compare_notebook.py --students 30000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh import PROJECT_DIR, peak_rss_of, run_size  # noqa: E402

from student_personas import synthetic  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30_000)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "compare_notebook.json")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="personas-compare-"))
    try:
        students, _ = synthetic.write_students(workdir / "students.csv", args.students)
        load = os.getloadavg()[0]
        code, notebook_seconds, notebook_peak, output = peak_rss_of(
            [sys.executable, str(Path(__file__).with_name("notebook_pipeline.py")), str(students)], dict(os.environ),
            PROJECT_DIR)
        if code != 0:
            raise SystemExit(f"notebook pipeline failed:\n{output[-3000:]}")
        print(output.strip().splitlines()[0])
        warehouse = run_size(args.students, workdir / "warehouse", workdir / "target")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "students": args.students,
        "notebook_seconds": round(notebook_seconds, 1),
        "notebook_peak_gib": round(notebook_peak / 2**30, 2),
        "notebook_load_average_before": round(load, 2),
        "warehouse_seconds": warehouse["refresh_seconds"],
        "warehouse_peak_gib": warehouse["peak_rss_gib"],
        "speedup": round(notebook_seconds / warehouse["refresh_seconds"], 1),
        "memory_ratio": round(notebook_peak / 2**30 / warehouse["peak_rss_gib"], 1),
    }
    print(f"N = {args.students:,}: notebook {result['notebook_seconds']} s / {result['notebook_peak_gib']} GiB; "
          f"warehouse {result['warehouse_seconds']} s / {result['warehouse_peak_gib']} GiB; "
          f"{result['speedup']}x faster, {result['memory_ratio']}x less memory")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
