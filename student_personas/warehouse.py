"""Glue between dbt Python models and the maths: read warehouse relations as arrays, build result tables.

Data moves between DuckDB and Python as Arrow (no row-by-row transfer). Student records are keyed by
(student_id, term); every reader orders rows by that key, so row positions, seeded samples and therefore
results are identical between runs. Readers return the key columns as an Arrow table, and writers put them
back in front of the results, so the models never need to know what the key is.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from threadpoolctl import threadpool_limits


def settings(relation) -> dict:
    """The run's settings (stg_settings: name -> value, as the preflight resolved them), for a dbt Python model
    that calls `warehouse.settings(dbt.ref("stg_settings"))`: reading them through a ref puts the dependency
    in lineage. `neighbours_k` is the larger of the two neighbour counts the neighbour search serves."""
    values = {name: json.loads(value) for name, value in
              relation.project("setting_name, cast(setting_value as varchar)").fetchall()}
    values["neighbours_k"] = max(int(values["students_like_me_k"]), int(values["context_neighbours_k"]))
    return values


def progress(message: str) -> None:
    """A short progress line on stderr (dbt shows its own per-model lines; this marks long steps)."""
    print(f"[student-personas {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def in_own_process(function, *args):
    """``function(*args)`` computed in a forked child process, for the model-selection loops.

    dbt runs two models at once in one Python process. A selection loop (K-Means restarts, NMF refits on a
    sample) makes thousands of short native calls, and after each it must win the GIL back from the other
    thread's Jinja compilation, which keeps it for up to the 5 ms switch interval: measured beside a busy
    thread, the stability refits took 149 s instead of 1 s. A child process has its own GIL. It is forked
    (no re-import of dbt) and only computes with numpy and scikit-learn on the arguments it inherits,
    never touching DuckDB or dbt, so the locks other threads of the dbt process held at the fork are never
    needed; ``function`` and its result must be picklable. Results are identical to a direct call.

    The child first gets streams of its own and limits OpenMP and BLAS to one thread (`_forked_child`).
    """
    return in_own_processes((function, *args))[0]


def _forked_child() -> None:
    """What a forked selection child does first, so that nothing it inherited mid-use can hang it.

    Standard streams: a forked child inherits each stream's lock in the state it had at the fork, and dbt
    writes its log lines to stdout from two threads; a lock held at that instant is never released in the
    child, and the child flushes both streams when it exits (seen: `make run` hung for good in a child's
    exit). The child gets new stream objects on the same file descriptors, whose locks are free.
    OpenMP and BLAS limited to one thread: a forked child inherits the parent's OpenMP bookkeeping but not
    its worker threads, and GNU OpenMP then waits forever for them in its first multi-threaded region (seen:
    K-Means hung in a child of a process that had run K-Means on two threads)."""
    _INHERITED_STREAMS.extend((sys.stdout, sys.stderr))  # kept: freeing one would flush it, under its lock
    sys.stdout = open(os.dup(1), "w", encoding="utf-8", errors="replace")
    sys.stderr = open(os.dup(2), "w", encoding="utf-8", errors="replace")
    threadpool_limits(1)


_INHERITED_STREAMS: list = []


def in_own_processes(*calls):
    """Each ``(function, *args)`` of `calls` computed in its own forked child, all at once; their results in
    order. For independent selection loops (the personas' stability refits and the same refits on shuffled
    reference data): on two cores the slower one sets the time, not their sum. The children are forked
    and limited as in `in_own_process`. Every call runs to its end; if any raised, the error of the first
    such call in argument order is raised here."""
    if not calls:
        raise ValueError("in_own_processes needs at least one (function, *args) call")
    with ProcessPoolExecutor(max_workers=len(calls), mp_context=multiprocessing.get_context("fork"),
                             initializer=_forked_child) as pool:
        futures = [pool.submit(function, *args) for function, *args in calls]
        return [future.result() for future in futures]


KEY_COLUMNS = ("student_id", "term")


def _records(relation, reference_only: bool, fitted_only: bool):
    if fitted_only:
        relation = relation.filter("is_fitted")
    elif reference_only:
        relation = relation.filter("is_reference")
    return relation.order(", ".join(KEY_COLUMNS)).to_arrow_table()


REFERENCE_FLAGS = ("is_reference", "is_fitted")


def keys_of(table: pa.Table, with_reference: bool = False) -> pa.Table:
    """The key columns (student_id, term, and when asked the flags is_reference and is_fitted that the
    table has) of a table of student records."""
    flags = [name for name in REFERENCE_FLAGS if name in table.column_names] if with_reference else []
    return table.select([*KEY_COLUMNS, *flags])


def feature_matrix(relation, reference_only: bool = False, fitted_only: bool = False) -> tuple[pa.Table, np.ndarray]:
    """(keys, features) from int_student_feature_vectors: one row per student record, ordered by key.
    `reference_only` keeps the records of the reference cohort (the students the persona model describes),
    `fitted_only` those of them the model is fitted on (all of them unless event_fit_covered_only leaves
    out the students without events)."""
    table = _records(relation, reference_only, fitted_only)
    values = table.column("feature_values").combine_chunks()
    n_features = len(values[0]) if len(values) else 0
    matrix = pc.list_flatten(values).to_numpy(zero_copy_only=False).reshape(table.num_rows, n_features)
    return keys_of(table, with_reference=True), np.ascontiguousarray(matrix, dtype=np.float64)


def long_matrix(relation, row_key: str, column_key: str, value: str) -> tuple[np.ndarray, np.ndarray]:
    """(row keys, matrix) from a long relation with one row per (row_key, column_key) pair."""
    table = relation.order(f"{row_key}, {column_key}").to_arrow_table()
    keys = pc.unique(table.column(row_key)).to_numpy(zero_copy_only=False)
    values = table.column(value).to_numpy(zero_copy_only=False).astype(np.float64)
    return keys, values.reshape(len(keys), -1)


def loadings_matrix(relation) -> np.ndarray:
    """Factors × features loadings from a long (factor_id, feature_index, loading) relation."""
    return long_matrix(relation, "factor_id", "feature_index", "loading")[1]


def wide_matrix(relation, key: str, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """(keys, matrix) from a relation with columns `key`, `<prefix>1..<prefix>r`, ordered by key."""
    table = relation.order(key).to_arrow_table()
    return table.column(key).to_numpy(zero_copy_only=False), _prefixed_columns(table, prefix)


def record_matrix(relation, prefix: str, reference_only: bool = False,
                  fitted_only: bool = False) -> tuple[pa.Table, np.ndarray]:
    """(keys, matrix) of student records from a relation with the key columns and `<prefix>1..r`; rows kept
    as in feature_matrix."""
    table = _records(relation, reference_only, fitted_only)
    return keys_of(table, with_reference=True), _prefixed_columns(table, prefix)


def _prefixed_columns(table: pa.Table, prefix: str) -> np.ndarray:
    columns = sorted((name for name in table.column_names if name.startswith(prefix) and name[len(prefix):].isdigit()),
                     key=lambda name: int(name[len(prefix):]))
    matrix = np.column_stack([table.column(name).to_numpy() for name in columns]) if columns else \
        np.empty((table.num_rows, 0))
    return np.ascontiguousarray(matrix, dtype=np.float64)


def wide_table(key_name: str, keys, matrix: np.ndarray, prefix: str) -> pa.Table:
    """An Arrow table with the key column and one `<prefix>j` column per matrix column (1-based)."""
    columns = {key_name: pa.array(keys)}
    for j in range(matrix.shape[1]):
        columns[f"{prefix}{j + 1}"] = pa.array(matrix[:, j], pa.float64())
    return pa.table(columns)


def with_keys(keys: pa.Table, columns: dict) -> pa.Table:
    """The student-record keys followed by `columns` (name -> array), one row per record."""
    table = keys
    for name, values in columns.items():
        table = table.append_column(name, values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values))
    return table


def record_table(keys: pa.Table, matrix: np.ndarray, prefix: str) -> pa.Table:
    """The keys and one `<prefix>j` column per matrix column (1-based)."""
    return with_keys(keys, {f"{prefix}{j + 1}": pa.array(matrix[:, j], pa.float64()) for j in range(matrix.shape[1])})


def chosen_value(relation) -> int:
    """The parameter value marked is_chosen in a model-selection relation."""
    rows = relation.filter("is_chosen").aggregate("min(parameter_value) as chosen").fetchall()
    if not rows or rows[0][0] is None:
        raise ValueError("no parameter value is marked as chosen in the selection table")
    return int(rows[0][0])


def selection_table(stage: str, parameter_name: str, values, metrics: dict[str, np.ndarray], choice,
                    rule: str, sample_size: int, reference_metric: str) -> pa.Table:
    """Long model-selection rows: one per (parameter value, metric). `choice` is a structure.Choice: the
    chosen value, the best one by the criterion, the criterion's reference (mean, SD, draws on shuffled
    data) at the values where it was computed (on the `reference_metric` rows), the edge flag and the
    flat-curve note (on the chosen value's rows)."""
    rows = {"stage": [], "parameter_name": [], "parameter_value": [], "metric": [], "value": [],
            "is_chosen": [], "is_best": [], "rule": [], "sample_size": [], "reference_mean": [],
            "reference_sd": [], "reference_draws": [], "range_edge": [], "choice_note": []}
    for index, value in enumerate(values):
        value = int(value)
        for metric, series in metrics.items():
            reference = choice.references.get(value) if metric == reference_metric else None
            rows["stage"].append(stage)
            rows["parameter_name"].append(parameter_name)
            rows["parameter_value"].append(value)
            rows["metric"].append(metric)
            rows["value"].append(float(series[index]) if np.isfinite(series[index]) else None)
            rows["is_chosen"].append(value == choice.chosen)
            rows["is_best"].append(value == choice.best)
            rows["rule"].append(rule)
            rows["sample_size"].append(int(sample_size))
            rows["reference_mean"].append(reference.mean if reference else None)
            rows["reference_sd"].append(reference.sd if reference else None)
            rows["reference_draws"].append(int(reference.values.size) if reference else None)
            rows["range_edge"].append(choice.edge if value == choice.chosen else None)
            rows["choice_note"].append(choice.flat_note if value == choice.chosen else None)
    return pa.table(rows, schema=pa.schema([
        ("stage", pa.string()), ("parameter_name", pa.string()), ("parameter_value", pa.int64()),
        ("metric", pa.string()), ("value", pa.float64()), ("is_chosen", pa.bool_()), ("is_best", pa.bool_()),
        ("rule", pa.string()), ("sample_size", pa.int64()), ("reference_mean", pa.float64()),
        ("reference_sd", pa.float64()), ("reference_draws", pa.int32()), ("range_edge", pa.string()),
        ("choice_note", pa.string())]))


def require_students(n_students: int, minimum: int, purpose: str) -> None:
    """Fail with a clear message when there are too few clean students for a step."""
    if n_students < minimum:
        raise ValueError(
            f"student-personas: {purpose} needs at least {minimum} valid students, but there are only "
            f"{n_students}. Check student_rejects and data_quality_summary for rejected rows.")


def require_features(n_features: int, minimum: int = 1) -> None:
    """Fail with a clear message when too few feature columns survive encoding."""
    if n_features < minimum:
        raise ValueError(
            f"student-personas: factors need at least {minimum} usable features, but only {n_features} "
            "survived encoding (constant columns and single-level categories are excluded). See the "
            "exclusion_reason column of feature_encoding.")
