"""Small seeded student files with known truth, for checking what the warehouse says about structure.

Each generator returns an Arrow table shaped like a user's file (an id column, feature columns, a binary
label) and the truth it was built with. They are deliberately unlike the built-in cohort: other column
names, few columns, a discrete column, no structure at all.

- `two_groups_with_discrete_column`: one planted two-group split on a single score (75 vs 55, SD 10), noise
  columns, a three-valued integer grade level independent of everything, and a second score that the label
  is a thresholded copy of (an outcome proxy: single-feature ROC-AUC about 0.9), itself independent of the
  groups, so it adds no group structure.
- `independent_noise`: columns with no relation to each other at all.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def two_groups_with_discrete_column(n_rows: int = 500, n_noise: int = 4, seed: int = 14) -> tuple[pa.Table, np.ndarray]:
    """The table and the planted group (0/1) of each row."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, size=n_rows)
    score = np.where(group == 0, rng.normal(75, 10, n_rows), rng.normal(55, 10, n_rows))
    columns = {"Learner_Ref": [f"L{row:04d}" for row in range(1, n_rows + 1)], "Assessment_Score": np.round(score, 1)}
    for column in range(1, n_noise + 1):
        columns[f"Noise_{column}"] = np.round(rng.normal(50, 10, n_rows), 2)
    columns["Grade_Level"] = rng.integers(10, 13, size=n_rows)
    second_term = np.round(rng.normal(60, 12, n_rows), 1)
    columns["Second_Term_Score"] = second_term
    columns["Left_Program"] = np.where(second_term + rng.normal(0, 4, n_rows) < 50, "yes", "no")
    return pa.table(columns), group


def independent_noise(n_rows: int = 1000, n_columns: int = 8, seed: int = 14) -> np.ndarray:
    """`n_rows` × `n_columns` independent normal values, min-max scaled to [0, 1] like encoded features."""
    values = np.random.default_rng(seed).normal(size=(n_rows, n_columns))
    return (values - values.min(axis=0)) / (values.max(axis=0) - values.min(axis=0))
