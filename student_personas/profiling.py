"""Start from a file: read a new institution's student file and write a commented vars file for review.

`make profile STUDENTS=file.csv OUT=my_vars.yml` reads the file the way a build does (see
:mod:`student_personas.inputs`), profiles at most `scan_rows` rows in DuckDB and writes:

- the roles it is confident about, declared: the id (one column whose values are all distinct, or the
  smallest combination of id-like columns that is unique; a term column is offered as the term rather
  than folded into it), a label (a column named like an outcome with a handful of values, with the value
  that names the outcome as positive, and label_name from that value), protected and socioeconomic
  attributes by meaning (PROTECTED_MEANINGS: sex, ethnicity, nationality, age, disability or special needs,
  parental education or occupation, income, lunch, scholarship or debt, ...), each with why, integer-coded
  columns whose name says they are codes (and protected attributes held as codes) as categorical, and
  columns that may record the outcome itself as excluded, with why;
- everything else as commented suggestions with the evidence (values and counts, observed ranges, other
  label candidates);
- a support-playbook skeleton for the file's feature columns beside it (actions left empty until written).

The result builds as it is (`make run VARS=my_vars.yml`); review it before trusting the personas.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from student_personas import rules
from student_personas.configuration import project_defaults
from student_personas.inputs import open_input, read_sql, sql_identifier

# Protected and socioeconomic attributes by meaning: (what the column records, name pattern). A column's name
# is compared in a plain form (lower case, every other character '_'), so "Mother's qualification" reads as
# mother_s_qualification. Such a column is proposed as protected (fairness tables only, never a feature),
# with the meaning as the reason.
PROTECTED_MEANINGS = [
    ("sex or gender", r"(^|_)(gender|sex)(_|$)"),
    ("race or ethnicity", r"(^|_)(ethnic\w*|race|racial)(_|$)"),
    ("nationality or citizenship", r"(^|_)(nationality|nacionality|citizenship|international|immigra\w*|native)(_|$)"
                                   r"|place_of_birth|country_of_birth|birth_?(country|place)"),
    ("age", r"(^|_)(age|age_band|age_at_\w+|date_of_birth|birth_?year)(_|$)"),
    ("disability or special needs", r"disabilit|special_needs|(^|_)sen(_|$)|impairment"),
    ("parental education or occupation", r"parent\w*(edu|qual|occup|job)|(mother|father)\w*(edu|qual|occup|job)"
                                         r"|(^|_)(medu|fedu|mjob|fjob)(_|$)"),
    ("socioeconomic (income, free or reduced lunch, scholarship, debt, deprivation)",
     r"socio_?economic|(^|_)ses(_|$)|income|poverty|lunch|scholarship|bursary|debt\w*|tuition|fees|(^|_)imd|"
     r"deprivation|first_?gen\w*|pell"),
    ("marital status", r"marital"),
    ("religion", r"religio"),
]


def plain_name(name: str) -> str:
    """A column name as the meaning patterns read it: lower case, runs of other characters as one '_'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def protected_meaning(name: str) -> str | None:
    """What a protected or socioeconomic column records, by its name; None for any other column."""
    plain = plain_name(name)
    return next((meaning for meaning, pattern in PROTECTED_MEANINGS if re.search(pattern, plain)), None)


# Names that say "outcome" outright rank before names that only may ("status", "result").
STRONG_LABEL_NAMES = re.compile(r"(target|outcome|label|dropout|drop_?out|withdraw|churn|risk)", re.IGNORECASE)
WEAK_LABEL_NAMES = re.compile(r"(result|status|pass|final|class)", re.IGNORECASE)
COUNT_NAMES = re.compile(r"(failed|number|count|total|hours|score|credit|units|grade|age|absences|times|visits)",
                         re.IGNORECASE)
# Values that name the outcome, in order of preference (a withdrawal is the dropout of an enrolment file,
# where Fail is also an outcome; "1/yes/true" name it in a 0/1 column).
POSITIVE_VALUES = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"^(dropout|drop.?out|dropped)$", r"^withdrawn?$", r"^(at.?risk|left|churned?)$", r"^fail(ed)?$",
    r"^(1|yes|y|true)$")]
CODE_NAMES = re.compile(r"(code|mode|status|course|type|category|qualification|occupation|nationality|nacionality|"
                        r"marital|program|programme|school|region|order|job|reason|guardian)",
                        re.IGNORECASE)
RECORDS_OUTCOME_AUC = 0.95  # a single column that separates the label this well is taken to record it
# Staging's thresholds (the project defaults of its settings), so a proposed feature is one staging reads.
NUMERIC_SHARE = float(project_defaults()["numeric_share_threshold"])
MAX_CATEGORY_LEVELS = int(project_defaults()["max_category_levels"])


@dataclass
class ColumnProfile:
    name: str
    present: int
    distinct: int
    numeric: int
    integer: int
    minimum: float | None
    maximum: float | None
    top_values: list[tuple[str, int]] = field(default_factory=list)
    # 'identifier' for text nearly every row spells differently (names, e-mails, other ids), 'free_text' for
    # long such text (notes), else None: such a column never becomes a feature (the rule of rules.py, which
    # stg_column_roles applies to an undeclared column).
    identifies: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.present > 0 and self.numeric >= NUMERIC_SHARE * self.present


@dataclass
class Profile:
    path: Path
    rows: int
    complete: bool
    columns: list[ColumnProfile]
    id_columns: list[str] | None
    term_column: str | None
    label: tuple[str, list[str], list[str]] | None  # column, positive values, negative values
    other_label_candidates: list[ColumnProfile]
    protected: list[str]
    coded_categorical: list[str]
    possibly_coded: list[str]
    notices: list[str]
    identifying: list[str] = field(default_factory=list)  # identifier / free-text columns, excluded
    protected_meanings: dict[str, str] = field(default_factory=dict)  # protected column -> what it records
    outcome_records: dict[str, str] = field(default_factory=dict)  # column that may record the outcome -> why
    term_from_id: bool = False  # the term column was found in what would have been a composite id
    grade_series: list[str] = field(default_factory=list)  # G1, G2, G3: one measurement repeated, last = final

    @property
    def label_name(self) -> str | None:
        """How pages name the label: its positive value when that is a word ('Dropout' -> 'dropout'), else the
        column's name ('Dropout_Risk' with 1 positive -> 'dropout risk')."""
        if not self.label:
            return None
        column, positives, _ = self.label
        words = [value for value in positives if re.search(r"[a-z]", value, re.IGNORECASE)
                 and not re.match(r"^(yes|y|true)$", value.strip(), re.IGNORECASE)]
        return (words[0] if len(positives) == 1 and words else column).replace("_", " ").strip().lower()


def profile_file(path: Path, scan_rows: int = 200000) -> Profile:
    """Profile the first `scan_rows` rows of a student file (see the module docstring)."""
    path = Path(path)
    opened = open_input(path, f"'{path}'")
    with duckdb.connect() as connection:
        rules.register(connection)
        connection.execute(f"create table scan as select * from {read_sql(opened)} limit {int(scan_rows)}")
        rows = connection.execute("select count(*) from scan").fetchone()[0]
        columns = [_profile_column(connection, name) for name in opened.header]
        term_candidate = next((c for c in columns if rules.TERM_NAME.search(c.name) and 1 < c.distinct <= 40
                               and c.present == rows), None)
        id_columns = _id_columns(connection, columns, rows)
        term_from_id = False
        if id_columns and term_candidate and term_candidate.name in id_columns and len(id_columns) > 1:
            # A term is offered as the term, not folded into the id: one row per student and term.
            id_columns = [name for name in id_columns if name != term_candidate.name]
            term_from_id = True
        term = term_candidate.name if term_candidate and term_candidate.name not in (id_columns or []) else None
        meanings = {c.name: protected_meaning(c.name) for c in columns
                    if c.name not in (id_columns or []) and c.name != term}
        protected = [name for name, meaning in meanings.items() if meaning]
        label, others = _label(columns, (id_columns or []) + protected)
        outcome_records = _outcome_records(connection, columns, label, set(id_columns or []) | set(protected)
                                           | ({term} if term else set())) if label else {}
    taken = set(id_columns or []) | set(protected) | ({label[0]} if label else set()) | ({term} if term else set())
    coded = [c.name for c in columns if c.name not in taken and c.is_numeric and c.integer == c.present
             and 2 < c.distinct <= 60 and CODE_NAMES.search(c.name) and not COUNT_NAMES.search(c.name)]
    # A protected attribute held as integer codes (nationality 1-109, a parent's qualification 1-44) is
    # nominal: one group per code, never quantile groups of the code numbers. Ages stay numbers.
    coded_protected = [c.name for c in columns if c.name in protected and meanings[c.name] != "age" and c.is_numeric
                       and c.integer == c.present and 2 < c.distinct <= 200]
    possibly = [c.name for c in columns if c.name not in taken and c.name not in coded and c.is_numeric
                and c.integer == c.present and 2 < c.distinct <= 12]
    notices = list(opened.notices)
    repeated_ids = [c for c in columns
                    if rules.may_hold_student_ids(c.name) and c.present == rows and 0 < c.distinct <= rows / 3]
    repeated_ids.sort(key=lambda c: (not rules.STUDENT_NAME.search(c.name), -c.distinct))  # id_student before code_module
    if id_columns is None and repeated_ids:
        notices.append(f"'{repeated_ids[0].name}' looks like a student id but repeats ({rows:,} rows, "
                       f"{repeated_ids[0].distinct:,} ids): this may be an event log (many rows per student); pass it "
                       "as events_path instead")
    identifying = [c.name for c in columns if c.identifies and c.name not in taken and c.name not in outcome_records]
    return Profile(path, rows, rows < scan_rows, columns, id_columns, term, label, others, protected,
                   coded + coded_protected, possibly,
                   notices, identifying, {name: meanings[name] for name in protected}, outcome_records, term_from_id,
                   _grade_series(columns))


def _profile_column(connection, name: str) -> ColumnProfile:
    value = f"nullif(trim({sql_identifier(name)}), '')"
    present, distinct, numeric, integer, low, high, identifies = connection.execute(
        f"select present, distinct_count, numeric, integer, low, high, identifying_role(numeric >= "
        f"{NUMERIC_SHARE} * present and present > 0, distinct_count, present, mean_words, {MAX_CATEGORY_LEVELS}) "
        f"from (select count({value}) as present, count(distinct {value}) as distinct_count, "
        f"count(*) filter (where is_number(replace({value}, ',', '.'))) as numeric, "
        f"count(*) filter (where is_integer({value})) as integer, "
        f"min(try_cast(replace({value}, ',', '.') as double)) as low, "
        f"max(try_cast(replace({value}, ',', '.') as double)) as high, "
        f"coalesce(avg(length({value}) - length(replace({value}, ' ', '')) + 1), 0) as mean_words from scan)"
    ).fetchone()
    top = connection.execute(f"select {value}, count(*) from scan where {value} is not null group by 1 "
                             f"order by 2 desc, 1 limit 12").fetchall()
    return ColumnProfile(name, present, distinct, numeric, integer, low, high, [(str(v), n) for v, n in top],
                         identifies)


def _id_columns(connection, columns: list[ColumnProfile], rows: int) -> list[str] | None:
    """One column with a distinct value on every row (id-like names first), else the smallest combination
    (up to three columns) of id-like or low-cardinality text columns that is unique; None when there is none."""
    unique = [c for c in columns if c.present == rows and c.distinct == rows and rows > 0]
    if unique:
        unique.sort(key=lambda c: (not rules.may_hold_student_ids(c.name),
                                   not c.is_numeric or c.integer != c.present))
        return [unique[0].name]
    candidates = [c for c in columns if c.present == rows and (rules.may_hold_student_ids(c.name) or not c.is_numeric)
                  and c.distinct > 1][:8]
    for size in (2, 3):
        for combination in itertools.combinations(candidates, size):
            key = " || '|' || ".join(f"coalesce(cast({sql_identifier(c.name)} as varchar), '')" for c in combination)
            if connection.execute(f"select count(distinct {key}) from scan").fetchone()[0] == rows:
                return [c.name for c in combination]
    return None


def _grade_series(columns: list[ColumnProfile]) -> list[str]:
    """The longest run of numeric columns named one stem and a number (G1, G2, G3), in the number's order: one
    measurement taken several times, the last of which is the final one; [] when there is none."""
    series: dict[str, list[tuple[int, str]]] = {}
    for column in columns:
        match = re.match(r"^(.*?[A-Za-z_ ])(\d{1,2})$", column.name)
        if match and column.is_numeric:
            series.setdefault(match.group(1), []).append((int(match.group(2)), column.name))
    runs = [sorted(members) for members in series.values() if len(members) >= 2]
    return [name for _, name in max(runs, key=len)] if runs else []


def _outcome_records(connection, columns: list[ColumnProfile], label: tuple, taken: set) -> dict[str, str]:
    """Columns that may record the outcome itself, with why: a single-column ROC-AUC for the label of at
    least RECORDS_OUTCOME_AUC (or at most 1 - it), numbers by their values and text by their levels' label
    rates; or an earlier measurement of the label column (G1 and G2 beside a label G3). `make profile`
    excludes them by default: personas built on them would be the outcome under another name."""
    column, positives, _ = label
    positive_list = ", ".join("'" + value.replace("'", "''") + "'" for value in positives)
    target = f"(trim({sql_identifier(column)}) in ({positive_list}))::integer"
    found = {}
    stem = re.match(r"^(.*?)(\d+)$", column)
    for candidate in columns:
        if candidate.name == column or candidate.name in taken or candidate.present < 10:
            continue
        if not candidate.is_numeric and (candidate.distinct > 50 or candidate.distinct > candidate.present / 10):
            continue  # levels too few rows each: their own label rates would separate anything
        if stem and re.match(rf"^{re.escape(stem.group(1))}\d+$", candidate.name) and candidate.name != column:
            found[candidate.name] = f"an earlier measurement of {column}, the label's column"
            continue
        value = f"nullif(trim({sql_identifier(candidate.name)}), '')"
        score = (f"try_cast(replace({value}, ',', '.') as double)" if candidate.is_numeric else
                 f"avg({target}) over (partition by {value})")
        auc = connection.execute(
            f"with scored as (select {score} as score, {target} as y from scan where {value} is not null), "
            f"ranked as (select y, rank() over (order by score) + (count(*) over (partition by score) - 1) / 2.0 as r "
            f"from scored where score is not null) "
            f"select (sum(r) filter (where y = 1) - count(*) filter (where y = 1) * (count(*) filter (where y = 1) + 1) / 2.0)"
            f" / nullif(count(*) filter (where y = 1) * count(*) filter (where y = 0), 0) from ranked").fetchone()[0]
        if auc is not None and (auc >= RECORDS_OUTCOME_AUC or auc <= 1 - RECORDS_OUTCOME_AUC):
            found[candidate.name] = (f"may record the outcome itself: on its own it separates the label almost "
                                     f"perfectly (single-column ROC-AUC {max(auc, 1 - auc):.2f})")
    return found


def _label(columns: list[ColumnProfile], taken: list[str]) -> tuple[tuple | None, list[ColumnProfile]]:
    """The outcome column: named like one (strong names first), with 2-5 values, one of which names the
    outcome (1, yes, true, dropout, withdrawn, fail, ...). Other candidates are returned for comments."""
    candidates = [c for c in columns if c.name not in taken and 2 <= c.distinct <= 5
                  and (STRONG_LABEL_NAMES.search(c.name) or WEAK_LABEL_NAMES.search(c.name))
                  and not COUNT_NAMES.search(c.name)]
    candidates.sort(key=lambda c: not STRONG_LABEL_NAMES.search(c.name))
    for candidate in candidates:
        values = [v for v, _ in candidate.top_values]
        for pattern in POSITIVE_VALUES:
            positives = [v for v in values if pattern.match(v.strip())]
            if len(positives) == 1:
                return (candidate.name, positives, [v for v in values if v not in positives]), \
                    [c for c in candidates if c is not candidate]
    return None, candidates


# Characters YAML (and Python's splitlines) reads as the end of a line: a data value holding one must never
# end a comment line or a plain scalar, or the rest of the value would become a line of the vars file.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class _Block(dict):
    """A mapping written one entry per line (the vars file itself, categorical_columns)."""


class _VarsDumper(yaml.SafeDumper):
    """The YAML serializer of vars files: nested lists and mappings on one line ([a, b]), a text holding a
    line break double-quoted with escapes, so every value is exactly the serializer's and round-trips."""


_VarsDumper.add_representer(_Block, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value.items(), flow_style=False))
_VarsDumper.add_representer(dict, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value.items(), flow_style=True))
_VarsDumper.add_representer(list, lambda dumper, value: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", value, flow_style=True))
_VarsDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style='"' if any(c in value for c in LINE_BREAKS) else None))


# The settings a profiled vars file declares (every other line is a comment).
WRITTEN_SETTINGS = ("students_path", "playbook_path", "id_column", "term_column", "label_column", "label_positive_values",
                    "label_negative_values", "label_name", "protected_columns", "excluded_columns", "categorical_columns",
                    "range_rules")


def _setting(name: str, value) -> list[str]:
    """The lines of one var, written by the YAML serializer."""
    return yaml.dump(_Block({name: value}), Dumper=_VarsDumper, sort_keys=False, allow_unicode=True,
                     width=1 << 30).splitlines()


def _inline(value) -> str:
    """A value as the serializer writes it on one line (for commented-out suggestions)."""
    text = yaml.dump([value], Dumper=_VarsDumper, allow_unicode=True, width=1 << 30).strip()
    return text[1:-1]


def _comment(text: str) -> str:
    """A comment line; line breaks and other control characters inside data values are escaped, so a value
    can never end the comment and start a line of its own."""
    escaped = "".join(c.encode("unicode_escape").decode("ascii") if c in LINE_BREAKS or (ord(c) < 0x20 and c != "\t")
                      else c for c in str(text))
    return f"# {escaped}"


def _counts(column: ColumnProfile, limit: int = 8) -> str:
    return ", ".join(f"{value} {count:,}" for value, count in column.top_values[:limit])


def render_vars(profile: Profile, playbook_path: Path) -> str:
    """The commented vars file for a profile: every value written by the YAML serializer (_setting, _inline),
    every comment through _comment, so no value from the file can become a line of its own."""
    scanned = f"the {'whole file' if profile.complete else f'first {profile.rows:,} rows'} ({profile.rows:,} rows)"
    lines = [
        _comment(f"Vars for {profile.path.name}, written by `make profile` from {scanned}."),
        _comment("Review every line, then build with: make run (or make run VARS=<this file> for another file)"),
        _comment("Declared roles are what the profiler is confident about; commented lines are suggestions."),
        *[_comment(f"Note: {notice}") for notice in profile.notices],
        *_setting("students_path", str(profile.path.resolve())),
        *_setting("playbook_path", str(Path(playbook_path).resolve())),
        "",
        _comment("---- Id: one row per student (or per student and term) -------------------------------------"),
    ]
    if profile.id_columns is None:
        lines += [_comment("No column (or combination of up to three) is unique on every row: student_id is the row "
                           "number,"), _comment("which identifies students in this file only."),
                  *_setting("id_column", None)]
    elif len(profile.id_columns) == 1:
        lines += _setting("id_column", profile.id_columns[0])
    else:
        lines += [_comment("No single column is unique; together these identify a row (a composite id):"),
                  *_setting("id_column", list(profile.id_columns))]
    lines += ["", _comment("---- Term ---------------------------------------------------------------------------------")]
    if profile.term_column and profile.term_from_id:
        column = next(c for c in profile.columns if c.name == profile.term_column)
        lines += [_comment(f"'{column.name}' is a term ({_counts(column)}): rows are unique only with it, so the file "
                           "holds one row per student"),
                  _comment("and term. It is declared as the term (not folded into the id), so students are "
                           "followed from term to term:"),
                  *_setting("term_column", column.name)]
    elif profile.term_column:
        column = next(c for c in profile.columns if c.name == profile.term_column)
        lines += [_comment(f"'{column.name}' looks like a term ({_counts(column)}). Declare it to follow students "
                           "from term"),
                  _comment("to term (then the id must identify a student within a term):"),
                  _comment(f"term_column: {_inline(column.name)}")]
    else:
        lines += [_comment("No term column found: the whole file is one term."), _comment("term_column: null")]
    lines += ["", _comment("---- Label (used only after personas exist, never for fitting) ------------------------------")]
    if profile.label:
        column, positives, negatives = profile.label
        counts = _counts(next(c for c in profile.columns if c.name == column))
        lines += [_comment(f"'{column}': {counts}"), *_setting("label_column", column),
                  *_setting("label_positive_values", list(positives)),
                  *_setting("label_negative_values", list(negatives)),
                  _comment("How pages name the label (from its positive value when that is a word):"),
                  *_setting("label_name", profile.label_name)]
    elif profile.grade_series:
        final, earlier = profile.grade_series[-1], profile.grade_series[:-1]
        lines += [_comment(f"No outcome-like column, but {', '.join(profile.grade_series)} look like one grade measured "
                           f"{len(profile.grade_series)} times; a derived label on the last, e.g."),
                  _comment(f'label_expression: "{final} < 10" with label_name: "{final.lower()} below 10"'),
                  _comment(f"then leave out the earlier measurements, which record the same grade: "
                           f"excluded_columns: {_inline(earlier)}"),
                  _comment("label_column: null")]
    else:
        lines += [_comment("No outcome-like column with a value that clearly names the outcome; declare one if you "
                           "have it:"),
                  _comment("label_column: null"), _comment("label_positive_values: [...]"),
                  _comment("label_negative_values: [...]"),
                  _comment('or a derived label: label_expression: "final_grade < 10" with label_name: '
                           '"final grade below 10"')]
    for candidate in profile.other_label_candidates:
        lines.append(_comment(f"Also outcome-like: '{candidate.name}': {_counts(candidate)}"))
    lines += ["", _comment("---- Protected attributes (never model inputs; fairness tables only) -----------------------"),
              _comment("Found by meaning; remove one only if it records something else:")]
    for name in profile.protected:
        lines.append(_comment(f"'{name}': {profile.protected_meanings.get(name, 'protected')}"))
    lines += _setting("protected_columns", list(profile.protected))
    numeric_protected = [c for c in profile.columns if c.name in profile.protected and c.is_numeric and c.distinct > 10
                         and c.name not in profile.coded_categorical]
    for column in numeric_protected:
        lines.append(_comment(f"'{column.name}' is numeric ({column.minimum:g}-{column.maximum:g}): grouped into "
                              "quantile groups; or declare edges, e.g."))
        lines.append(_comment(f"protected_bins: {_inline({column.name: ['...']})}"))
    lines += ["", _comment("---- Identifying columns (never model inputs, never published by value) --------------------")]
    for name in profile.identifying:
        column = next(c for c in profile.columns if c.name == name)
        what = "free text (notes)" if column.identifies == "free_text" else "identifying text (names, e-mails, ids)"
        lines.append(_comment(f"'{name}': {what}: {column.distinct:,} distinct values in {column.present:,} cells"))
    lines += ["", _comment("---- Columns that may record the outcome (excluded: personas on them would be the outcome) --")]
    for name, why in profile.outcome_records.items():
        lines.append(_comment(f"'{name}': {why}"))
    if not profile.outcome_records:
        lines.append(_comment("None found (no column separates the label almost perfectly on its own)."))
    lines += _setting("excluded_columns", list(profile.identifying) + list(profile.outcome_records))
    lines += ["", _comment("---- Categorical features -----------------------------------------------------------------")]
    if profile.coded_categorical:
        lines += [_comment("Integer codes whose names say they are categories, and protected attributes held as codes "
                           "(levels learned"),
                  _comment("from the data, one group per code; add a codebook"),
                  _comment("CSV with columns column, code, label and set codebook_path to show their labels):")]
        for name in profile.coded_categorical:
            column = next(c for c in profile.columns if c.name == name)
            lines.append(_comment(f"{name}: {column.distinct} codes: {_counts(column, 6)}"))
        lines += _setting("categorical_columns", _Block({name: [] for name in profile.coded_categorical}))
    else:
        lines += _setting("categorical_columns", {})
    for name in profile.possibly_coded:
        column = next(c for c in profile.columns if c.name == name)
        lines.append(_comment(f"'{name}' has {column.distinct} integer values ({_counts(column, 6)}): a count or score, "
                              f"or codes? If codes: categorical_columns: {_inline({name: []})}"))
    lines += ["", _comment("---- Ranges (rows outside are rejected); observed values shown, declare only true limits ----"),
              *_setting("range_rules", {})]
    for column in profile.columns:
        if column.is_numeric and column.minimum is not None and column.name not in profile.protected \
                and column.name not in (profile.id_columns or []) and column.name not in profile.coded_categorical:
            lines.append(_comment(f"  {_inline(column.name)}: [{column.minimum:g}, {column.maximum:g}]"))
    lines += ["", _comment("---- Columns left as features (inferred numeric or categorical) --------------------------")]
    for column in feature_columns(profile):
        kind = "numeric" if column.is_numeric else f"categorical, {column.distinct} levels"
        missing = f", {profile.rows - column.present:,} missing" if column.present < profile.rows else ""
        lines.append(_comment(f"  {column.name}: {kind}{missing}"))
    return "\n".join(lines) + "\n"


def feature_columns(profile: Profile) -> list[ColumnProfile]:
    taken = set(profile.id_columns or []) | set(profile.protected) | ({profile.label[0]} if profile.label else set()) \
        | set(profile.identifying) | set(profile.outcome_records) \
        | ({profile.term_column} if profile.term_column and profile.term_from_id else set())
    return [c for c in profile.columns if c.name not in taken]


def write_playbook_skeleton(profile: Profile, path: Path) -> Path:
    """A support playbook with one row per feature column and direction, actions left empty to be written
    (rows without an action are not shown as actions)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_column", "direction", "action", "rationale"])
        for column in feature_columns(profile):
            for direction in ("below", "above"):
                writer.writerow([column.name, direction, "", ""])
    return path


class ProfileRefused(ValueError):
    """The vars file or its playbook exists and may hold the user's edits."""


def write_vars_file(students: Path, out: Path, replace: bool = False) -> Path:
    """Profile `students` and write the vars file `out` and its playbook skeleton beside it. An existing
    file is edited work: it is replaced only with `replace`."""
    out = Path(out)
    playbook = out.with_name(f"{out.stem}_playbook.csv")
    if not out.parent.is_dir():
        raise ProfileRefused(f"the folder of {out} does not exist; nothing was written")
    existing = [str(path) for path in (out, playbook) if path.exists()]
    if existing and not replace:
        raise ProfileRefused(f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''} and may hold "
                             "your edits; nothing was written. Name another file (make profile ... OUT=new_vars.yml) "
                             "or replace it (FORCE=1)")
    profile = profile_file(students)
    write_playbook_skeleton(profile, playbook)
    out.write_text(render_vars(profile, playbook), encoding="utf-8")
    return out
