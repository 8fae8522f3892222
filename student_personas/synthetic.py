"""Seeded synthetic student records with planted structure.

The built-in default data of the warehouse comes from here. It has the same 23 columns, types and value
ranges as the public 1,000-student management dataset the persona method was first applied to, but unlike
that file (whose features are close to independent noise) it carries **planted structure**: five latent
student patterns with distinct academic, engagement and behaviour profiles, plus noise. A rare context
label (about 2%) is more frequent in some patterns, and protected attributes relate to the patterns only
weakly. That makes the pipeline testable: personas should recover the planted patterns.

The planted pattern of each student is returned separately and written to its own file. It exists for
tests only and is never a model input.

The generator also writes a learning-platform **event log** for the same students (`--events-out`), whose
engagement follows the planted patterns and adds a sixth, event-only pattern that the student records cannot
show, and **several terms** (`--terms`) in which students move between patterns with planted transition
probabilities; the planted patterns and realised transitions are written beside each output.

Command line::

    python -m student_personas.synthetic --rows 1000000 --out data/students_1m.csv
    python -m student_personas.synthetic --rows 100000 --out data/students.csv \
        --events-out data/events.parquet --events-per-student 100 --terms 3
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
import pyarrow.parquet as pa_parquet

DEFAULT_SEED = 20261122

# Column order of the reference dataset.
COLUMNS = (
    "Student_ID", "Age", "Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level",
    "Disability_Status", "GPA", "Past_Academic_Performance", "Current_Semester_Performance",
    "Courses_Failed", "Credits_Completed", "Study_Hours_per_Week", "Attendance_Rate",
    "Number_of_Late_Submissions", "Class_Participation_Score", "Online_Learning_Hours",
    "Library_Usage_Hours", "Disciplinary_Actions", "Social_Engagement_Score", "Mental_Health_Score",
    "Extracurricular_Activities", "Dropout_Risk",
)


@dataclass(frozen=True)
class NumericColumn:
    """A numeric column: values live in [low, high]; `decimals` None keeps full float precision."""

    name: str
    low: float
    high: float
    decimals: int | None  # 0 = integer column


NUMERIC_COLUMNS = (
    NumericColumn("Age", 18, 29, 0),
    NumericColumn("GPA", 1.5, 4.0, 2),
    NumericColumn("Current_Semester_Performance", 50, 99, 0),
    NumericColumn("Courses_Failed", 0, 4, 0),
    NumericColumn("Credits_Completed", 10, 119, 0),
    NumericColumn("Study_Hours_per_Week", 5, 39, 0),
    NumericColumn("Attendance_Rate", 50, 100, None),
    NumericColumn("Number_of_Late_Submissions", 0, 9, 0),
    NumericColumn("Class_Participation_Score", 0, 10, None),
    NumericColumn("Online_Learning_Hours", 0, 20, None),
    NumericColumn("Library_Usage_Hours", 0, 15, None),
    NumericColumn("Disciplinary_Actions", 0, 2, 0),
    NumericColumn("Social_Engagement_Score", 0, 10, None),
    NumericColumn("Mental_Health_Score", 1, 10, None),
    NumericColumn("Extracurricular_Activities", 0, 4, 0),
)

PAST_PERFORMANCE_LEVELS = ("Below Average", "Average", "Above Average")

# Protected attributes: levels and cohort shares (the reference file's spelling, typographic apostrophe
# included, so that the warehouse's text normalisation is exercised by its own default data).
GENDER = (("Female", "Male", "Other"), (0.50, 0.46, 0.04))
ETHNICITY = (("Hispanic", "Other", "Asian", "White", "Black"), (0.22, 0.21, 0.20, 0.19, 0.18))
SES_LEVELS = ("Low", "Medium", "High")
PARENTAL_EDUCATION_LEVELS = ("High School", "Bachelor\u2019s", "Master\u2019s", "PhD")


@dataclass(frozen=True)
class Pattern:
    """One planted student pattern.

    `centers` gives, for the columns that characterise the pattern, the typical value on a 0-1 scale of
    the column's range; other columns are broad noise around the middle. Protected-attribute shares
    differ only slightly between patterns (weak association by design).
    """

    name: str
    weight: float
    centers: dict[str, float]
    past_performance: tuple[float, float, float]
    label_rate: float
    ses: tuple[float, float, float] = (0.30, 0.50, 0.20)
    parental_education: tuple[float, float, float, float] = (0.42, 0.38, 0.15, 0.05)
    disability_rate: float = 0.10


PATTERNS = (
    Pattern(
        "steady on-campus",
        0.26,
        {"GPA": 0.85, "Current_Semester_Performance": 0.80, "Courses_Failed": 0.10,
         "Study_Hours_per_Week": 0.70, "Attendance_Rate": 0.88, "Number_of_Late_Submissions": 0.12,
         "Class_Participation_Score": 0.80, "Online_Learning_Hours": 0.25, "Library_Usage_Hours": 0.55,
         "Disciplinary_Actions": 0.10},
        (0.10, 0.40, 0.50),
        0.004,
        ses=(0.27, 0.50, 0.23),
    ),
    Pattern(
        "online-first",
        0.22,
        {"Age": 0.75, "Attendance_Rate": 0.25, "Online_Learning_Hours": 0.90, "Library_Usage_Hours": 0.15,
         "Class_Participation_Score": 0.30, "Social_Engagement_Score": 0.25, "Extracurricular_Activities": 0.15,
         "Credits_Completed": 0.55},
        (0.30, 0.50, 0.20),
        0.015,
        disability_rate=0.13,
    ),
    Pattern(
        "early-program, socially active",
        0.20,
        {"Age": 0.12, "Credits_Completed": 0.12, "Social_Engagement_Score": 0.88,
         "Extracurricular_Activities": 0.88, "Study_Hours_per_Week": 0.30, "Library_Usage_Hours": 0.35},
        (0.30, 0.50, 0.20),
        0.010,
        parental_education=(0.38, 0.40, 0.16, 0.06),
    ),
    Pattern(
        "deadline-pressured",
        0.18,
        {"Number_of_Late_Submissions": 0.88, "GPA": 0.25, "Courses_Failed": 0.80,
         "Current_Semester_Performance": 0.30, "Attendance_Rate": 0.50, "Study_Hours_per_Week": 0.25,
         "Disciplinary_Actions": 0.70, "Class_Participation_Score": 0.35},
        (0.60, 0.35, 0.05),
        0.060,
        ses=(0.35, 0.48, 0.17),
    ),
    Pattern(
        "independent, library-centred",
        0.14,
        {"Library_Usage_Hours": 0.92, "Study_Hours_per_Week": 0.88, "Social_Engagement_Score": 0.15,
         "Extracurricular_Activities": 0.20, "Credits_Completed": 0.85, "GPA": 0.70, "Age": 0.60},
        (0.20, 0.45, 0.35),
        0.004,
    ),
)

CHARACTERISTIC_NOISE = 0.11  # spread (0-1 scale) around a pattern's characteristic values
BACKGROUND_NOISE = 0.24  # spread of columns that do not characterise the pattern


def _choose(rng: np.random.Generator, levels: tuple[str, ...], shares, size: int) -> np.ndarray:
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=size, p=shares)]


def generate_students(n_rows: int, seed: int = DEFAULT_SEED) -> tuple[pa.Table, np.ndarray]:
    """Return `n_rows` synthetic students (an Arrow table in the reference column order) and the planted
    pattern index of each row (0-based, same order). Same `n_rows` and `seed` give identical output."""
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}")
    rng = np.random.default_rng(seed)
    weights = np.array([p.weight for p in PATTERNS])
    pattern = rng.choice(len(PATTERNS), size=n_rows, p=weights / weights.sum())
    columns = _student_records(rng, pattern)
    table = pa.table({name: columns[name] for name in COLUMNS})
    return table, pattern


def _student_records(rng: np.random.Generator, pattern: np.ndarray) -> dict[str, np.ndarray]:
    """The columns of one student record per entry of `pattern` (planted pattern ids), drawn from `rng`."""
    n_rows = pattern.size
    members = [np.flatnonzero(pattern == i) for i in range(len(PATTERNS))]

    columns: dict[str, np.ndarray] = {"Student_ID": np.arange(1, n_rows + 1, dtype=np.int64)}

    # Numeric columns: a normal draw on the 0-1 scale around the pattern's centre, clipped to the range.
    for spec in NUMERIC_COLUMNS:
        center = np.array([p.centers.get(spec.name, 0.5) for p in PATTERNS])[pattern]
        spread = np.array(
            [CHARACTERISTIC_NOISE if spec.name in p.centers else BACKGROUND_NOISE for p in PATTERNS]
        )[pattern]
        unit = np.clip(rng.normal(center, spread), 0.0, 1.0)
        values = spec.low + unit * (spec.high - spec.low)
        if spec.decimals is None:
            columns[spec.name] = values
        elif spec.decimals == 0:
            columns[spec.name] = np.rint(values).astype(np.int64)
        else:
            columns[spec.name] = np.round(values, spec.decimals)

    # Categorical and label columns, drawn per pattern (a loop over the five patterns, not over students).
    past = np.empty(n_rows, dtype=object)
    ses = np.empty(n_rows, dtype=object)
    parental = np.empty(n_rows, dtype=object)
    disability = np.empty(n_rows, dtype=np.int64)
    label = np.empty(n_rows, dtype=np.int64)
    for spec, rows in zip(PATTERNS, members):
        size = rows.size
        past[rows] = _choose(rng, PAST_PERFORMANCE_LEVELS, spec.past_performance, size)
        ses[rows] = _choose(rng, SES_LEVELS, spec.ses, size)
        parental[rows] = _choose(rng, PARENTAL_EDUCATION_LEVELS, spec.parental_education, size)
        disability[rows] = rng.random(size) < spec.disability_rate
        label[rows] = rng.random(size) < spec.label_rate
    columns["Gender"] = _choose(rng, *GENDER, n_rows)
    columns["Ethnicity"] = _choose(rng, *ETHNICITY, n_rows)
    columns["Socioeconomic_Status"] = ses
    columns["Parental_Education_Level"] = parental
    columns["Disability_Status"] = disability
    columns["Past_Academic_Performance"] = past
    columns["Dropout_Risk"] = label
    return columns


def write_students(
    out: Path, n_rows: int, seed: int = DEFAULT_SEED, patterns_out: Path | None = None
) -> tuple[Path, Path]:
    """Write `n_rows` students to `out` (CSV, or Parquet when the suffix is .parquet) and the planted
    pattern ids to `patterns_out` (default: `<out stem>_planted_patterns.csv` beside `out`)."""
    out = Path(out)
    patterns_out = Path(patterns_out) if patterns_out else out.with_name(f"{out.stem}_planted_patterns.csv")
    table, pattern = generate_students(n_rows, seed)
    _write_table(table, out)
    planted = _pattern_table(table.column("Student_ID"), None, pattern, [p.name for p in PATTERNS])
    _write_planted(pa.table(planted), patterns_out)
    return out, patterns_out


# ---- Event logs and terms ------------------------------------------------------------------------
#
# An event log (one row per learning-platform event: student, time, activity type, clicks) whose planted
# engagement patterns follow the student patterns above, plus one **event-only** pattern: part of the
# "steady on-campus" students start late and cram at the end of the term. Their student records are drawn
# exactly like the other steady on-campus students (the student file cannot show the difference); only
# their events can. Several terms follow the planted patterns through a transition matrix.

ACTIVITY_TYPES = ("page", "video", "quiz", "forum", "assignment", "resource", "wiki", "glossary")
WEEKDAYS = 7
TERM_START = np.datetime64("2025-09-01", "D")  # a Monday: day 0 of the first term
TERM_GAP_WEEKS = 3  # weeks between the end of one term and the start of the next
DEFAULT_TERM_WEEKS = 15
DEFAULT_EVENTS_PER_STUDENT = 100
INACTIVE_SHARE = 0.005  # students without a single event in a term (so "no events" is exercised)
ACTIVITY_SPREAD = 0.4  # log-normal spread of a student's own activity level around their pattern's
LATE_STARTER_SHARE = 0.45  # share of the steady on-campus students who follow the event-only pattern
EVENT_TIME_KINDS = ("timestamp", "date", "day")  # how the time column is written


@dataclass(frozen=True)
class EventBehaviour:
    """How the students of one planted pattern use the learning platform.

    `week_profile(x)` gives the relative activity at position x in [0, 1] of the term (first to last week);
    weekday weights run Monday to Sunday; activity weights follow ACTIVITY_TYPES. `rate` scales the number
    of events relative to the other patterns, `clicks` is the mean amount (clicks) of one event.
    """

    name: str
    record_pattern: int  # index in PATTERNS: the student-record profile these students have
    rate: float
    week_profile: Callable[[np.ndarray], np.ndarray]
    weekdays: tuple[float, ...]
    activities: tuple[float, ...]
    clicks: float


def _deadline_weeks(x: np.ndarray) -> np.ndarray:
    """Low activity with bursts in the two weeks before each of three deadlines."""
    weeks = np.rint(x * 14).astype(int)
    return np.where(weeks % 5 == 4, 1.6, np.where(weeks % 5 == 3, 0.8, 0.15))


EVENT_BEHAVIOURS = (
    EventBehaviour("steady on-campus", 0, 1.0, lambda x: np.ones_like(x),
                   (3.0, 0.3, 3.0, 0.3, 2.5, 0.2, 0.2), (3, 2, 3, 1, 2, 2, 0.3, 0.2), 2.5),
    EventBehaviour("online-first", 1, 1.8, lambda x: 0.8 + 0.4 * x,
                   (1, 1, 1, 1, 1, 1.2, 1.2), (2, 6, 2, 1, 1, 1, 0.3, 0.2), 3.0),
    EventBehaviour("early-program, socially active", 2, 1.0, lambda x: np.exp(-2.5 * x),
                   (1, 1, 1, 1, 1.2, 0.8, 0.6), (2, 1, 1, 6, 1, 1, 0.5, 0.2), 2.0),
    EventBehaviour("deadline-pressured", 3, 0.6, _deadline_weeks,
                   (0.5, 0.5, 0.8, 1.2, 1.5, 1.0, 1.3), (2, 1, 1.5, 0.5, 5, 1, 0.2, 0.2), 2.0),
    EventBehaviour("independent, library-centred", 4, 0.9, lambda x: np.ones_like(x),
                   (1, 1, 1, 1, 1, 1.5, 1.5), (2, 1, 1.5, 0.3, 1, 5, 2, 0.5), 2.5),
    # The event-only pattern: records like "steady on-campus", the same activity mix and volume, but no
    # activity in the first 30% of the term and a rising ramp after it, on any day of the week.
    EventBehaviour("late-starting, end-of-term", 0, 1.0, lambda x: np.where(x < 0.3, 0.0, x - 0.1),
                   (1, 1, 1, 1, 1, 1, 1), (3, 2, 3, 1, 2, 2, 0.3, 0.2), 2.5),
)
EVENT_ONLY_PATTERN = 5

# Planted term-to-term transitions between the six event-level patterns (rows: from, columns: to).
TRANSITIONS = np.array([
    [0.80, 0.00, 0.00, 0.00, 0.10, 0.10],
    [0.10, 0.90, 0.00, 0.00, 0.00, 0.00],
    [0.20, 0.00, 0.70, 0.00, 0.10, 0.00],
    [0.15, 0.10, 0.00, 0.75, 0.00, 0.00],
    [0.15, 0.00, 0.00, 0.00, 0.85, 0.00],
    [0.25, 0.00, 0.00, 0.15, 0.00, 0.60],
])


def term_label(term: int) -> str:
    """The value of the term column for term `term` (1-based)."""
    return f"T{term}"


def planted_paths(n_rows: int, n_terms: int = 1, seed: int = DEFAULT_SEED) -> np.ndarray:
    """The event-level planted pattern (0-5, index in EVENT_BEHAVIOURS) of every student in every term,
    shape (n_terms, n_rows). Term 1 is `generate_students(n_rows, seed)`'s record pattern with part of the
    steady on-campus students moved to the event-only pattern; later terms follow TRANSITIONS."""
    if n_terms < 1:
        raise ValueError(f"n_terms must be at least 1, got {n_terms}")
    _, record_pattern = generate_students(n_rows, seed)
    first = record_pattern.copy()
    split = np.random.default_rng([seed, 1])
    first[(record_pattern == 0) & (split.random(n_rows) < LATE_STARTER_SHARE)] = EVENT_ONLY_PATTERN
    paths = np.empty((n_terms, n_rows), dtype=np.int64)
    paths[0] = first
    for term in range(1, n_terms):
        rng = np.random.default_rng([seed, 2, term])
        for state in range(len(EVENT_BEHAVIOURS)):
            rows = np.flatnonzero(paths[term - 1] == state)
            paths[term, rows] = rng.choice(len(EVENT_BEHAVIOURS), size=rows.size, p=TRANSITIONS[state])
    return paths


def record_patterns(paths: np.ndarray) -> np.ndarray:
    """The student-record pattern (index in PATTERNS) of event-level patterns."""
    return np.array([b.record_pattern for b in EVENT_BEHAVIOURS])[paths]


def generate_term_students(n_rows: int, n_terms: int, seed: int = DEFAULT_SEED) -> tuple[pa.Table, np.ndarray]:
    """`n_rows` students in each of `n_terms` terms: a `Term` column after `Student_ID`, one row per student
    and term (term by term), and the event-level planted paths (see `planted_paths`). Term 1 holds exactly
    `generate_students(n_rows, seed)`; in later terms a student keeps id, protected attributes and age (one
    year older every second term) and their other columns are drawn from that term's record pattern."""
    paths = planted_paths(n_rows, n_terms, seed)
    first, _ = generate_students(n_rows, seed)
    kept = {"Student_ID", "Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level",
            "Disability_Status"}
    tables = []
    for term in range(n_terms):
        if term == 0:
            columns = {name: first.column(name) for name in COLUMNS}
        else:
            columns = _student_records(np.random.default_rng([seed, 3, term]), record_patterns(paths[term]))
            columns.update({name: first.column(name) for name in kept})
            columns["Age"] = pa_compute.add(first.column("Age"), term // 2)
        ordered = {"Student_ID": columns["Student_ID"], "Term": pa.array([term_label(term + 1)] * n_rows)}
        ordered.update({name: columns[name] for name in COLUMNS[1:]})
        tables.append(pa.table(ordered))
    return pa.concat_tables(tables), paths


def event_batches(paths: np.ndarray, seed: int = DEFAULT_SEED,
                  events_per_student: float = DEFAULT_EVENTS_PER_STUDENT, term_weeks: int = DEFAULT_TERM_WEEKS,
                  time_kind: str = "timestamp") -> Iterator[tuple[int, pa.RecordBatch]]:
    """The event log of the students in `paths` (shape (terms, students), event-level patterns), as
    (term index, record batch) pairs: one batch per term and week, time-ordered within it (students
    interleaved, as a platform logs them).

    Columns: `Student_ID`, `Term` (only when there are several terms), the time (`occurred_at`: a timestamp
    or, with time_kind 'date', a date; with 'day', `day`: whole days since the term's first day), `activity`
    (one of ACTIVITY_TYPES) and `clicks` (>= 1). A student's expected number of events in a term is
    `events_per_student` times their pattern's rate (normalised to mean 1) times a persistent log-normal
    activity level; INACTIVE_SHARE of the students have no event in a term.
    """
    if time_kind not in EVENT_TIME_KINDS:
        raise ValueError(f"time_kind must be one of {EVENT_TIME_KINDS}, got {time_kind!r}")
    if term_weeks < 2:
        raise ValueError(f"term_weeks must be at least 2, got {term_weeks}")
    n_terms, n_rows = paths.shape
    rates = np.array([b.rate for b in EVENT_BEHAVIOURS])
    shares = np.bincount(paths[0], minlength=len(EVENT_BEHAVIOURS)) / n_rows
    rates = rates / (shares @ rates)
    position = np.linspace(0.0, 1.0, term_weeks)
    profiles = np.array([b.week_profile(position) for b in EVENT_BEHAVIOURS])
    profiles = profiles / profiles.sum(axis=1, keepdims=True)
    weekdays = np.array([b.weekdays for b in EVENT_BEHAVIOURS], dtype=float)
    weekdays = weekdays / weekdays.sum(axis=1, keepdims=True)
    activities = np.array([b.activities for b in EVENT_BEHAVIOURS], dtype=float)
    activities = activities / activities.sum(axis=1, keepdims=True)
    clicks = np.array([b.clicks for b in EVENT_BEHAVIOURS])
    level = np.exp(np.random.default_rng([seed, 4]).normal(-ACTIVITY_SPREAD ** 2 / 2, ACTIVITY_SPREAD, n_rows))
    student_ids = np.arange(1, n_rows + 1, dtype=np.int64)
    activity_type = pa.array(ACTIVITY_TYPES)

    for term in range(n_terms):
        pattern = paths[term]
        rng = np.random.default_rng([seed, 5, term])
        active = rng.random(n_rows) >= INACTIVE_SHARE
        expected = (events_per_student * rates[pattern] * level * active)[:, None] * profiles[pattern]
        counts = rng.poisson(expected)  # events per student and week
        term_start = TERM_START + np.timedelta64(term * (term_weeks + TERM_GAP_WEEKS) * WEEKDAYS, "D")
        for week in range(term_weeks):
            rng = np.random.default_rng([seed, 6, term, week])
            student = np.repeat(np.arange(n_rows), counts[:, week])
            event_pattern = pattern[student]
            weekday = _draw_per_pattern(rng, event_pattern, weekdays)
            activity = _draw_per_pattern(rng, event_pattern, activities)
            amount = 1 + rng.poisson(clicks[event_pattern] - 1)
            second = rng.integers(7 * 3600, 24 * 3600, size=student.size)
            day = week * WEEKDAYS + weekday
            order = np.argsort(day * 86400 + second, kind="stable")
            student, day, second, activity, amount = (a[order] for a in (student, day, second, activity, amount))
            columns = {"Student_ID": pa.array(student_ids[student])}
            if n_terms > 1:
                columns["Term"] = pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(student.size, dtype=np.int32)), pa.array([term_label(term + 1)]))
            if time_kind == "day":
                columns["day"] = pa.array(day.astype(np.int64))
            elif time_kind == "date":
                columns["occurred_at"] = pa.array(term_start + day.astype("timedelta64[D]"))
            else:
                columns["occurred_at"] = pa.array(
                    term_start.astype("datetime64[s]") + (day * 86400 + second).astype("timedelta64[s]"))
            columns["activity"] = pa.DictionaryArray.from_arrays(pa.array(activity.astype(np.int32)), activity_type)
            columns["clicks"] = pa.array(amount.astype(np.int64))
            yield term, pa.RecordBatch.from_pydict(columns)


def _draw_per_pattern(rng: np.random.Generator, pattern: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per entry, from the row of `probabilities` of its pattern (inverse CDF)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    uniform = rng.random(pattern.size)
    drawn = np.empty(pattern.size, dtype=np.int64)
    for index in range(probabilities.shape[0]):
        rows = np.flatnonzero(pattern == index)
        drawn[rows] = np.searchsorted(cumulative[index], uniform[rows], side="right")
    return drawn


def _write_table(table: pa.Table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        pa_parquet.write_table(table, out)
    else:
        # No generated text contains a delimiter, quote or line break, so plain unquoted CSV is exact.
        pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="none"))


def _pattern_table(student_ids, terms, pattern: np.ndarray, names) -> dict:
    columns = {"Student_ID": student_ids}
    if terms is not None:
        columns["Term"] = terms
    columns["planted_pattern"] = pa.array(pattern.astype(np.int64))
    columns["planted_pattern_name"] = pa.array(list(names)).take(pa.array(pattern))
    return columns


def _transition_table(paths: np.ndarray, names, planted: np.ndarray) -> pa.Table:
    """Realised transitions between consecutive terms (students and share of the `from` pattern) beside the
    planted probability. Pairs that no student makes are left out."""
    rows = []
    n_states = len(names)
    for term in range(1, paths.shape[0]):
        counts = np.zeros((n_states, n_states), dtype=np.int64)
        np.add.at(counts, (paths[term - 1], paths[term]), 1)
        for source, target in zip(*np.nonzero(counts)):
            rows.append((term_label(term), term_label(term + 1), int(source), names[source], int(target),
                         names[target], float(planted[term - 1][source, target]), int(counts[source, target]),
                         float(counts[source, target] / counts[source].sum())))
    fields = ["term_from", "term_to", "pattern_from", "pattern_from_name", "pattern_to", "pattern_to_name",
              "planted_probability", "students", "share_of_from"]
    return pa.table({field: [row[i] for row in rows] for i, field in enumerate(fields)})


def _record_level_transitions(paths: np.ndarray) -> list[np.ndarray]:
    """Transition probabilities between record patterns per term pair: the event-level matrix collapsed
    with the realised mix of event-level patterns inside each record pattern of the earlier term."""
    to_record = np.array([b.record_pattern for b in EVENT_BEHAVIOURS])
    collapse = np.zeros((len(EVENT_BEHAVIOURS), len(PATTERNS)))
    collapse[np.arange(len(EVENT_BEHAVIOURS)), to_record] = 1.0
    matrices = []
    for term in range(1, paths.shape[0]):
        mix = np.zeros((len(PATTERNS), len(EVENT_BEHAVIOURS)))
        np.add.at(mix, (to_record[paths[term - 1]], paths[term - 1]), 1.0)
        mix = mix / np.maximum(mix.sum(axis=1, keepdims=True), 1.0)
        matrices.append(mix @ TRANSITIONS @ collapse)
    return matrices


def write_term_students(out: Path, n_rows: int, n_terms: int, seed: int = DEFAULT_SEED,
                        patterns_out: Path | None = None) -> tuple[Path, Path, Path]:
    """Write `n_rows` students in each of `n_terms` terms to `out` (see `generate_term_students`), their
    record patterns per term to `patterns_out` (default `<out stem>_planted_patterns.csv`) and the realised
    record-pattern transitions to `<out stem>_planted_transitions.csv` beside `out`."""
    out = Path(out)
    patterns_out = Path(patterns_out) if patterns_out else out.with_name(f"{out.stem}_planted_patterns.csv")
    transitions_out = out.with_name(f"{out.stem}_planted_transitions.csv")
    table, paths = generate_term_students(n_rows, n_terms, seed)
    _write_table(table, out)
    records = record_patterns(paths)
    planted = _pattern_table(table.column("Student_ID"), table.column("Term"), records.reshape(-1),
                             [p.name for p in PATTERNS])
    _write_planted(pa.table(planted), patterns_out)
    _write_planted(_transition_table(records, [p.name for p in PATTERNS], _record_level_transitions(paths)),
                   transitions_out)
    return out, patterns_out, transitions_out


def write_events(out: Path, n_rows: int, n_terms: int = 1, seed: int = DEFAULT_SEED,
                 events_per_student: float = DEFAULT_EVENTS_PER_STUDENT, term_weeks: int = DEFAULT_TERM_WEEKS,
                 time_kind: str = "timestamp") -> dict[str, Path | int]:
    """Write the event log of the students of `generate_students(n_rows, seed)` (or of
    `generate_term_students(n_rows, n_terms, seed)`) to `out` (CSV, or Parquet when the suffix is
    .parquet), streamed batch by batch, and beside it `<out stem>_planted_patterns.csv` (the event-level
    pattern of every student and term, 0-5, with its record pattern and planted number of events) and, with
    several terms, `<out stem>_planted_transitions.csv`. Returns the paths and the number of events."""
    out = Path(out)
    paths = planted_paths(n_rows, n_terms, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    events = np.zeros(paths.shape, dtype=np.int64)
    try:
        for term, batch in event_batches(paths, seed, events_per_student, term_weeks, time_kind):
            if writer is None:
                writer = (pa_parquet.ParquetWriter(out, batch.schema) if out.suffix == ".parquet"
                          else pa_csv.CSVWriter(out, batch.schema,
                                                write_options=pa_csv.WriteOptions(quoting_style="none")))
            ids = batch.column("Student_ID").to_numpy()
            events[term] += np.bincount(ids - 1, minlength=n_rows)
            writer.write_batch(batch)
    finally:
        if writer is not None:
            writer.close()
    student_ids = pa.array(np.tile(np.arange(1, n_rows + 1, dtype=np.int64), n_terms))
    terms = pa.array(np.repeat([term_label(t + 1) for t in range(n_terms)], n_rows)) if n_terms > 1 else None
    names = [b.name for b in EVENT_BEHAVIOURS]
    planted = _pattern_table(student_ids, terms, paths.reshape(-1), names)
    planted["planted_record_pattern"] = pa.array(record_patterns(paths).reshape(-1))
    planted["planted_events"] = pa.array(events.reshape(-1))
    patterns_out = out.with_name(f"{out.stem}_planted_patterns.csv")
    _write_planted(pa.table(planted), patterns_out)
    written: dict[str, Path | int] = {"events": out, "patterns": patterns_out, "event_count": int(events.sum())}
    if n_terms > 1:
        transitions_out = out.with_name(f"{out.stem}_planted_transitions.csv")
        _write_planted(_transition_table(paths, names, [TRANSITIONS] * (n_terms - 1)), transitions_out)
        written["transitions"] = transitions_out
    return written


def _write_planted(table: pa.Table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="needed"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="number of students (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, required=True, help="output .csv or .parquet file")
    parser.add_argument("--patterns-out", type=Path, default=None,
                        help="where to write planted pattern ids (tests only; default beside --out)")
    parser.add_argument("--terms", type=int, default=1,
                        help="number of terms (default 1); with more, the file gets a Term column, one row per "
                             "student and term, and the planted transitions are written beside it")
    parser.add_argument("--events-out", type=Path, default=None,
                        help="also write the students' event log here (.csv or .parquet)")
    parser.add_argument("--events-per-student", type=float, default=DEFAULT_EVENTS_PER_STUDENT,
                        help=f"mean events per student and term (default {DEFAULT_EVENTS_PER_STUDENT})")
    parser.add_argument("--term-weeks", type=int, default=DEFAULT_TERM_WEEKS,
                        help=f"weeks per term (default {DEFAULT_TERM_WEEKS})")
    parser.add_argument("--event-time", choices=EVENT_TIME_KINDS, default="timestamp",
                        help="event time as a timestamp (default), a date, or whole days since the term start")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.terms == 1:
        out, patterns_out = write_students(args.out, args.rows, args.seed, args.patterns_out)
        print(f"wrote {args.rows:,} students to {out} and planted patterns to {patterns_out} "
              f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    else:
        out, patterns_out, transitions_out = write_term_students(
            args.out, args.rows, args.terms, args.seed, args.patterns_out)
        print(f"wrote {args.rows:,} students in {args.terms} terms to {out}, planted patterns to {patterns_out} "
              f"and planted transitions to {transitions_out} in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
    if args.events_out:
        started = time.perf_counter()
        written = write_events(args.events_out, args.rows, args.terms, args.seed, args.events_per_student,
                               args.term_weeks, args.event_time)
        print(f"wrote {written['event_count']:,} events to {written['events']} and their planted patterns to "
              f"{written['patterns']} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
