"""The preflight: every configuration problem at once, before anything is built, then the inputs loaded.

dbt would discover a misconfiguration one model at a time, 20-40 seconds into each build. The preflight
runs first (dbt's on-run-start hook calls :func:`prepare` through a SQL function registered by the
project's dbt-duckdb plugin) and checks the vars against the files in seconds, in bounded memory, on any
size of file: the header, and a scan of at most ``preflight_scan_rows`` rows. It reports every problem in
one message: settings of the wrong type, declared columns that are not in the file (with close matches),
label values in neither label list (with their counts and the var to set), YAML booleans where levels
were meant, an id that repeats with different values, a file that looks like an event log, a cohort
smaller than the pipeline's real minimum, derived features that do not compile.

When nothing is wrong it returns the SQL that loads the inputs into the ``inputs`` schema (the dbt sources):
``inputs.students`` (every row as text, numbered in file order, read with the options decided by
:mod:`student_personas.inputs`), ``inputs.events`` (a view over the event log), ``inputs.codebook`` and
``inputs.support_playbook`` (configuration tables), and ``inputs.input_files`` (how each file was read and
how many records an independent reader counted in it).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from student_personas import configuration, events, inputs, profiling, publish, rules, settings
from student_personas.inputs import InputFile, InputProblem, sql_identifier, sql_string

RESERVED_COLUMNS = ("student_id", "term", "source_row_number", "skipped_as", "label_value", "passed_validation",
                    "validation_failures")
DECIMAL_COMMA_PATTERN = r"^[+-]?[0-9]+,[0-9]+$"
THOUSANDS_PATTERN = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?$"
DATE_PATTERN = r"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}([ T].*)?$"
TERM_VALUE_PATTERN = r"^((19|20)[0-9]{2}[ _/-]?([A-Za-z]{1,6}|[0-9]{1,2}|[0-9]{2,4})|[A-Za-z]{1,8}[ _/-]?(19|20)[0-9]{2})$"
PLAYBOOK_COLUMNS = ("source_column", "direction", "action", "rationale")
CODEBOOK_COLUMNS = ("column", "code", "label")


class PreflightError(ValueError):
    """One or more configuration problems; the message lists them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        numbered = "\n".join(f"  {index}. {problem}" for index, problem in enumerate(problems, start=1))
        super().__init__(f"student-personas preflight found {len(problems)} problem(s); nothing was built:\n{numbered}")


@dataclass
class Plan:
    """What the preflight decided: SQL that loads the inputs, and notices for the build log."""

    statements: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps({"problems": [], "statements": self.statements, "notices": self.notices,
                           "facts": self.facts})


def minimum_students(config: dict) -> int:
    """The smallest cohort every step can handle: each student needs `k` other students for the
    neighbour-based context and "students like me", and the k sweep needs more students than personas."""
    neighbours = max(int(config.get("students_like_me_k") or 10), int(config.get("context_neighbours_k") or 50))
    k_high = int((config.get("persona_k_range") or [2, 10])[1])
    return max(neighbours + 1, k_high + 1, 20)


def _close(name: str, columns: list[str]) -> str:
    lowered = {column.lower(): column for column in columns}
    if name.lower() in lowered:
        return f" Did you mean '{lowered[name.lower()]}' (the case differs)?"
    close = difflib.get_close_matches(name, columns, n=2, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text_level(value) -> str:
    """A declared level as the text it is compared with (YAML may give 1 or 1.0 for '1')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def declared_columns(config: dict) -> list[tuple[str, str]]:
    """(column, var) for every column a var names, in the order a user reads the vars."""
    named = [(c, "id_column") for c in _as_list(config.get("id_column"))]
    named += [(c, "term_column") for c in _as_list(config.get("term_column"))]
    named += [(c, "label_column") for c in _as_list(config.get("label_column"))]
    for var in ("protected_columns", "excluded_columns", "feature_columns", "peer_profile_columns"):
        named += [(c, var) for c in _as_list(config.get(var))]
    for var in ("categorical_columns", "range_rules", "protected_bins"):
        named += [(c, var) for c in (config.get(var) or {})]
    for var in ("missing_values", "clip_outliers"):
        named += [(c, f"{var}.columns") for c in ((config.get(var) or {}).get("columns") or {})]
    named += [(c, "caseload_group_column") for c in _as_list(config.get("caseload_group_column"))]
    for pair in config.get("report_bivariate_pairs") or []:
        named += [(pair.get("x"), "report_bivariate_pairs"), (pair.get("y"), "report_bivariate_pairs")]
    return [(str(column), var) for column, var in named if column is not None]


def role_conflicts(config: dict) -> list[str]:
    """A column declared with two different roles (id, term, label, protected, excluded, feature), or a label
    or protected column named to group the staff caseload files (files would be named by it). A protected
    column may be in categorical_columns: that declares its kind (nominal groups), not a second role."""
    roles: dict[str, tuple[str, str]] = {}
    problems = []
    group = config.get("caseload_group_column")
    if group and (group == config.get("label_column") or group in _as_list(config.get("protected_columns"))):
        kind = "the label column" if group == config.get("label_column") else "a protected column"
        problems.append(f"caseload_group_column '{group}' is {kind}: caseload files may not be grouped (or named) by a label or protected attribute. Group by "
                        "persona (null) or by a staff column such as an advisor, declared in excluded_columns")
    declarations = [("id_column", "id", _as_list(config.get("id_column"))),
                    ("term_column", "term", _as_list(config.get("term_column"))),
                    ("label_column", "label", _as_list(config.get("label_column"))),
                    ("protected_columns", "protected", _as_list(config.get("protected_columns"))),
                    ("excluded_columns", "excluded", _as_list(config.get("excluded_columns"))),
                    # categorical_columns declares a kind: a feature's, or a protected column's read as
                    # nominal (a nationality code: one group per code, not quantile groups of the numbers)
                    ("categorical_columns", "feature", [c for c in config.get("categorical_columns") or {}
                                                        if c not in _as_list(config.get("protected_columns"))]),
                    ("feature_columns", "feature", _as_list(config.get("feature_columns")))]
    for var, role, columns in declarations:
        for column in columns:
            if column in roles and roles[column][0] != role:
                problems.append(f"column '{column}' is declared in both {roles[column][1]} ({roles[column][0]}) "
                                f"and {var} ({role}); a column has exactly one role")
            roles.setdefault(column, (role, var))
    return problems


def feature_column_problems(config: dict, header: list[str], label_sources: list[str]) -> list[str]:
    """A file whose roles leave no column to fit the personas on: one message saying which roles took the
    columns (event features and derived features count as features)."""
    if config.get("derived_features") or config.get("events_path") or config.get("score_students_path"):
        return []
    taken: dict[str, str] = {}
    for var in ("id_column", "term_column", "label_column", "protected_columns", "excluded_columns"):
        for column in _as_list(config.get(var)):
            taken.setdefault(str(column), var)
    for column in label_sources:
        taken.setdefault(column, "label_expression")
    listed = config.get("feature_columns")
    left = [c for c in header if c not in taken and (listed is None or c in listed)]
    if left:
        return []
    by_role: dict[str, list[str]] = {}
    for column in header:
        by_role.setdefault(taken.get(column, "not listed in feature_columns"), []).append(column)
    roles = "; ".join(f"{var}: {', '.join(columns)}" for var, columns in by_role.items())
    return [f"no feature column is left to fit the personas on: all {len(header)} columns of the file have another "
            f"role ({roles}). Declare fewer protected or excluded columns, list feature columns, or add "
            "derived_features or an event log (events_path)"]


def expression_columns(expression: str) -> list[str] | None:
    """The column names an SQL expression reads, from DuckDB's own parser; None when it is not a single
    expression over columns (it does not parse, holds several statements or a subquery)."""
    with duckdb.connect() as connection:
        serialized = json.loads(connection.execute(
            "select json_serialize_sql(?)", [f"select {expression}"]).fetchone()[0])
    statements = serialized.get("statements") or []
    if serialized.get("error") or len(statements) != 1:
        return None
    node = statements[0].get("node", {})
    if node.get("type") != "SELECT_NODE" or len(node.get("select_list", [])) != 1 \
            or node.get("from_table", {}).get("type") not in (None, "EMPTY"):
        return None
    names: list[str] = []
    subqueries: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("class") == "SUBQUERY":
                subqueries.append(node)
            if node.get("class") == "COLUMN_REF" and node.get("column_names"):
                names.append(node["column_names"][-1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(node.get("select_list"))
    return None if subqueries else list(dict.fromkeys(names))


class Scan:
    """The first rows of an input as text in an in-memory DuckDB, for the preflight's checks."""

    def __init__(self, input_file: InputFile, rows: int):
        self.connection = duckdb.connect()
        rules.register(self.connection)
        # Rows that are no student (all empty, or the header again) are left out, as staging skips them.
        self.connection.execute(f"create table scan as select * from {inputs.read_sql(input_file)} limit {int(rows)}")
        read = self.connection.execute("select count(*) from scan").fetchone()[0]
        self.connection.execute(f"delete from scan where {repeats_header(input_file)} or rowid in (select rowid from "
                                "scan where coalesce(trim(columns(*)), '') = '')")
        self.rows = self.connection.execute("select count(*) from scan").fetchone()[0]
        self.limit = rows
        self.complete = read < rows

    def query(self, sql: str, params=None):
        return self.connection.execute(sql, params or []).fetchall()

    def where_scanned(self) -> str:
        return "in the file" if self.complete else f"in the first {self.rows:,} rows"

    def close(self):
        self.connection.close()


def _present(column: str) -> str:
    value = f"trim(cast({sql_identifier(column)} as varchar))"
    return f"nullif({value}, '')"


def _id_expression(id_columns: list[str]) -> str:
    parts = [_present(column) for column in id_columns]
    return " || '|' || ".join(parts)


def _check_label(config: dict, scan: Scan, problems: list[str]) -> None:
    column = config.get("label_column")
    if not column or column not in scan_columns(scan):  # a missing column is already a problem
        return
    positives = [_text_level(v).strip().lower() for v in config.get("label_positive_values") or []]
    negatives = [_text_level(v).strip().lower() for v in config.get("label_negative_values") or []]
    tokens = [str(t).strip().lower() for t in config.get("missing_value_tokens") or []]
    rows = scan.query(
        f"select lower(trim({sql_identifier(column)})) as value, count(*) from scan "
        f"where {sql_identifier(column)} is not null group by 1 order by 2 desc, 1")
    outside = [(value, n) for value, n in rows
               if value not in positives and value not in negatives and value not in tokens]
    if outside:
        listed = ", ".join(f"{value} {n:,}" for value, n in outside[:10])
        problems.append(
            f"label_column '{column}' has values in neither label_positive_values ({', '.join(positives) or 'none'}) "
            f"nor label_negative_values ({', '.join(negatives) or 'none'}): {listed} ({scan.where_scanned()}). "
            f"Declare them, e.g. label_negative_values: [{', '.join(_yaml_quote(v) for v, _ in outside[:10])}] "
            "(values are compared without case)")
    if not any(value in positives for value, _ in rows) and rows and not outside:
        problems.append(f"label_column '{column}' has no value in label_positive_values "
                        f"({', '.join(positives)}) {scan.where_scanned()}: the label would be 0 for everyone")


def _yaml_quote(value: str) -> str:
    return f"'{value}'" if value.lower() in ("yes", "no", "true", "false", "on", "off", "y", "n", "null") or \
        not re.fullmatch(r"[A-Za-z0-9_ .-]+", value) else value


def _check_label_expression(config: dict, header: list[str], scan: Scan, problems: list[str]) -> list[str]:
    expression = config.get("label_expression")
    if not expression:
        return []
    columns = expression_columns(expression)
    if columns is None:
        problems.append(f"label_expression {expression!r} is not a valid SQL expression")
        return []
    missing = [c for c in columns if c not in header]
    for column in missing:
        problems.append(f"label_expression {expression!r} reads column '{column}', which is not in the file."
                        + _close(column, header))
    if missing:
        return columns
    typed = ", ".join(f"coalesce(try_cast({sql_identifier(c)} as double)::varchar, {sql_identifier(c)}) as "
                      f"{sql_identifier(c)}" for c in columns)
    numeric = ", ".join(f"try_cast({sql_identifier(c)} as double) as {sql_identifier(c)}" for c in columns)
    try:
        counts = scan.query(f"select count(*) filter (where v), count(*) filter (where not v), count(*) filter "
                            f"(where v is null) from (select cast(({expression}) as boolean) as v from "
                            f"(select {numeric} from scan))")[0]
    except duckdb.Error as error:
        try:
            counts = scan.query(f"select count(*) filter (where v), count(*) filter (where not v), count(*) filter "
                                f"(where v is null) from (select cast(({expression}) as boolean) as v from "
                                f"(select {typed} from scan))")[0]
        except duckdb.Error:
            problems.append(f"label_expression {expression!r} does not evaluate to true/false: "
                            f"{str(error).splitlines()[0]}")
            return columns
    if counts[0] + counts[1] == 0:
        problems.append(f"label_expression {expression!r} is null on every row {scan.where_scanned()}")
    return columns


def _check_ids(config: dict, scan: Scan, problems: list[str], notices: list[str]) -> None:
    id_columns = _as_list(config.get("id_column"))
    term = config.get("term_column")
    if not id_columns:
        if term:
            problems.append("term_column is declared but id_column is not: students can only be followed from "
                            "term to term by an id (declare id_column)")
        event_log = event_log_problem(scan)
        if event_log:
            problems.append(event_log)
            return
        notices.append("no id_column: student_id is the row number, which identifies students in this file only "
                       "(scoring later files, history and transitions need a real id)")
        return
    present = scan_columns(scan)
    if any(column not in present for column in id_columns) or (term and term not in present):
        return  # a missing column is already a problem
    key = _id_expression(id_columns)
    key_with_term = key if not term else f"{key} || '|' || coalesce({_present(term)}, '')"
    all_columns = ", ".join(sql_identifier(column) for column in scan_columns(scan))
    rows_total, distinct_ids, missing_ids = scan.query(
        f"select count(*), count(distinct {key}), count(*) filter (where ({key}) is null) from scan")[0]
    conflicting_rows = scan.query(
        f"with keyed as (select {key_with_term} as k, md5(row({all_columns})::varchar) as content from scan), "
        f"groups as (select k, count(*) as copies, count(distinct content) as versions from keyed "
        f"where k is not null group by k having count(*) > 1) "
        f"select coalesce(sum(copies) filter (where versions > 1), 0) from groups")[0][0]
    budget = float(config.get("max_reject_share") or 0.05)
    name = id_columns[0] if len(id_columns) == 1 else "[" + ", ".join(id_columns) + "]"
    if distinct_ids and rows_total >= 200 and rows_total / distinct_ids >= 3 and not term:
        problems.append(
            f"{rows_total:,} rows have only {distinct_ids:,} distinct ids ({name}) {scan.where_scanned()}, "
            f"about {rows_total / distinct_ids:.0f} rows per student: this looks like an event log, not one row "
            "per student. Pass it as events_path (with event_columns) and give the student file as students_path")
        return
    if conflicting_rows and conflicting_rows > budget * rows_total:
        problems.append(
            f"id_column {name} repeats with different values in {conflicting_rows:,} of {rows_total:,} rows "
            f"{scan.where_scanned()}. One row per student × something (course, term, presentation)? Declare "
            "id_column as a list of the columns that identify a row, e.g. [student, course]"
            + (", or term_column for the column that names the term" if not term else ""))
    if missing_ids > budget * rows_total:
        problems.append(f"id_column {name} is empty in {missing_ids:,} of {rows_total:,} rows "
                        f"{scan.where_scanned()}; those rows would all be rejected")
    for column in id_columns:
        separator = scan.query(f"select count(*) from scan where contains({sql_identifier(column)}, '|')")[0][0]
        if separator and len(id_columns) > 1:
            problems.append(f"id column '{column}' contains '|', which joins the parts of a composite id; "
                            "replace it in the file")


TIME_NAME = re.compile(r"(date|time|timestamp|day|week|hour|when|occurred)", re.IGNORECASE)


def event_log_problem(scan: Scan) -> str | None:
    """A file without a declared id whose id-like column repeats (three rows per value or more) beside a
    column of times: one row per event, not per student. The message names both columns."""
    if scan.rows < 200:
        return None
    columns = scan_columns(scan)
    candidates = sorted((column for column in columns
                         if rules.STUDENT_NAME.search(column) or rules.IDENTITY_NAME.search(column)),
                        key=lambda column: (not rules.STUDENT_NAME.search(column), columns.index(column)))
    times = [column for column in columns if TIME_NAME.search(column)] or [
        column for column in columns if scan.query(
            f"select count(*) filter (where regexp_matches(trim({sql_identifier(column)}), '{DATE_PATTERN}')) >= "
            f"0.8 * count({sql_identifier(column)}) and count({sql_identifier(column)}) > 0 from scan")[0][0]]
    if not times:
        return None
    for column in candidates:
        present, distinct = scan.query(f"select count({sql_identifier(column)}), count(distinct "
                                       f"{sql_identifier(column)}) from scan")[0]
        if distinct and present >= 0.95 * scan.rows and present / distinct >= 3:
            return (f"this looks like an event log, not a student file: '{column}' repeats ({present:,} rows, "
                    f"{distinct:,} distinct values {scan.where_scanned()}, about {present / distinct:.0f} rows each) "
                    f"and '{times[0]}' looks like a time. Pass it as events_path (event_columns: {{student_id: "
                    f"{column}, time: {times[0]}}}) and give the file with one row per student as students_path")
    return None


def _check_terms(config: dict, scan: Scan, problems: list[str]) -> None:
    term = config.get("term_column")
    if not term or term not in scan_columns(scan):
        return
    counts = dict(scan.query(f"select trim({sql_identifier(term)}), count(*) from scan group by 1"))
    observed = set(counts)
    # "Students like me" and the neighbour context search within each term.
    neighbours = max(int(config.get("students_like_me_k") or 10), int(config.get("context_neighbours_k") or 50))
    small = sorted((n, str(value)) for value, n in counts.items() if n <= neighbours)
    if small and scan.complete:
        listed = ", ".join(f"'{value}' {n:,}" for n, value in small[:5])
        problems.append(f"term_column '{term}': similar students are found within each term, which needs more than "
                        f"{neighbours} students per term, but {len(small)} term(s) have fewer: {listed}. Leave those "
                        "records out of the file, or set context_neighbours_k and students_like_me_k lower")
    for reference in config.get("reference_terms") or []:
        if str(reference) not in observed and scan.complete:
            problems.append(f"reference_terms names term '{reference}', which is not a value of term_column "
                            f"'{term}' (values: {', '.join(sorted(str(v) for v in observed if v)[:10])})")


def _numeric_profile(scan: Scan, column: str, decimal_comma: bool, thousands: str | None = None
                     ) -> tuple[int, int, int, int, str | None]:
    """(present, numbers, decimal-comma numbers, dates, an example non-number) of a column in the scan, read
    with the thousands separator removed and the decimal comma as a point (as staging reads numbers)."""
    value = f"trim({sql_identifier(column)})"
    number = f"replace({value}, {sql_string(thousands)}, '')" if thousands else value
    number = f"replace({number}, ',', '.')" if decimal_comma else number
    present, numbers, commas, dates = scan.query(
        f"select count({value}) filter (where {value} <> ''), "
        f"count(*) filter (where is_number({number})), "
        f"count(*) filter (where regexp_matches({value}, '{DECIMAL_COMMA_PATTERN}')), "
        f"count(*) filter (where regexp_matches({value}, '{DATE_PATTERN}')) from scan")[0]
    example = scan.query(f"select {value} from scan where {value} <> '' and not is_number({number}) limit 1")
    return present, numbers, commas, dates, example[0][0] if example else None


def _thousands_grouped(scan: Scan, column: str) -> bool:
    """Whether every value of the column with a comma has groups of three digits after it ('9,800',
    '12,345,678'): a thousands separator, not a decimal comma."""
    value = f"trim({sql_identifier(column)})"
    with_comma, grouped = scan.query(
        f"select count(*) filter (where contains({value}, ',')), "
        f"count(*) filter (where regexp_matches({value}, '{THOUSANDS_PATTERN}')) from scan")[0]
    return with_comma > 0 and grouped == with_comma


def detect_decimal_comma(config: dict, input_file: InputFile, scan: Scan, header: list[str]) -> tuple[bool, list[str]]:
    """Whether numbers in the file use a decimal comma ('3,5'): declared, or (auto) seen in mostly-numeric
    columns of a file whose delimiter is not a comma. Returns (decimal comma, the columns that showed it)."""
    declared = config.get("decimal_separator", "auto")
    if declared != "auto":
        return declared == ",", []
    if input_file.format != "csv" or input_file.delimiter == ",":
        return False, []
    shown = []
    for column in header:
        present, numbers, commas, _, _ = _numeric_profile(scan, column, decimal_comma=True)
        dotted = scan.query(f"select count(*) from scan where regexp_matches(trim({sql_identifier(column)}), "
                            f"'^[+-]?[0-9]+[.][0-9]+$')")[0][0]
        if present and commas and not dotted and numbers >= 0.9 * present and not _thousands_grouped(scan, column):
            shown.append(column)
    return bool(shown), shown


def _check_ranges(config: dict, scan: Scan, decimal_comma: bool, problems: list[str], notices: list[str]) -> None:
    categorical = config.get("categorical_columns") or {}
    for column in config.get("range_rules") or {}:
        if column in categorical:
            problems.append(f"range_rules has a rule for '{column}', which is declared in categorical_columns; "
                            "range rules apply to numbers: remove one of the two")
            continue
        if column not in scan_columns(scan):
            continue
        present, numbers, commas, dates, example = _numeric_profile(scan, column, decimal_comma,
                                                                    config.get("thousands_separator"))
        if present == 0:
            problems.append(f"range_rules has a rule for '{column}', which is empty {scan.where_scanned()}")
        elif numbers < 0.5 * present:
            if dates >= 0.5 * present:
                what = f"holds dates (e.g. '{example}')"
            elif _thousands_grouped(scan, column) and not config.get("thousands_separator"):
                what = (f"separates thousands with a comma (e.g. '{example}'); set thousands_separator: ',' (a decimal "
                        "comma would read 9,800 as 9.8)")
            elif commas >= 0.5 * present:
                what = f"uses a decimal comma (e.g. '{example}'); set decimal_separator: ','"
            else:
                what = f"holds text such as '{example}'"
            problems.append(f"range_rules has a rule for '{column}', but {numbers:,} of its {present:,} values "
                            f"are numbers: it {what}")


def scan_columns(scan: Scan) -> list[str]:
    return [row[0] for row in scan.query("select column_name from (describe scan)")]


def _check_levels(config: dict, scan: Scan, problems: list[str]) -> None:
    budget = float(config.get("max_reject_share") or 0.05)
    for column, levels in (config.get("categorical_columns") or {}).items():
        if not levels or column not in scan_columns(scan):
            continue
        declared = [_text_level(level) for level in levels]
        rows = scan.query(
            f"select trim({sql_identifier(column)}) as v, count(*) from scan where trim({sql_identifier(column)}) "
            f"<> '' and trim({sql_identifier(column)}) not in (select unnest(?::varchar[])) group by 1 order by 2 desc",
            [declared])
        outside = sum(n for _, n in rows)
        if outside > budget * scan.rows:
            listed = ", ".join(f"{v} {n:,}" for v, n in rows[:8])
            problems.append(f"categorical_columns declares levels for '{column}' ({', '.join(declared)}), but "
                            f"{outside:,} of {scan.rows:,} rows {scan.where_scanned()} hold other values: {listed}. "
                            "Declare those levels too, or [] to learn the levels from the data")


def _check_thousands(config: dict, scan: Scan, header: list[str], decimal_comma: bool, notices: list[str]) -> None:
    if decimal_comma and config.get("decimal_separator") == "," and not config.get("thousands_separator"):
        for column in header:
            if _thousands_grouped(scan, column):
                notices.append(f"column '{column}': every value with a comma has groups of three digits after it "
                               "(e.g. '9,800'), which decimal_separator: ',' reads as 9.8: if the comma separates "
                               "thousands, set thousands_separator: ',' and decimal_separator: '.' instead")
    if config.get("thousands_separator") or decimal_comma:
        return
    for column in header:
        n = scan.query(f"select count(*) from scan where regexp_matches(trim({sql_identifier(column)}), "
                       f"'{THOUSANDS_PATTERN}')")[0][0]
        if n:
            notices.append(f"column '{column}' has {n:,} values like '1,234' {scan.where_scanned()}: rows with them "
                           "are rejected as not numbers unless thousands_separator: ',' is set")


def _label_and_protected(config: dict, label_sources: list[str]) -> dict[str, str]:
    """Column -> the var that makes it the label or a protected attribute: what no feature may read."""
    roles = {str(column): "protected_columns" for column in _as_list(config.get("protected_columns"))}
    roles.update({column: "label_expression (it reads this column)" for column in label_sources})
    if config.get("label_column"):
        roles[str(config["label_column"])] = "label_column"
    return roles


def _check_derived(config: dict, header: list[str], known_extra: list[str], scan: Scan, problems: list[str],
                   label_sources: list[str] = ()) -> None:
    available = list(header) + list(known_extra)
    forbidden = _label_and_protected(config, list(label_sources))
    for name, expression in (config.get("derived_features") or {}).items():
        if name in header:
            problems.append(f"derived_features defines '{name}', which is already a column of the file")
        columns = expression_columns(expression)
        if columns is None:
            problems.append(f"derived_features.{name}: {expression!r} is not a valid SQL expression")
        elif read := [column for column in columns if column in forbidden]:
            for column in read:
                problems.append(f"derived_features.{name} reads '{column}', the {forbidden[column]}: labels and "
                                "protected attributes never train the personas, so no feature may be computed from "
                                "them. Remove the feature, or compute it from other columns")
            forbidden[name] = f"derived feature computed from {', '.join(read)}"
        else:
            unknown = [c for c in columns if c not in available]
            for column in unknown:
                problems.append(f"derived_features.{name} reads '{column}', which is neither a column of the file "
                                "nor an earlier derived or event feature." + _close(column, available))
            if not unknown and all(c in header for c in columns):
                numeric = ", ".join(f"try_cast({sql_identifier(c)} as double) as {sql_identifier(c)}" for c in columns)
                try:
                    scan.query(f"select cast(({expression}) as double) from (select {numeric} from scan) limit 10")
                except duckdb.Error as error:
                    problems.append(f"derived_features.{name}: {expression!r} does not give a number: "
                                    f"{str(error).splitlines()[0]}")
        available.append(name)


def _term_like(scan: Scan, column: str) -> bool:
    if not rules.TERM_NAME.search(column):
        return False
    present, matching, distinct = scan.query(
        f"select count({sql_identifier(column)}), count(*) filter (where regexp_matches(trim({sql_identifier(column)}), "
        f"'{TERM_VALUE_PATTERN}')), count(distinct {sql_identifier(column)}) from scan")[0]
    return present > 0 and distinct <= 60 and matching >= 0.8 * present


def _open(path_value, label: str, config: dict, workdir: Path, problems: list[str], notices: list[str],
          project_dir: Path) -> InputFile | None:
    path = Path(path_value)
    if not path.is_absolute():
        path = project_dir / path
    try:
        opened = inputs.open_input(path, label, config.get("csv_encoding", "auto"), config.get("csv_delimiter", "auto"),
                                   transcode_dir=workdir)
    except InputProblem as problem:
        problems.append(str(problem))
        return None
    notices.extend(opened.notices)
    return opened


def _load_table(name: str, input_file: InputFile, numbered: bool) -> str:
    number = "row_number() over () as source_row_number, null::varchar as skipped_as, " if numbered else ""
    return f"create or replace table inputs.{name} as select {number}* from {inputs.read_sql(input_file)}"


def repeats_header(input_file: InputFile) -> str:
    """True on a row that holds the header again (exports concatenated with their headers)."""
    return "coalesce(" + " and ".join(f"trim({sql_identifier(column)}) = {sql_string(column)}"
                                       for column in input_file.header) + ", false)"


def _mark_skipped_rows(name: str, input_file: InputFile) -> list[str]:
    """Rows that are no student are kept in the source, marked, counted in input_files and skipped by staging:
    a row whose every cell is empty (`,,,,,`), and a row that repeats the header."""
    return [
        f"update inputs.{name} set skipped_as = 'empty row' where source_row_number in (select source_row_number "
        f"from inputs.{name} where coalesce(trim(columns(* exclude (source_row_number, skipped_as))), '') = '')",
        f"update inputs.{name} set skipped_as = 'repeated header' where {repeats_header(input_file)}",
    ]


def _config_table(name: str, input_file: InputFile | None, columns: tuple[str, ...], label: str,
                  problems: list[str]) -> str:
    empty = ", ".join(f"null::varchar as {sql_identifier(c)}" for c in columns)
    if input_file is None:
        return f"create or replace table inputs.{name} as select {empty} where false"
    missing = [c for c in columns if c not in input_file.header]
    if missing:
        problems.append(f"{label} lacks the column(s) {', '.join(missing)} (it needs {', '.join(columns)}; "
                        f"found {', '.join(input_file.header)})")
        return ""
    selected = ", ".join(f"nullif(trim({sql_identifier(c)}), '') as {sql_identifier(c)}" for c in columns)
    return f"create or replace table inputs.{name} as select {selected} from {inputs.read_sql(input_file)}"


def _input_facts_sql(rows: list[dict]) -> str:
    values = ", ".join(
        "(" + ", ".join([sql_string(r["input"]), sql_string(r["path"]), sql_string(r["format"]),
                         sql_string(r.get("encoding")), sql_string(r.get("delimiter")),
                         f"{int(r['records_counted'])}::bigint" if r.get("records_counted") is not None else "null::bigint",
                         sql_string(json.dumps(r.get("notices", []))),
                         sql_string(json.dumps(r.get("facts", {})))]) + ")"
        for r in rows)
    return ("create or replace table inputs.input_files as select input_name, path, file_format, encoding, delimiter, "
            "records_counted, case when input_name = 'students' then (select count(*) filter (where skipped_as = "
            "'empty row') from inputs.students) end as empty_rows, case when input_name = 'students' then (select "
            "count(*) filter (where skipped_as = 'repeated header') from inputs.students) end as repeated_header_rows, "
            "notices::json as notices, facts::json as facts from (values "
            + values + ") as files (input_name, path, file_format, encoding, delimiter, records_counted, notices, facts)")


def settings_table_sql(config: dict, origins: dict | None = None) -> str:
    """The statement that writes the run's settings as the table inputs.settings (one row per setting: its
    value as JSON and where it came from), which every model reads."""
    rows = ", ".join(
        f"({sql_string(name)}, {sql_string(json.dumps(value))}::json, {sql_string((origins or {}).get(name, 'default'))})"
        for name, value in sorted(config.items()))
    return ("create or replace table inputs.settings as select * from (values " + rows + ") "
            "as settings (setting_name, setting_value, setting_origin)")


def prepare(config: dict, given: set[str], project_dir: Path, workdir: Path, stored_model: dict | None = None,
            origins: dict | None = None) -> Plan:
    """Check `config` (every setting's value) against the input files and return the loading plan.

    `given` are the var names the user set (in the vars file or with --vars); `stored_model` (a scoring
    run) holds the stored persona model's columns and settings; `origins` say where each setting came from.
    Raises PreflightError listing every problem."""
    problems = settings.problems(config, given)
    resolved = dict(config)
    notices: list[str] = []
    scoring = bool(config.get("score_students_path"))
    if scoring and stored_model is None:
        problems.append("scoring needs a stored persona model: build the warehouse first (make run), review it, "
                        "then score")
    path = config.get("score_students_path") if scoring else config.get("students_path")
    var_name = "score_students_path" if scoring else "students_path"
    problems.extend(role_conflicts(config) if not scoring else [])
    if not path:
        problems.append("var students_path is not set: point it at the student file (CSV or Parquet). "
                        "`make profile STUDENTS=file.csv OUT=my_vars.yml` writes a starting vars file for it; "
                        "`make run` builds the built-in worked example")
        raise PreflightError(problems)
    workdir.mkdir(parents=True, exist_ok=True)
    students = _open(path, f"{var_name} '{path}'", config, workdir, problems, notices, project_dir)
    if students is None:
        raise PreflightError(problems)
    header = list(students.header)
    limit = int(config.get("max_input_columns") or 250)
    if len(header) > limit:
        problems.append(f"{var_name} '{path}' has {len(header):,} columns, more than the {limit:,} the warehouse reads "
                        "(var max_input_columns: every column is validated and profiled in its own SQL expressions, "
                        "and far wider files take minutes and gigabytes): keep the columns you need (an export of "
                        "fewer columns), or raise max_input_columns")
        raise PreflightError(problems)
    if scoring:
        config = _scoring_config(config, stored_model or {}, header, problems)
    for reserved in RESERVED_COLUMNS:
        if reserved in header and reserved not in _as_list(config.get("id_column")) and reserved != config.get("term_column"):
            problems.append(f"column '{reserved}' in {var_name} clashes with a column the warehouse adds; "
                            "rename it (or declare it as the id or term column)")
    for column, var in declared_columns(config):
        if column not in header:
            problems.append(f"column '{column}' (declared in {var}) is not in {var_name} '{path}'."
                            + _close(column, header) + f" Columns found: {', '.join(header)}")
    try:
        scan = Scan(students, int(config.get("preflight_scan_rows") or 100000))
        if not scan.complete:  # the rest of the file too, so no parser error can surface raw during the load
            with duckdb.connect() as reader:
                reader.execute(f"select count(*) from {inputs.read_sql(students)}").fetchall()
    except duckdb.Error as error:
        problems.append(str(inputs.read_error_problem(f"{var_name} '{path}'", error)))
        raise PreflightError(problems) from None
    try:
        decimal_comma, comma_columns = detect_decimal_comma(config, students, scan, header)
        if comma_columns:
            notices.append(f"numbers use a decimal comma (e.g. in {', '.join(comma_columns[:5])}): read '3,5' as 3.5 "
                           "(set decimal_separator: '.' to turn this off)")
        if not scoring:
            _check_label(config, scan, problems)
            label_sources = _check_label_expression(config, header, scan, problems)
            _check_ranges(config, scan, decimal_comma, problems, notices)
            _check_levels(config, scan, problems)
            _check_terms(config, scan, problems)
        else:
            label_sources = []
        if not scoring:
            problems.extend(feature_column_problems(config, header, label_sources))
        _check_ids(config, scan, problems, notices)
        _check_thousands(config, scan, header, decimal_comma, notices)
        _check_derived(config, header, event_feature_names(config), scan, problems, label_sources)
        minimum = minimum_students(config)
        if scan.complete and scan.rows < minimum and not scoring:
            problems.append(f"the pipeline needs at least {minimum} students (each needs "
                            f"{minimum - 1} others for the neighbour-based context; set context_neighbours_k and "
                            f"students_like_me_k lower for a smaller cohort), but {var_name} has {scan.rows} rows")
        term_like = [c for c in header if not scoring and c not in _as_list(config.get("term_column"))
                     and c not in _as_list(config.get("id_column")) and _term_like(scan, c)]
        declared = {c for var in ("id_column", "term_column", "label_column", "protected_columns", "excluded_columns")
                    for c in _as_list(config.get(var))}
        protected_like = {c: profiling.protected_meaning(c) for c in header
                          if c not in declared and profiling.protected_meaning(c)}
    finally:
        scan.close()
    event_plan = _check_events(config, header, scoring, stored_model, workdir, problems, notices, project_dir,
                               inputs.read_sql(students))
    if problems:
        raise PreflightError(problems)
    plan = Plan(notices=notices)
    plan.facts = {"decimal_separator": "," if decimal_comma else ".", "label_source_columns": label_sources,
                  "term_like_columns": term_like, "protected_like_columns": protected_like,
                  "minimum_students": minimum_students(config),
                  "file_stem": Path(str(path)).name.split(".")[0],
                  "mode": "score" if scoring else "fit"}
    for column in term_like:
        plan.notices.append(f"column '{column}' looks like a term or presentation code; as a feature it would make "
                            "later terms unscoreable (declare it as term_column or in excluded_columns)")
    for column, meaning in protected_like.items():
        plan.notices.append(f"column '{column}' looks like it records {meaning}; as a feature it shapes the personas "
                            "(declare it in protected_columns to use it only for the fairness tables)")
    plan.statements.append("create schema if not exists inputs")
    plan.statements.extend(rules.sql_macros("inputs"))
    plan.statements.append(settings_table_sql(resolved, origins))
    plan.statements.append(_load_table("students", students, numbered=True))
    plan.statements.extend(_mark_skipped_rows("students", students))
    plan.facts["records_counted"] = inputs.count_records(students)
    files = [{"input": "students", "path": str(students.path), "format": students.format,
              "encoding": students.encoding, "delimiter": students.delimiter,
              "records_counted": plan.facts["records_counted"], "notices": list(students.notices),
              "facts": plan.facts}]
    if event_plan is not None:
        plan.statements.append(event_plan[0])
        files.append(event_plan[1])
    else:
        plan.statements.append("drop view if exists inputs.events")
    codebook = _open(config["codebook_path"], f"codebook_path '{config['codebook_path']}'", config, workdir, problems,
                     notices, project_dir) if config.get("codebook_path") else None
    playbook = _open(config["playbook_path"], f"playbook_path '{config['playbook_path']}'", config, workdir, problems,
                     notices, project_dir) if config.get("playbook_path") else None
    plan.statements.append(_config_table("codebook", codebook, CODEBOOK_COLUMNS, "codebook_path", problems))
    plan.statements.append(_config_table("support_playbook", playbook, PLAYBOOK_COLUMNS, "playbook_path", problems))
    if problems:
        raise PreflightError(problems)
    plan.facts["transcoded"] = [str(f.readable_path) for f in (students, codebook, playbook) if f and f.readable_path]
    plan.statements.append(_input_facts_sql(files))
    return plan


def event_feature_names(config: dict) -> list[str]:
    """Names of the event features the configuration produces (derived features may read them)."""
    if not (config.get("events_path") or config.get("score_events_path")):
        return []
    return list(events.feature_names(config))


def _check_events(config: dict, header: list[str], scoring: bool, stored_model: dict | None, workdir: Path,
                  problems: list[str], notices: list[str], project_dir: Path,
                  students_sql: str) -> tuple[str, dict] | None:
    """Open and check the event log (events_path, or score_events_path when scoring), adding its problems.

    Returns the statement that creates the view inputs.events and its input_files row, whose facts hold
    the layout stg_events reads; None without an event log. A scoring run of a model fitted with event
    features needs an event log, or every student would silently get the values of a student without
    events.
    With a usable layout it also measures which student records the log covers (events.coverage) and
    says so in a notice when it is not all of them."""
    var_name = "score_events_path" if scoring else "events_path"
    path = config.get(var_name)
    stored_events = [c["column_name"] for c in (stored_model or {}).get("columns") or [] if c.get("origin") == "events"]
    if scoring and stored_events and not path:
        problems.append(f"the stored persona model was fitted with event features ({', '.join(stored_events[:3])}"
                        f"{', ...' if len(stored_events) > 3 else ''}): give the event log of the students being scored "
                        "as score_events_path (make score ... EVENTS=events.csv)")
    if not path:
        return None
    declared = config.get("event_columns") if isinstance(config.get("event_columns"), dict) else {}
    if declared.get("term") and not config.get("term_column"):
        problems.append(f"event_columns.term is '{declared['term']}', but the student file has no term_column: declare "
                        "the student file's term column too (one row per student and term), or set event_columns.term "
                        "to null to read the event log as one period")
    elif config.get("term_column") and declared and not declared.get("term"):
        problems.append(f"the student file has a term column ('{config['term_column']}') but event_columns.term is not "
                        "set: name the event log's term column, so each term's record gets that term's events")
    clashes = [name for name in events.feature_names(config) if name in (header or [])]
    for name in clashes:
        problems.append(f"column '{name}' of the student file has the name of an event feature; rename it")
    opened = _open(path, f"{var_name} '{path}'", config, workdir, problems, notices, project_dir)
    if opened is None:
        return None
    relation = events.relation_sql(opened)
    with duckdb.connect() as connection:
        try:
            layout, found = events.event_log_layout(connection, relation, {**config, "events_path": str(path)})
        except duckdb.Error as error:
            layout, found = None, [f"{var_name} '{path}' cannot be read: {str(error).splitlines()[0]}"]
        covered = None
        if layout is not None and not found:
            try:
                covered = events.coverage(connection, students_sql, relation, layout, config, header)
            except duckdb.Error as error:
                notices.append(f"the event log's coverage of the students could not be measured: "
                               f"{str(error).splitlines()[0]}")
    problems.extend(f"{var_name}: {problem}" if not problem.startswith("the event log") else problem for problem in found)
    if layout is None:
        return None
    notices.append(f"event log '{path}': time column '{layout['time']}' read as {layout['time_reading']['description']}")
    coverage_line = events.coverage_notice(covered) if covered else None
    if coverage_line:
        notices.append(coverage_line)
    row = {"input": "events", "path": str(opened.path), "format": opened.format, "encoding": opened.encoding,
           "delimiter": opened.delimiter, "records_counted": None, "notices": list(opened.notices),
           "facts": {"event_layout": layout, "coverage": covered}}
    return f"create or replace view inputs.events as select * from {relation}", row


def _scoring_config(config: dict, stored_model: dict, header: list[str], problems: list[str]) -> dict:
    """The roles a scoring run reads the new file with: the stored model's, not the current vars'."""
    columns = stored_model.get("columns") or []
    stored = dict(config)
    stored["id_column"] = [c["column_name"] for c in columns if c["role"] == "id"] or None
    terms = [c["column_name"] for c in columns if c["role"] == "term"]
    stored["term_column"] = terms[0] if terms and terms[0] in header else None
    for var in ("label_column", "label_expression", "protected_columns", "excluded_columns", "feature_columns",
                "peer_profile_columns", "report_bivariate_pairs", "protected_bins", "derived_features"):
        stored[var] = None if var not in ("protected_columns", "excluded_columns") else []
    stored["categorical_columns"] = {}
    stored["range_rules"] = {}
    stored["missing_values"] = {**(config.get("missing_values") or {}), "columns": {}}
    stored["clip_outliers"] = {**(config.get("clip_outliers") or {}), "columns": {}}
    version = stored_model.get("model_version", "?")
    for column in columns:
        if column["role"] in ("id", "feature") and column.get("origin", "input") == "input" \
                and column["column_name"] not in header:
            problems.append(f"column '{column['column_name']}' ({column['role']} of persona model {version}) is not in "
                            f"score_students_path." + _close(column["column_name"], header)
                            + f" Columns found: {', '.join(header)}")
    return stored


def output_folder_problems(config: dict) -> list[str]:
    """Output folders this product may not replace (an existing, non-empty folder it did not create)."""
    found = []
    for name in ("exports_dir", "reports_dir"):
        try:
            publish.check_output_folder(Path(config[name]))
        except publish.PublishError as error:
            found.append(f"{name}: {error}")
    return found


def prepare_json(request_json: str) -> str:
    """The SQL function behind the on-run-start hook: a JSON request in, a JSON plan (or problems) out.

    The request holds the vars given with --vars; the settings are resolved here (student_personas.
    configuration: --vars, else the vars file, else the project default) and written to inputs.settings."""
    request = json.loads(request_json)
    project_dir = Path(request["project_dir"])
    given = request.get("given") or {}
    try:
        config, origins, path = configuration.resolve(given, project_dir, Path(request["published_path"]))
    except configuration.ConfigurationProblem as problem:
        error = PreflightError([str(problem)])
        return json.dumps({"problems": error.problems, "message": str(error)})
    named = set(given) | {name for name, origin in origins.items() if origin == "file"}
    try:
        folder_problems = output_folder_problems(config)
        if folder_problems:
            raise PreflightError(folder_problems)
        plan = prepare(config, named, project_dir, Path(request["workdir"]), request.get("stored_model"), origins)
    except PreflightError as error:
        return json.dumps({"problems": error.problems, "message": str(error)})
    shown = path.relative_to(project_dir) if path.is_relative_to(project_dir) else path
    overridden = sorted(name for name in given if name != configuration.CONFIG_FILE_VAR)
    plan.notices.insert(0, f"configuration: {shown}" + (f", with {', '.join(overridden)} from --vars" if overridden else ""))
    return plan.as_json()
