"""Benchmark: where the report refresh (model report_pages) spends its time, page by page.

Renders the report pages from an already built warehouse, outside dbt, with the settings of the build
that produced it (the report_settings of report_pages in that build's target/manifest.json). Per page it
times the page's queries and its template (which writes every chart's Vega-Lite spec; the reader's browser
draws them), and the page's size; then the whole site as the model renders it. Pages are written to a
temporary folder. `--profile PAGE` prints the functions where that page's template spends its time
(cProfile).

    .venv/bin/python benchmarks/reports.py                                   # warehouse.duckdb, target/
    PERSONAS_DB=/tmp/r1m/warehouse.duckdb .venv/bin/dbt build --target-path /tmp/r1m/target \\
        --vars '{students_path: /tmp/s1m.csv, reports_dir: /tmp/r1m/reports}'
    .venv/bin/python benchmarks/reports.py --warehouse /tmp/r1m/warehouse.duckdb --target /tmp/r1m/target

Timings are measured on whatever else the machine is doing: the 1-minute load average is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
from student_personas import sql_functions  # noqa: E402
from student_personas.reports.pages import (  # noqa: E402
    discover_pages,
    input_views,
    page_environment,
    referenced_tables,
    render_template,
    run_queries,
)
from student_personas.reports.site import render_site  # noqa: E402

TEMPLATES_DIR = PROJECT_DIR / "reports"


def report_settings(target: Path) -> dict:
    """The report settings the build that wrote ``target`` rendered for report_pages."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return json.loads(manifest["nodes"]["model.student_personas.report_pages"]["config"]["report_settings"])


def time_pages(connection, relations: dict, settings: dict, profile: str | None) -> list[dict]:
    """Per page: seconds in its queries and its template (charts written as specs), charts and size."""
    environment = page_environment(TEMPLATES_DIR)
    rows = []
    with input_views(connection, relations):
        for page in discover_pages(TEMPLATES_DIR):
            started = time.perf_counter()
            results = run_queries(connection, page, relations, settings)
            queried = time.perf_counter()
            profiler = cProfile.Profile() if page.name == profile else None
            if profiler:
                profiler.enable()
            rendered = render_template(environment, page.template_name, page.name, {
                "q": results, "settings": settings, "report": {"rendered_at": "", "data_source": ""},
                "source_tables": []})
            if profiler:
                profiler.disable()
            templated = time.perf_counter()
            rows.append({"page": page.name, "queries_s": round(queried - started, 2),
                         "template_s": round(templated - queried, 2), "charts": rendered.n_charts,
                         "kib": round(len(rendered.html.encode("utf-8")) / 1024)})
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=PROJECT_DIR / "warehouse.duckdb")
    parser.add_argument("--target", type=Path, default=PROJECT_DIR / "target",
                        help="target folder of the build that wrote the warehouse (for its report settings)")
    parser.add_argument("--profile", metavar="PAGE", help="print a cProfile of this page's template")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "reports.json")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="personas-reports-") as out_dir, \
            duckdb.connect(str(args.warehouse), read_only=True) as connection:
        sql_functions.register(connection)
        settings = {**report_settings(args.target), "reports_dir": out_dir}
        tables = set().union(*(referenced_tables(page) for page in discover_pages(TEMPLATES_DIR)))
        relations = {table: connection.table(table) for table in sorted(tables)}
        pages = time_pages(connection, relations, settings, args.profile)
        started, cpu_before = time.perf_counter(), time.process_time()
        render_site(connection, relations, settings, TEMPLATES_DIR, datetime.now(timezone.utc))
        site, site_cpu = time.perf_counter() - started, time.process_time() - cpu_before
    students = duckdb.connect(str(args.warehouse), read_only=True).execute(
        "select count(*) from stg_students").fetchall()[0][0]
    print(f"{students:,} students, load average {load:.1f} before")
    print(f"{'page':18} {'queries s':>9} {'template s':>10} {'charts':>6} {'KiB':>6}")
    for row in pages:
        print(f"{row['page']:18} {row['queries_s']:9.2f} {row['template_s']:10.2f} {row['charts']:6d} "
              f"{row['kib']:6,d}")
    print(f"whole site: {site:.2f} s ({site_cpu:.2f} CPU s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"students": students, "load_average_before": round(load, 2), "pages": pages,
                                    "site_seconds": round(site, 2),
                                    "site_cpu_seconds": round(site_cpu, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
