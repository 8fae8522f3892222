"""Seeded synthetic student records with planted structure.

The built-in default data of the warehouse comes from here. It has the same 23 columns, types and value
ranges as the public 1,000-student management dataset the persona method was first applied to, but unlike
that file (whose features are close to independent noise) it carries **planted structure**: five latent
student patterns with distinct academic, engagement and behaviour profiles, plus noise. A rare context
label (about 2%) is more frequent in some patterns, and protected attributes relate to the patterns only
weakly. That makes the pipeline testable: personas should recover the planted patterns.

The planted pattern of each student is returned separately and written to its own file. It exists for
tests only and is never a model input.

Command line::

    python -m student_personas.synthetic --rows 1000000 --out data/students_1m.csv
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
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

    table = pa.table({name: columns[name] for name in COLUMNS})
    return table, pattern


def write_students(
    out: Path, n_rows: int, seed: int = DEFAULT_SEED, patterns_out: Path | None = None
) -> tuple[Path, Path]:
    """Write `n_rows` students to `out` (CSV, or Parquet when the suffix is .parquet) and the planted
    pattern ids to `patterns_out` (default: `<out stem>_planted_patterns.csv` beside `out`)."""
    out = Path(out)
    patterns_out = Path(patterns_out) if patterns_out else out.with_name(f"{out.stem}_planted_patterns.csv")
    table, pattern = generate_students(n_rows, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    patterns_out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        pa_parquet.write_table(table, out)
    else:
        # No generated text contains a delimiter, quote or line break, so plain unquoted CSV is exact.
        pa_csv.write_csv(table, out, pa_csv.WriteOptions(quoting_style="none"))
    planted = pa.table({
        "Student_ID": table.column("Student_ID"),
        "planted_pattern": pa.array(pattern, pa.int64()),
        "planted_pattern_name": pa.array([p.name for p in PATTERNS])
        .take(pa.array(pattern)),
    })
    pa_csv.write_csv(planted, patterns_out, pa_csv.WriteOptions(quoting_style="needed"))
    return out, patterns_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="number of students (default 1000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, required=True, help="output .csv or .parquet file")
    parser.add_argument("--patterns-out", type=Path, default=None,
                        help="where to write planted pattern ids (tests only; default beside --out)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out, patterns_out = write_students(args.out, args.rows, args.seed, args.patterns_out)
    print(f"wrote {args.rows:,} students to {out} and planted patterns to {patterns_out} "
          f"in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
