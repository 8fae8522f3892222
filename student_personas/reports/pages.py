"""Report pages: a page is a Jinja2 template plus named SQL queries, rendered from warehouse tables.

Page definition (files in the templates folder, ``reports/`` in the project):

- ``<page>.html.j2``: the page. It extends ``_layout.html.j2``, names itself in ``{% block title %}``,
  reads query results as ``q.<query>`` and shows them with the components of
  :mod:`student_personas.reports.components` (``data_table``, ``histograms``, ``scatter``, …).
- ``<page>.sql`` (optional): the page's queries, each introduced by a ``-- name: <query>`` line, in the
  style of Evidence.dev's named SQL blocks. Queries are Jinja too: ``{{ ref('table') }}`` names a
  warehouse table that the caller handed over (the dbt Python model obtains each with a literal
  ``dbt.ref``, so dbt's DAG knows every table a page reads), ``{{ query('name') }}`` reads an earlier
  query of the same page, ``rows('name')`` is an earlier query's result (so a query can be written out
  per column it found, e.g. one aggregate per column of a wide table: one fast pass instead of a long
  reshaping), and ``settings`` holds the report settings. Filters ``sql_string`` and ``sql_identifier``
  quote a value as an SQL literal or a column name.

Templates whose name starts with ``_`` (the layout, the index) are not pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
import pandas as pd
from jinja2 import nodes
from markupsafe import Markup

from student_personas.reports.components import Chart, Components
from student_personas.reports.formatting import is_missing

PAGE_SUFFIX = ".html.j2"
QUERY_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>.*?)\s*$", re.MULTILINE)
QUERY_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
ONLY_COMMENTS = re.compile(r"^(\s*(--[^\n]*)?\n?)*$")


class ReportDefinitionError(ValueError):
    """A page definition that cannot be rendered (bad query block, unknown table, missing template)."""


def parse_named_queries(text: str, source: str = "<queries>") -> dict[str, str]:
    """Split a page's SQL file into ``{name: sql}`` at each ``-- name: <query>`` line.

    Names are lowercase identifiers so a template can write ``q.<name>``. Only comments may stand before
    the first block; a repeated name, a block without SQL or a stray statement are errors that name the
    file, because a silently ignored query would leave a hole in a page. A trailing ``;`` is dropped.
    """
    markers = list(QUERY_NAME_LINE.finditer(text))
    preamble = text[: markers[0].start()] if markers else text
    if not ONLY_COMMENTS.match(preamble):
        raise ReportDefinitionError(f"{source}: SQL before the first '-- name: <query>' line")
    queries: dict[str, str] = {}
    for marker, following in zip(markers, [*markers[1:], None]):
        name = marker.group("name")
        if not QUERY_NAME.match(name):
            raise ReportDefinitionError(f"{source}: query name {name!r} is not a lowercase identifier")
        if name in queries:
            raise ReportDefinitionError(f"{source}: query {name!r} is defined twice")
        body = text[marker.end(): following.start() if following else len(text)].strip().rstrip(";").strip()
        if ONLY_COMMENTS.match(body):
            raise ReportDefinitionError(f"{source}: query {name!r} has no SQL")
        queries[name] = body
    return queries


@dataclass(frozen=True)
class PageDefinition:
    """One page: its name (the output file stem), its template and its named queries (SQL templates)."""

    name: str
    template_name: str
    queries: dict[str, str]


def discover_pages(templates_dir: Path) -> list[PageDefinition]:
    """Every page in the templates folder, in name order (``_``-prefixed templates are not pages)."""
    pages = []
    for template in sorted(Path(templates_dir).glob(f"*{PAGE_SUFFIX}")):
        name = template.name.removesuffix(PAGE_SUFFIX)
        if name.startswith("_"):
            continue
        sql_file = template.with_name(f"{name}.sql")
        queries = parse_named_queries(sql_file.read_text(encoding="utf-8"), sql_file.name) if sql_file.exists() else {}
        pages.append(PageDefinition(name, template.name, queries))
    return pages


def sql_environment() -> jinja2.Environment:
    """Jinja for queries: plain text (no HTML escaping), strict about undefined names."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters["sql_string"] = lambda value: "'" + str(value).replace("'", "''") + "'"
    environment.filters["sql_identifier"] = _identifier
    return environment


def referenced_tables(page: PageDefinition) -> set[str]:
    """The table names a page's queries pass to ``ref(...)``, read from the template syntax tree.

    Used to check a caller hands over every table a page needs (and a test holds the dbt model's
    literal ``dbt.ref`` calls to exactly this set). Only literal names count, as in dbt.
    """
    environment = sql_environment()
    tables = set()
    for name, sql in page.queries.items():
        for call in environment.parse(sql).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "ref":
                if len(call.args) != 1 or not isinstance(call.args[0], nodes.Const):
                    raise ReportDefinitionError(f"{page.name}.{name}: ref() takes one literal table name")
                tables.add(call.args[0].value)
    return tables


class QueryResult:
    """The rows of one named query, as a pandas frame with convenient views for templates."""

    def __init__(self, name: str, frame: pd.DataFrame):
        self.name = name
        self.frame = frame

    @property
    def rows(self) -> list[dict]:
        """Rows as dicts, SQL nulls as None."""
        return [{key: None if is_missing(value) else value for key, value in row.items()}
                for row in self.frame.to_dict("records")]

    @property
    def first(self) -> dict:
        """The single row of a one-row query (an error when the query returned nothing)."""
        if self.frame.empty:
            raise ReportDefinitionError(f"query {self.name!r} returned no rows")
        return self.rows[0]

    def __len__(self) -> int:
        return len(self.frame)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rows)


def _input_view(table: str) -> str:
    return _identifier(f"report_input__{table}")


def _query_view(page: str, query: str) -> str:
    return _identifier(f"report_query__{page}__{query}")


def _identifier(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


@contextmanager
def input_views(connection: duckdb.DuckDBPyConnection, relations: Mapping[str, duckdb.DuckDBPyRelation]):
    """Each relation as a temporary view on the connection for the duration of the block.

    ``ref('x')`` in a query then reads the relation the caller obtained (in dbt, ``dbt.ref('x')``) and
    nothing else; the views are dropped afterwards so nothing is left in the warehouse.
    """
    views = []
    try:
        for table, relation in relations.items():
            views.append(_input_view(table))
            connection.execute(f"create or replace temp view {views[-1]} as {relation.sql_query()}")
        yield
    finally:
        for view in views:
            connection.execute(f"drop view if exists {view}")


def run_queries(connection: duckdb.DuckDBPyConnection, page: PageDefinition, relations: Mapping,
                settings: Mapping) -> dict[str, QueryResult]:
    """Render and run a page's queries in file order; call inside :func:`input_views`.

    A query may build on an earlier one of the same page with ``{{ query('name') }}`` (as Evidence.dev
    chains queries), so a step is written once however many queries use it, or be written out from an
    earlier query's result with ``rows('name')``. Each query runs as a
    temporary view, dropped when the page's queries are done.
    """
    missing = referenced_tables(page) - set(relations)
    if missing:
        raise ReportDefinitionError(
            f"page {page.name!r} reads {', '.join(sorted(missing))}, which the caller did not provide"
            " (in dbt: add a literal dbt.ref(...) for it in python_models/report_pages.py)")
    environment = sql_environment()
    results: dict[str, QueryResult] = {}
    views = []

    def earlier(function: str, name: str) -> QueryResult:
        if name not in results:
            raise ReportDefinitionError(f"page {page.name!r}: {function}({name!r}) names no earlier query")
        return results[name]

    def earlier_query(name: str) -> str:
        return _query_view(page.name, earlier("query", name).name)

    def earlier_rows(name: str) -> list[dict]:
        return earlier("rows", name).rows

    try:
        for name, sql in page.queries.items():
            rendered = environment.from_string(sql).render(ref=_input_view, query=earlier_query, rows=earlier_rows,
                                                           settings=settings)
            views.append(_query_view(page.name, name))
            try:
                connection.execute(f"create or replace temp view {views[-1]} as {rendered}")
                frame = connection.execute(f"select * from {views[-1]}").df()
            except duckdb.Error as error:
                raise ReportDefinitionError(f"page {page.name!r}, query {name!r} failed: {error}") from error
            results[name] = QueryResult(name, frame)
    finally:
        for view in views:
            connection.execute(f"drop view if exists {view}")
    return results


def page_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja for pages: HTML autoescaping on, so every value from the data is escaped unless a
    component built it as markup; undefined names are errors, not blanks."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page and what it holds: its charts (each a Vega-Lite spec inlined in ``html``) and the
    number of its tables."""

    name: str
    title: str
    html: str
    charts: tuple[Chart, ...]
    n_tables: int

    @property
    def n_charts(self) -> int:
        return len(self.charts)


def render_template(environment: jinja2.Environment, template_name: str, page_name: str,
                    context: Mapping) -> RenderedPage:
    """Render one template with the components and ``context``; its title is its ``title`` block."""
    template = environment.get_template(template_name)
    components = Components(page_name)
    variables = {**context, **components.functions()}
    if "title" not in template.blocks:
        raise ReportDefinitionError(f"{template_name}: no {{% block title %}}")
    title = Markup("".join(template.blocks["title"](template.new_context(variables)))).unescape().strip()
    html = template.render(variables)
    return RenderedPage(page_name, title, html, tuple(components.charts), components.n_tables)
