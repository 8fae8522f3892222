"""Configuration checks for an event log (learning-platform clicks, views, submissions).

An event log is declared with dbt vars: `events_path` (CSV or Parquet), `event_columns` (which columns hold
the student id, or the parts of a composite id, the time, and optionally the activity type, the amount and
the term), `event_time_format`, `event_windows`, `event_activity_types_max` and `event_period_start`.
These functions list **every** problem of such a declaration at once, so that a configuration mistake
stops a build before anything is built: the preflight (student_personas/preflight.py) calls
`event_log_layout` on the file and records the layout it returns, which stg_events reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from student_personas import inputs, rules

EVENT_COLUMN_ROLES = ("student_id", "time", "activity", "amount", "term")
REQUIRED_ROLES = ("student_id", "time")
EVENT_WINDOW_KEYS = ("early_weeks", "period_weeks")


def event_column_problems(header: Sequence[str], event_columns: Mapping | None) -> list[str]:
    """Problems with `event_columns` for an event log whose columns are `header` (in file order).

    `event_columns` maps each role in EVENT_COLUMN_ROLES to a column name or null; `student_id` may be a
    list of names (the parts of a composite id). student_id and time are required; a declared column must
    be in the header (a case-only difference is pointed out), and no column may have two roles.
    Returns [] when the declaration is usable.
    """
    if not isinstance(event_columns, Mapping):
        return [f"event_columns must be a mapping with the keys {', '.join(EVENT_COLUMN_ROLES)} "
                f"(student_id and time are required), got {event_columns!r}"]
    problems = []
    for key in event_columns:
        if key not in EVENT_COLUMN_ROLES:
            problems.append(f"event_columns has an unknown key '{key}'; the keys are {', '.join(EVENT_COLUMN_ROLES)}")
    found = list(header)
    roles_of: dict[str, str] = {}
    for role in EVENT_COLUMN_ROLES:
        declared = event_columns.get(role)
        names = declared if isinstance(declared, list) and role == "student_id" else [declared]
        if declared is None or declared == [] or declared == "":
            if role in REQUIRED_ROLES:
                problems.append(f"event_columns.{role} is required: name the column of the event log that holds "
                                f"the {'student id (or a list of the parts of a composite id)' if role == 'student_id' else 'time of each event'}")
            continue
        for name in names:
            if not isinstance(name, str) or not name.strip():
                problems.append(f"event_columns.{role} must be a column name{' or a list of names' if role == 'student_id' else ''}, "
                                f"got {declared!r}")
                continue
            if name in roles_of:
                problems.append(f"column '{name}' is declared twice in event_columns ({roles_of[name]} and {role}); "
                                "a column has one role")
                continue
            roles_of[name] = role
            if found and name not in found:
                near = [column for column in found if column.lower() == name.lower()]
                hint = f" (did you mean '{near[0]}'? names are case-sensitive)" if near else ""
                problems.append(f"event_columns.{role} names '{name}', which is not a column of the event log{hint}; "
                                f"its columns are: {', '.join(found)}")
    return problems


def event_setting_problems(settings: Mapping) -> list[str]:
    """Problems with the other event vars: `event_time_format` (a strptime format such as
    '%d/%m/%Y %H:%M'), `event_windows` (early_weeks, period_weeks: positive whole numbers of weeks, or
    null), `event_activity_types_max` (a whole number >= 0) and `event_period_start` (null, a number of days
    for logs with day offsets, an ISO date or timestamp, or a mapping of term value to one of those)."""
    problems = []
    time_format = settings.get("event_time_format")
    if time_format is not None and (not isinstance(time_format, str) or "%" not in time_format):
        problems.append(f"event_time_format must be a strptime format such as '%d/%m/%Y %H:%M', got {time_format!r}")

    windows = settings.get("event_windows")
    if windows is not None and not isinstance(windows, Mapping):
        problems.append(f"event_windows must be a mapping such as {{early_weeks: 4}}, got {windows!r}")
        windows = None
    for key, value in (windows or {}).items():
        if key not in EVENT_WINDOW_KEYS:
            problems.append(f"event_windows has an unknown key '{key}'; the keys are {', '.join(EVENT_WINDOW_KEYS)}")
        elif value is not None and (not _is_whole(value) or value < 1):
            problems.append(f"event_windows.{key} must be a whole number of weeks of at least 1 (or null), got {value!r}")
    early, period = (windows or {}).get("early_weeks"), (windows or {}).get("period_weeks")
    if _is_whole(early) and _is_whole(period) and early > period:
        problems.append(f"event_windows.early_weeks ({early}) is longer than event_windows.period_weeks ({period})")

    types_max = settings.get("event_activity_types_max")
    if types_max is not None and (not _is_whole(types_max) or types_max < 0):
        problems.append(f"event_activity_types_max must be a whole number of at least 0, got {types_max!r}")

    start = settings.get("event_period_start")
    starts = start.items() if isinstance(start, Mapping) else [(None, start)]
    for term, value in starts:
        where = "event_period_start" + (f" for term '{term}'" if term is not None else "")
        if value is not None and not _is_period_start(value):
            problems.append(f"{where} must be a date or timestamp such as '2025-09-01' (or a number of days for a "
                            f"log with day offsets), got {value!r}")
    return problems


def event_configuration_problems(header: Sequence[str], has_rows: bool, settings: Mapping) -> list[str]:
    """Every problem of an event log against its declaration: the file (`header` is [] for an empty file,
    `has_rows` False when no event follows the header) and `event_columns`. (The other event vars are
    checked on their own with the settings, by event_setting_problems.)"""
    path = settings.get("events_path")
    problems = []
    if not header:
        problems.append(f"the event log '{path}' is empty (no header and no events)")
    elif not has_rows:
        problems.append(f"the event log '{path}' has a header ({', '.join(header)}) but no events")
    problems += event_column_problems(header, settings.get("event_columns"))
    return problems


FIXED_FEATURES = ("event_no_recorded_activity", "event_total_amount", "event_active_days", "event_active_week_share", "event_week_regularity",
                  "event_weekday_periodicity", "event_days_to_first")
EARLY_FEATURES = ("event_early_amount", "event_early_active_days")


def feature_names(settings: Mapping) -> list[str]:
    """The event features every event log gets (macro event_feature_definitions defines their formulas):
    the fixed ones, the early-window ones when event_windows.early_weeks is set. The activity-type shares
    (event_share_<type>) depend on the data and are listed in int_event_feature_catalog."""
    early = ((settings.get("event_windows") or {}) if isinstance(settings.get("event_windows"), Mapping) else {}).get(
        "early_weeks")
    return list(FIXED_FEATURES) + (list(EARLY_FEATURES) if early else [])


def relation_sql(input_file) -> str:
    """The DuckDB table expression the warehouse reads the event log with (the view inputs.events): a CSV
    with every option explicit and every column as text (student_personas.inputs.read_sql); a Parquet
    file with its own types, which staging keeps (a 10^8-row log is not cast to text), and its row numbers."""
    if input_file.format == "parquet":
        return f"read_parquet({inputs.sql_string(input_file.duckdb_path)}, file_row_number = true)"
    return inputs.read_sql(input_file)


TIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y%m%d %H%M%S", "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y", "%b %d %Y %H:%M:%S", "%b %d %Y",
)
"""strptime formats tried, in order, when the time column is text that is not ISO 8601."""

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def time_reading(connection, relation: str, time_column: str, column_type: str,
                 declared_format: str | None = None) -> dict:
    """How the time column of the event log `relation` (a DuckDB table expression) reads:
    {kind, format, native, description, problem}.

    kind is 'timestamp' (ISO 8601 text, a strptime format, or a native timestamp or date column),
    'day_offset' (whole or fractional days since the period start, as in course logs), 'epoch_seconds' or
    'epoch_milliseconds'. A declared format wins. Otherwise the first 2,000 non-empty values decide: numbers
    are day offsets (below 100,000) or Unix times; text is ISO 8601 or the one format of TIME_FORMATS that
    reads most of them; when several read all of the sample (a time-ordered log starts with days 1 to 12)
    the whole column decides. An unrecognised or ambiguous column gets a `problem` in words."""
    if declared_format:
        return {"kind": "timestamp", "format": declared_format, "native": False,
                "description": f"timestamps in the format '{declared_format}'", "problem": None}
    native_type = column_type.split("(")[0].upper()
    if native_type.startswith("TIMESTAMP") or native_type == "DATE":
        return {"kind": "timestamp", "format": None, "native": True, "description": f"{native_type.lower()} values",
                "problem": None}
    column = _quote(time_column)
    parsed = ", ".join(f"count(try_strptime(value, {_literal(f)}))" for f in TIME_FORMATS)
    row = connection.execute(f"""
        with sample as (
            select trim(cast({column} as varchar)) as value from {relation}
            where {column} is not null and trim(cast({column} as varchar)) <> '' limit 2000)
        select count(*), count(case when regexp_full_match(value, '{rules.NUMBER_PATTERN}') then 1 end),
               max(abs(try_cast(value as double))), count(try_cast(value as timestamp)),
               count(case when regexp_full_match(value, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') then 1 end),
               {parsed}, list(value)[1:3]
        from sample""").fetchone()
    sampled, numeric, largest, iso, iso_dates = row[:5]
    counts, examples = list(row[5:-1]), "', '".join(row[-1] or [])
    if sampled == 0:
        return {"kind": "timestamp", "format": None, "native": False, "description": "timestamps",
                "problem": f"the time column '{time_column}' is empty in the first events of the log"}
    is_native_number = native_type in NUMERIC_TYPES
    if is_native_number or numeric == sampled:
        if largest < 100_000:
            return {"kind": "day_offset", "format": None, "native": is_native_number,
                    "description": "day offsets (days since the period start)", "problem": None}
        if 1e8 <= largest < 1e11:
            return {"kind": "epoch_seconds", "format": None, "native": is_native_number,
                    "description": "Unix times in seconds", "problem": None}
        if 1e11 <= largest < 1e14:
            return {"kind": "epoch_milliseconds", "format": None, "native": is_native_number,
                    "description": "Unix times in milliseconds", "problem": None}
        return {"kind": "day_offset", "format": None, "native": False, "description": "numbers",
                "problem": f"the time column '{time_column}' holds numbers up to {largest:g} (e.g. '{examples}'): too "
                           "large for day offsets, too small for Unix times; set event_time_format or convert the column"}
    if iso == sampled:
        return {"kind": "timestamp", "format": None, "native": False,
                "description": "ISO 8601 " + ("dates" if iso_dates == sampled else "timestamps"), "problem": None}
    best_count = max([iso] + counts)
    if best_count * 2 < sampled:
        return {"kind": "timestamp", "format": None, "native": False, "description": "timestamps",
                "problem": f"the format of the time column '{time_column}' is not recognised (e.g. '{examples}'): set "
                           "event_time_format to its strptime format, e.g. '%d/%m/%Y %H:%M'"}
    if iso == best_count:
        return {"kind": "timestamp", "format": None, "native": False, "description": "ISO 8601 timestamps",
                "problem": None}
    candidates = [f for f, n in zip(TIME_FORMATS, counts) if n == best_count]
    if len(candidates) > 1:
        whole = connection.execute("select " + ", ".join(
            f"count(try_strptime(trim(cast({column} as varchar)), {_literal(f)}))" for f in candidates)
            + f" from {relation}").fetchone()
        most = max(whole)
        candidates = [f for f, n in zip(candidates, whole) if n == most]
        if len(candidates) > 1:
            return {"kind": "timestamp", "format": candidates[0], "native": False, "description": "timestamps",
                    "problem": f"the time column '{time_column}' reads in more than one format (its values, e.g. "
                               f"'{examples}', all fit both '{candidates[0]}' and '{candidates[1]}'): set "
                               "event_time_format to the right one"}
    return {"kind": "timestamp", "format": candidates[0], "native": False,
            "description": f"timestamps in the format '{candidates[0]}'", "problem": None}


def period_start_problems(settings: Mapping, reading: dict) -> list[str]:
    """Problems of event_period_start and event_windows.period_weeks given how the time column reads: a
    period start must be a number of days for day offsets and a date otherwise, and a fixed period length
    needs a declared start unless the times are day offsets."""
    time_column = (settings.get("event_columns") or {}).get("time")
    start = settings.get("event_period_start")
    starts = start.items() if isinstance(start, Mapping) else [(None, start)]
    problems = []
    for term, value in starts:
        if value is None:
            continue
        where = "event_period_start" + (f" for term '{term}'" if term is not None else "")
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if reading["kind"] == "day_offset" and not is_number:
            problems.append(f"{where} is '{value}', but the time column '{time_column}' holds day offsets: give the "
                            "period start as a number of days")
        elif reading["kind"] != "day_offset" and is_number:
            problems.append(f"{where} is {value}, but the time column '{time_column}' holds {reading['description']}: "
                            "give the period start as a date such as '2025-09-01'")
    period_weeks = (settings.get("event_windows") or {}).get("period_weeks")
    if period_weeks and reading["kind"] != "day_offset" and start is None:
        problems.append(f"event_windows.period_weeks needs event_period_start when the time column '{time_column}' "
                        f"holds {reading['description']} (the period would otherwise start at each term's first event, "
                        "which is not known row by row)")
    return problems


def event_log_layout(connection, relation: str, settings: Mapping) -> tuple[dict, list[str]]:
    """How the event log `relation` (a DuckDB table expression over the file) is read, and every problem of
    its declaration at once: the file (empty, no events), event_columns against its header, the other
    event vars, how the time column reads and whether the period start fits it.

    The layout (a JSON-safe dict) is what staging needs: the declared columns of each role (student_id a
    list), the type of every column of the file, and the time reading. It is None when there are problems."""
    described = connection.execute(f"describe select * from {relation}").fetchall()
    types = {name: str(type_name).upper() for name, type_name, *_ in described}
    header = [name for name in types if name != "file_row_number"]
    has_rows = connection.execute(f"select count(*) from (select 1 from {relation} limit 1)").fetchone()[0] > 0
    problems = event_configuration_problems(header, has_rows, settings)
    declared = settings.get("event_columns") if isinstance(settings.get("event_columns"), Mapping) else {}
    time_column = declared.get("time")
    if not isinstance(time_column, str) or time_column not in types or not has_rows:
        return None, problems
    # The time column is read even when other declarations are wrong, so its problem is listed with theirs.
    reading = time_reading(connection, relation, time_column, types[time_column], settings.get("event_time_format"))
    problems += ([reading["problem"]] if reading["problem"] else []) + period_start_problems(settings, reading)
    if problems:
        return None, problems
    student_id = declared.get("student_id")
    layout = {
        "student_id": student_id if isinstance(student_id, list) else [student_id],
        "time": time_column,
        "activity": declared.get("activity"),
        "amount": declared.get("amount"),
        "term": declared.get("term"),
        "types": types,
        "time_reading": reading,
    }
    return layout, []


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_period_start(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, (dt.date, dt.datetime)):
        return True
    if isinstance(value, str):
        try:
            dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    return False


MODULE_NAME_PATTERN = re.compile(
    r"module|course|class|subject|section|presentation|programme|program|cohort|school|campus|department|faculty",
    re.IGNORECASE)
COVERAGE_SUGGESTION_BELOW = 0.5  # under this share covered, the notice suggests event_fit_covered_only
LEVELS_SHOWN = 8


def _key_sql(columns: Sequence[str]) -> str:
    """A student key as text: one column trimmed, or the trimmed parts joined with '|' (as staging does)."""
    parts = [f"nullif(trim(cast({_quote(column)} as varchar)), '')" for column in columns]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def _holds_text(connection, relation: str, column: str) -> bool:
    """Whether some value of `column` is not a number: a course code, not a count such as Courses_Failed."""
    return connection.execute(
        f"select count(*) > 0 from (select 1 from {relation} where try_cast(trim(cast({_quote(column)} as varchar)) "
        f"as double) is null and nullif(trim(cast({_quote(column)} as varchar)), '') is not null limit 1)").fetchone()[0]


def coverage(connection, students_sql: str, events_sql: str, layout: Mapping, settings: Mapping,
             header: Sequence[str]) -> dict | None:
    """Which students the event log covers, measured before the build: the share of student records
    (id and term) with at least one event of theirs in the log, overall, per term, and per value of each
    module-like column of the student file (a name such as course, module or presentation, with 2-50 values
    and text ones or declared categorical, so a count such as Courses_Failed is not one; never a protected
    or label column, whose counts by group are not published). A log that covers some courses or terms only is common (a platform used by a few modules);
    the personas should not become "covered" against "not covered" without the user knowing.

    Returns {"records", "covered", "share", "by": {column: [[value, records, covered], ...]}}, or None when
    the student file has no id column (its row numbers cannot match an event log)."""
    id_columns = settings.get("id_column")
    id_columns = id_columns if isinstance(id_columns, list) else ([id_columns] if id_columns else [])
    if not id_columns or not all(column in header for column in id_columns):
        return None
    term = settings.get("term_column") if settings.get("term_column") in header else None
    event_term = layout.get("term") if term else None
    protected = settings.get("protected_columns") or []
    excluded = set(id_columns) | {term, settings.get("label_column")} | set(protected if isinstance(protected, list) else [protected])
    declared = settings.get("categorical_columns") if isinstance(settings.get("categorical_columns"), Mapping) else {}
    modules = [column for column in header if column not in excluded and MODULE_NAME_PATTERN.search(column)
               and (column in declared or _holds_text(connection, students_sql, column))]
    term_sql = f"nullif(trim(cast({_quote(term)} as varchar)), '')" if term else "'all'"
    event_term_sql = f"nullif(trim(cast({_quote(event_term)} as varchar)), '')" if event_term else "'all'"
    module_sql = "".join(f", nullif(trim(cast({_quote(c)} as varchar)), '') as m{i}" for i, c in enumerate(modules))
    connection.execute(f"""
        create or replace temp table coverage_records as
        with records as (
            select {_key_sql(id_columns)} as student_id, {term_sql} as term{module_sql} from {students_sql}
        ),
        covered as (
            select distinct {_key_sql(layout["student_id"])} as student_id, {event_term_sql} as term
            from {events_sql}
        )
        select records.*, covered.student_id is not null as is_covered
        from records left join covered using (student_id, term)
        where records.student_id is not null""")
    records, covered = connection.execute(
        "select count(*), count(*) filter (where is_covered) from coverage_records").fetchone()
    by: dict[str, list] = {}
    for name, expression in ([(term, "term")] if term else []) + [(c, f"m{i}") for i, c in enumerate(modules)]:
        rows = connection.execute(
            f"select {expression}, count(*), count(*) filter (where is_covered) from coverage_records "
            f"group by 1 order by count(*) filter (where is_covered) / count(*), 1 nulls last").fetchall()
        if 2 <= len(rows) <= 50:
            by[name] = [[value, n, c] for value, n, c in rows]
    connection.execute("drop table coverage_records")
    return {"records": records, "covered": covered, "share": covered / records if records else 0.0, "by": by}


def coverage_notice(found: Mapping) -> str | None:
    """One line for the preflight: the share of student records the log covers and, where it is not all,
    the values of the term and module-like columns it covers least; None when it covers every record."""
    if found["covered"] == found["records"]:
        return None
    parts = [f"the event log covers {found['share']:.0%} of the student records ({found['covered']:,} of "
             f"{found['records']:,} have an event)"]
    for column, rows in found["by"].items():
        shares = [covered / n for _, n, covered in rows]
        if max(shares) - min(shares) < 0.1:
            continue  # about even across this column's values: nothing to point at
        shown = ", ".join(f"{value} {covered / n:.0%}" for value, n, covered in rows[:LEVELS_SHOWN])
        more = f" (+{len(rows) - LEVELS_SHOWN} more)" if len(rows) > LEVELS_SHOWN else ""
        parts.append(f"by {column}: {shown}{more}")
    line = "; ".join(parts) + ". Students without events get event_no_recorded_activity = 1 and no timing values"
    if found["share"] < COVERAGE_SUGGESTION_BELOW:
        line += ("; with so few covered, consider event_fit_covered_only: true (fit the personas on the covered "
                 "students; the others are placed with their event features missing)")
    return line + "."
