"""Benchmark: where the report refresh (model report_pages) spends its time, page by page.

Renders the report pages from an already built warehouse, outside dbt, with the settings of the build
that produced it (the report_settings of report_pages in that build's target/manifest.json). Per page it
times the page's queries, its template (charts left as placeholders) and drawing its charts one by one in
this process; per chart function, the milliseconds a chart takes; then drawing every chart of the site
in this process and in worker processes, and the whole site as the model renders it. Pages are written
to a temporary folder. `--profile PAGE` prints the functions where that page's chart drawing spends its
time (cProfile).

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
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
from student_personas import sql_functions  # noqa: E402
from student_personas.reports.charts import draw_charts  # noqa: E402
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


def time_pages(connection, relations: dict, settings: dict, profile: str | None,
               by_function: dict[str, list[float]], charts: list) -> list[dict]:
    """Per page: seconds in its queries, its template and drawing its charts one by one in this process.
    Adds each chart's seconds to ``by_function`` (by chart function name) and the charts to ``charts``."""
    environment = page_environment(TEMPLATES_DIR)
    rows = []
    with input_views(connection, relations):
        for page in discover_pages(TEMPLATES_DIR):
            started = time.perf_counter()
            results = run_queries(connection, page, relations, settings)
            queried = time.perf_counter()
            rendered = render_template(environment, page.template_name, page.name, {
                "q": results, "settings": settings, "report": {"rendered_at": "", "data_source": ""},
                "source_tables": []})
            templated, cpu_before = time.perf_counter(), time.process_time()
            profiler = cProfile.Profile() if page.name == profile else None
            if profiler:
                profiler.enable()
            svgs = {}
            for chart in rendered.charts:
                chart_started = time.perf_counter()
                svgs[chart.chart_id] = chart.svg()
                by_function.setdefault(chart.function.__name__, []).append(time.perf_counter() - chart_started)
            if profiler:
                profiler.disable()
            drawn, cpu = time.perf_counter(), time.process_time() - cpu_before
            charts.extend(rendered.charts)
            html = rendered.with_charts(svgs).html
            rows.append({"page": page.name, "queries_s": round(queried - started, 3),
                         "template_s": round(templated - queried, 3), "charts_s": round(drawn - templated, 3),
                         "charts_cpu_s": round(cpu, 3),
                         "charts": rendered.n_charts, "kib": round(len(html.encode("utf-8")) / 1024)})
            if profiler:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return rows


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the chart workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=PROJECT_DIR / "warehouse.duckdb")
    parser.add_argument("--target", type=Path, default=PROJECT_DIR / "target",
                        help="target folder of the build that wrote the warehouse (for its report settings)")
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)),
                        help="worker processes to compare with drawing in this process (default: the usable cores)")
    parser.add_argument("--profile", metavar="PAGE", help="print a cProfile of drawing this page's charts")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "benchmarks" / "out" / "reports.json")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="personas-reports-") as out_dir, \
            duckdb.connect(str(args.warehouse), read_only=True) as connection:
        sql_functions.register(connection)
        settings = {**report_settings(args.target), "reports_dir": out_dir}
        tables = set().union(*(referenced_tables(page) for page in discover_pages(TEMPLATES_DIR)))
        relations = {table: connection.table(table) for table in sorted(tables)}
        by_function, charts = {}, []
        pages = time_pages(connection, relations, settings, args.profile, by_function, charts)
        drawing = {}
        for processes in (1, args.processes):
            started = time.perf_counter()
            draw_charts(charts, processes)
            drawing[processes] = time.perf_counter() - started
        started, cpu_before = time.perf_counter(), cpu_seconds()
        render_site(connection, relations, settings, TEMPLATES_DIR, datetime.now(timezone.utc))
        site, site_cpu = time.perf_counter() - started, cpu_seconds() - cpu_before
    students = duckdb.connect(str(args.warehouse), read_only=True).execute(
        "select count(*) from stg_students").fetchall()[0][0]
    print(f"{students:,} students, load average {load:.1f} before")
    print(f"{'page':18} {'queries s':>9} {'template s':>10} {'charts s':>9} {'(CPU s)':>8} {'charts':>6} {'KiB':>6}")
    for row in pages:
        print(f"{row['page']:18} {row['queries_s']:9.3f} {row['template_s']:10.3f} {row['charts_s']:9.3f} "
              f"{row['charts_cpu_s']:8.3f} {row['charts']:6d} {row['kib']:6,d}")
    functions = [{"function": name, "charts": len(seconds), "mean_ms": round(1000 * sum(seconds) / len(seconds), 2),
                  "max_ms": round(1000 * max(seconds), 2)} for name, seconds in sorted(by_function.items())]
    print(f"\n{'chart function':20} {'charts':>6} {'mean ms':>8} {'max ms':>8}")
    for row in functions:
        print(f"{row['function']:20} {row['charts']:6d} {row['mean_ms']:8.2f} {row['max_ms']:8.2f}")
    print(f"\nall {len(charts)} charts of the site: {drawing[1]:.3f} s in this process, "
          f"{drawing[args.processes]:.3f} s in {args.processes} worker process(es)")
    print(f"whole site as the model renders it: {site:.2f} s ({site_cpu:.2f} CPU s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"students": students, "load_average_before": round(load, 2), "pages": pages,
                                    "chart_functions": functions, "charts": len(charts),
                                    "all_charts_seconds_in_process": round(drawing[1], 3),
                                    "processes": args.processes,
                                    "all_charts_seconds_in_workers": round(drawing[args.processes], 3),
                                    "site_seconds": round(site, 2), "site_cpu_seconds": round(site_cpu, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
