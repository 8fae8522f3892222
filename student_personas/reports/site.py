"""Render every report page and an index into one output folder, and list what was written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from student_personas.reports.pages import (
    discover_pages,
    input_views,
    page_environment,
    referenced_tables,
    render_template,
    run_queries,
)

INDEX_TEMPLATE = "_index.html.j2"
# Pages that embed student-level data: written to this subfolder of the reports folder, apart from the
# published pages, and never linked from the published index (the exports make the same split).
STAFF_ONLY_FOLDER = "staff_only_student_level"
STAFF_ONLY_PAGES = frozenset({"students"})
BUILTIN_SOURCE = "the built-in synthetic cohort (seed raw_students)"


def render_site(connection: duckdb.DuckDBPyConnection, relations: Mapping[str, duckdb.DuckDBPyRelation],
                settings: Mapping, templates_dir: Path, rendered_at: datetime) -> pd.DataFrame:
    """Render each page of ``templates_dir`` from ``relations`` into ``settings['reports_dir']``, then
    ``index.html`` linking the published ones (pages in STAFF_ONLY_PAGES go to its STAFF_ONLY_FOLDER
    subfolder, unlinked). Returns one row per page: page, title, audience, path, bytes, n_charts,
    n_tables, rendered_at.

    Queries and templates run page by page. Charts are Vega-Lite specs written into the pages, drawn by
    the reader's browser, so rendering costs about the time of the queries.

    Every page header states ``rendered_at`` and the data source (``settings['students_path']``, or the
    built-in cohort), so a printed page can always be traced to its run and input.
    """
    out_dir = Path(settings["reports_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    environment = page_environment(Path(templates_dir))
    report = {
        "rendered_at": rendered_at.strftime("%Y-%m-%d %H:%M UTC"),
        "data_source": f"students_path {settings['students_path']}" if settings.get("students_path")
        else BUILTIN_SOURCE,
    }
    pages = []
    with input_views(connection, relations):
        for page in discover_pages(Path(templates_dir)):
            results = run_queries(connection, page, relations, settings)
            pages.append(render_template(environment, page.template_name, page.name, {
                "q": results, "settings": settings, "report": report,
                "source_tables": sorted(referenced_tables(page))}))
    paths = [out_dir / STAFF_ONLY_FOLDER / f"{page.name}.html" if page.name in STAFF_ONLY_PAGES
             else out_dir / f"{page.name}.html" for page in pages]
    # A staff-only page sits one folder down: its link back to the index goes up one.
    texts = [page.html.replace('href="index.html"', 'href="../index.html"') if page.name in STAFF_ONLY_PAGES
             else page.html for page in pages]
    listing = pd.DataFrame({
        "page": [page.name for page in pages],
        "title": [page.title for page in pages],
        "audience": ["staff_only_student_level" if page.name in STAFF_ONLY_PAGES else "published" for page in pages],
        "path": [str(path) for path in paths],
        "bytes": [len(text.encode("utf-8")) for text in texts],
        "n_charts": [page.n_charts for page in pages],
        "n_tables": [page.n_tables for page in pages],
        "rendered_at": pd.Timestamp(rendered_at),
    })
    for text, path in zip(texts, paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    published = listing[listing.audience == "published"]
    index = render_template(environment, INDEX_TEMPLATE, "index", {
        "pages": published.assign(file=[f"{name}.html" for name in published.page]).to_dict("records"),
        "report": report, "source_tables": []})
    (out_dir / "index.html").write_text(index.html, encoding="utf-8")
    return listing
