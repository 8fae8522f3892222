"""Generated "new institution" files: the shapes public student files come in, with planted structure.

Each writer is seeded and fast, and mirrors a kind of file the warehouse is tried on: a national dropout
file (no id column, semicolons, decimal commas, integer-coded categories, a three-class outcome), an
online-university enrolment file (one row per student and module presentation: a composite id), a school
file (semicolons, a 0-20 grade from which a label is derived), an LMS export (odd capitals, a three-class
outcome), an event log given as the student file, and a file whose declared levels YAML reads as booleans.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20261201


def _write(path: Path, header: list[str], rows: list[list], delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _comma(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def dropout_like(path: Path, n: int = 1500, seed: int = SEED) -> tuple[Path, np.ndarray]:
    """A national dropout file: no id, ';', decimal commas, coded categories, Target Dropout/Enrolled/Graduate
    (about 30% Dropout), 10% missing cells in three features. Three planted patterns; returns them too."""
    rng = np.random.default_rng(seed)
    pattern = rng.choice(3, size=n, p=[0.45, 0.30, 0.25])
    daytime = np.where(pattern == 1, rng.random(n) < 0.15, rng.random(n) < 0.95).astype(int)
    age = np.clip(np.where(pattern == 1, rng.normal(34, 7, n), rng.normal(20, 2.5, n)), 17, 62).round().astype(int)
    scholarship = np.where(pattern == 2, rng.random(n) < 0.85, rng.random(n) < 0.1).astype(int)
    grade = np.clip(np.select([pattern == 0, pattern == 1], [rng.normal(13.5, 1.2, n), rng.normal(10, 1.5, n)],
                              rng.normal(15.5, 1.0, n)), 0, 20)
    approved = np.clip(np.select([pattern == 0, pattern == 1], [rng.normal(5.5, 0.8, n), rng.normal(2.5, 1.0, n)],
                                 rng.normal(6.5, 0.6, n)), 0, 10).round().astype(int)
    previous = np.clip(np.where(pattern == 2, rng.normal(160, 8, n), rng.normal(130, 10, n)), 95, 190)
    unemployment = rng.choice([7.6, 9.4, 10.8, 12.4, 13.9, 15.5, 16.2], size=n)
    course = np.where(pattern == 1, rng.choice([9991, 9238, 8014], size=n),
                      rng.choice([9147, 9500, 9773, 171, 9254, 9070], size=n))
    marital = rng.choice([1, 2, 4], size=n, p=[0.85, 0.1, 0.05])
    application = np.where(pattern == 1, 39, rng.choice([1, 17, 43], size=n))
    gender = (rng.random(n) < np.where(pattern == 1, 0.55, 0.35)).astype(int)
    dropout_rate = np.select([pattern == 0, pattern == 1], [0.14, 0.70], 0.12)
    outcome = np.where(rng.random(n) < dropout_rate, "Dropout",
                       np.where(rng.random(n) < 0.3, "Enrolled", "Graduate"))
    header = ["Marital status", "Application mode", "Course", "Daytime/evening attendance",
              "Previous qualification (grade)", "Gender", "Age at enrollment", "Scholarship holder",
              "Curricular units 1st sem (approved)", "Curricular units 1st sem (grade)", "Unemployment rate", "Target"]
    rows = []
    missing = {column: rng.random(n) < 0.10 for column in (4, 9, 10)}
    for i in range(n):
        row = [marital[i], application[i], course[i], daytime[i], _comma(previous[i]), gender[i], age[i],
               scholarship[i], approved[i], _comma(grade[i], 2), _comma(unemployment[i]), outcome[i]]
        for column, mask in missing.items():
            if mask[i]:
                row[column] = ""
        rows.append(row)
    return _write(path, header, rows, delimiter=";"), pattern


DROPOUT_CODEBOOK = [
    ("column", "code", "label"),
    ("Curricular units 1st sem (grade)", "", "first-semester grade"),
    ("Curricular units 1st sem (approved)", "", "first-semester units passed"),
    ("Daytime/evening attendance", "1", "Daytime attendance"),
    ("Daytime/evening attendance", "0", "Evening attendance"),
    ("Scholarship holder", "1", "Scholarship holders"),
    ("Scholarship holder", "0", "No scholarship"),
    ("Course", "9991", "Management (evening)"),
    ("Course", "9238", "Social service"),
    ("Course", "9147", "Management"),
    ("Gender", "1", "Male"),
    ("Gender", "0", "Female"),
]


def dropout_vars(folder: Path) -> dict:
    """The roles of the dropout-shaped file that a reader could not infer, and nothing else."""
    codebook = folder / "dropout_codebook.csv"
    return {
        "students_path": str(folder / "dropout.csv"),
        "codebook_path": str(codebook),
        "label_column": "Target",
        "label_positive_values": ["Dropout"],
        "label_negative_values": ["Enrolled", "Graduate"],
        "label_name": "dropout",
        "protected_columns": ["Gender", "Age at enrollment", "Marital status"],
        "categorical_columns": {"Course": [], "Application mode": []},
    }


def enrolment_like(path: Path, n_students: int = 700, seed: int = SEED) -> Path:
    """An online-university enrolment file: one row per student and module presentation, so id_student repeats
    (the id is [code_module, code_presentation, id_student]); final_result Pass/Fail/Withdrawn/Distinction."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for student in range(n_students):
        id_student = 11000 + student * 7
        modules = rng.choice(["AAA", "BBB", "CCC", "DDD"], size=rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]), replace=False)
        engaged = rng.random() < 0.6
        for module in modules:
            rows.append([module, rng.choice(["2013J", "2014B", "2014J"]), id_student,
                         rng.choice(["M", "F"]), rng.choice(["East Anglian Region", "Scotland", "Wales", "London Region"]),
                         rng.choice(["A Level or Equivalent", "Lower Than A Level", "HE Qualification"]),
                         rng.choice(["0-10%", "10-20", "20-30%", "30-40%", "90-100%"]),
                         rng.choice(["0-35", "35-55", "55<="], p=[0.7, 0.28, 0.02]), int(rng.poisson(0.2)),
                         int(rng.choice([30, 60, 90, 120])) * (1 if engaged else 2), rng.choice(["N", "Y"], p=[0.9, 0.1]),
                         rng.choice(["Pass", "Distinction"] if engaged else ["Withdrawn", "Fail", "Pass"])])
    header = ["code_module", "code_presentation", "id_student", "gender", "region", "highest_education", "imd_band",
              "age_band", "num_of_prev_attempts", "studied_credits", "disability", "final_result"]
    return _write(path, header, rows)


def school_like(path: Path, n: int = 649, seed: int = SEED) -> Path:
    """A school file: ';', yes/no columns, Walc/Dalc codes, grades G1-G3 on 0-20 (a label is G3 < 10)."""
    rng = np.random.default_rng(seed + 2)
    ability = rng.normal(11, 3, n)
    rows = []
    for i in range(n):
        g1 = int(np.clip(round(ability[i] + rng.normal(0, 1.5)), 0, 20))
        g2 = int(np.clip(round(ability[i] + rng.normal(0, 1.5)), 0, 20))
        g3 = int(np.clip(round(ability[i] + rng.normal(0, 1.5)), 0, 20))
        rows.append([rng.choice(["GP", "MS"]), rng.choice(["F", "M"]), int(rng.integers(15, 22)),
                     int(rng.integers(1, 5)), int(rng.poisson(0.3)), rng.choice(["yes", "no"]), rng.choice(["yes", "no"]),
                     int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.poisson(4)), g1, g2, g3])
    header = ["school", "sex", "age", "studytime", "failures", "internet", "romantic", "Dalc", "Walc", "absences",
              "G1", "G2", "G3"]
    return _write(path, header, rows, delimiter=";")


def lms_like(path: Path, n: int = 480, seed: int = SEED) -> Path:
    """An LMS export: odd capitals (VisITedResources), no id, Class L/M/H."""
    rng = np.random.default_rng(seed + 3)
    engagement = rng.random(n)
    rows = [[rng.choice(["M", "F"]), rng.choice(["KW", "Jordan", "Iraq"]), int(20 + 80 * engagement[i] + rng.normal(0, 8)),
             int(10 + 85 * engagement[i] + rng.normal(0, 8)), int(5 + 60 * engagement[i] + rng.normal(0, 8)),
             int(rng.integers(1, 99)), "Under-7" if engagement[i] > 0.4 else "Above-7",
             "H" if engagement[i] > 0.7 else ("M" if engagement[i] > 0.3 else "L")] for i in range(n)]
    header = ["gender", "NationalITy", "raisedhands", "VisITedResources", "AnnouncementsView", "Discussion",
              "StudentAbsenceDays", "Class"]
    return _write(path, header, rows)


def event_log(path: Path, n_students: int = 60, events_per_student: int = 40, seed: int = SEED) -> Path:
    """A click log (one row per student, day and activity), the kind of file given as students by mistake."""
    rng = np.random.default_rng(seed + 4)
    rows = [[11000 + s, int(rng.integers(-10, 200)), rng.choice(["resource", "quiz", "forumng", "oucontent"]),
             int(rng.integers(1, 30))] for s in range(n_students) for _ in range(events_per_student)]
    return _write(path, ["id_student", "date", "activity_type", "sum_click"], rows)


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    dropout_like(folder / "dropout.csv")
    _write(folder / "dropout_codebook.csv", list(DROPOUT_CODEBOOK[0]), [list(r) for r in DROPOUT_CODEBOOK[1:]])
    enrolment_like(folder / "enrolment.csv")
    school_like(folder / "school.csv")
    lms_like(folder / "lms.csv")
    event_log(folder / "events_as_students.csv")
