"""The Arrow glue between DuckDB relations and the maths."""

import duckdb
import numpy as np
import pytest

from student_personas import structure, warehouse


@pytest.fixture
def connection():
    with duckdb.connect() as con:
        yield con


def test_feature_matrix_orders_records_by_key_and_can_keep_the_reference_cohort(connection):
    relation = connection.sql(
        "select * from (values ('b', 't1', true, [3.0, 4.0]), ('a', 't2', false, [1.0, 2.0]), "
        "('a', 't1', true, [5.0, 6.0])) t(student_id, term, is_reference, feature_values)")
    keys, matrix = warehouse.feature_matrix(relation)
    assert keys.column("student_id").to_pylist() == ["a", "a", "b"] and keys.column("term").to_pylist() == ["t1", "t2", "t1"]
    assert np.array_equal(matrix, [[5, 6], [1, 2], [3, 4]]) and matrix.flags["C_CONTIGUOUS"]
    reference_keys, reference = warehouse.feature_matrix(relation, reference_only=True)
    assert reference_keys.num_rows == 2 and np.array_equal(reference, [[5, 6], [3, 4]])
    table = warehouse.record_table(keys, matrix, "factor_")
    assert table.column_names == ["student_id", "term", "is_reference", "factor_1", "factor_2"]
    back_keys, back = warehouse.record_matrix(connection.from_arrow(table), "factor_", reference_only=True)
    assert back_keys.equals(reference_keys) and np.array_equal(back, reference)


def test_wide_table_and_wide_matrix_round_trip_with_numeric_column_order(connection):
    matrix = np.arange(22, dtype=float).reshape(2, 11)
    table = warehouse.wide_table("persona_id", [2, 1], matrix, "factor_")
    assert table.column_names[:3] == ["persona_id", "factor_1", "factor_2"]
    keys, back = warehouse.wide_matrix(connection.from_arrow(table), "persona_id", "factor_")
    assert keys.tolist() == [1, 2]
    assert np.array_equal(back, matrix[::-1])  # factor_10 and factor_11 come after factor_9


def test_loadings_matrix_from_long_rows(connection):
    relation = connection.sql(
        "select * from (values (2, 1, 0.5), (1, 2, 0.2), (1, 1, 0.1), (2, 2, 0.6)) t(factor_id, feature_index, loading)")
    assert np.array_equal(warehouse.loadings_matrix(relation), [[0.1, 0.2], [0.5, 0.6]])


def test_long_matrix_keys_rows_in_order(connection):
    relation = connection.sql(
        "select * from (values (7, 2, 0.5::double), (3, 1, 0.1), (7, 1, 0.4), (3, 2, 0.2)) t(persona_id, factor_id, value)")
    keys, matrix = warehouse.long_matrix(relation, "persona_id", "factor_id", "value")
    assert keys.tolist() == [3, 7] and np.array_equal(matrix, [[0.1, 0.2], [0.4, 0.5]])


def test_selection_table_records_the_choice_its_reference_and_edge(connection):
    reference = structure.Reference(np.array([0.30, 0.34]))
    choice = structure.Choice(best=3, chosen=2, references={3: reference, 2: reference}, edge="bottom",
                              flat_note="k 2 instead of 3")
    table = warehouse.selection_table("kmeans_k", "k", [2, 3], {"silhouette": np.array([0.48, 0.5]),
                                                                "inertia": np.array([9.0, 7.0])},
                                      choice, rule="highest", sample_size=10, reference_metric="silhouette")
    rows = table.to_pylist()
    assert [(r["parameter_value"], r["metric"], r["is_chosen"], r["is_best"]) for r in rows] == [
        (2, "silhouette", True, False), (2, "inertia", True, False),
        (3, "silhouette", False, True), (3, "inertia", False, True)]
    assert [r["reference_mean"] for r in rows] == [pytest.approx(0.32), None, pytest.approx(0.32), None]
    assert rows[0]["reference_sd"] == pytest.approx(np.std([0.30, 0.34], ddof=1)) and rows[0]["reference_draws"] == 2
    assert [r["range_edge"] for r in rows] == ["bottom", "bottom", None, None]
    assert rows[0]["choice_note"] == "k 2 instead of 3" and rows[2]["choice_note"] is None
    assert warehouse.chosen_value(connection.from_arrow(table)) == 2
    nothing = warehouse.selection_table("kmeans_k", "k", [2], {"silhouette": np.array([0.2])},
                                        structure.Choice(9, 9, {}, None, None), rule="x", sample_size=1,
                                        reference_metric="silhouette")
    with pytest.raises(ValueError, match="no parameter value is marked as chosen"):
        warehouse.chosen_value(connection.from_arrow(nothing))


def test_settings_and_student_count_guards():
    import duckdb

    relation = duckdb.sql("select * from (values ('random_seed', '7'::json), ('students_like_me_k', '10'::json), "
                          "('context_neighbours_k', '50'::json), ('column_phrases', '{\"GPA\": [\"a\", \"b\"]}'::json)) "
                          "as settings (setting_name, setting_value)")
    assert warehouse.settings(relation) == {"random_seed": 7, "students_like_me_k": 10, "context_neighbours_k": 50,
                                            "column_phrases": {"GPA": ["a", "b"]}, "neighbours_k": 50}
    with pytest.raises(ValueError, match="needs at least 11 valid students, but there are only 3"):
        warehouse.require_students(3, 11, "sweeping k from 10")
    warehouse.require_students(11, 11, "ok")
    with pytest.raises(ValueError, match="only 0 survived encoding"):
        warehouse.require_features(0)
    warehouse.require_features(1)


def test_in_own_process_returns_what_a_direct_call_returns_and_raises_its_errors():
    from student_personas import personas

    rng = np.random.default_rng(3)
    scores = np.vstack([rng.normal(0, 0.1, (40, 2)), rng.normal(3, 0.1, (40, 2))])
    direct = personas.sweep_k(scores, range(2, 4), 3, 7, 80)
    forked = warehouse.in_own_process(personas.sweep_k, scores, range(2, 4), 3, 7, 80)
    assert forked.chosen_k == direct.chosen_k == 2
    assert np.array_equal(forked.silhouette, direct.silhouette)
    assert np.array_equal(forked.centroids[2], direct.centroids[2])
    with pytest.raises(ValueError, match="no k in the sweep"):
        warehouse.in_own_process(personas.sweep_k, scores, range(100, 101), 3, 7, 80)


def test_in_own_processes_returns_each_calls_result_in_order_and_raises_a_childs_error():
    from student_personas import personas

    rng = np.random.default_rng(4)
    scores = np.vstack([rng.normal(0, 0.1, (40, 2)), rng.normal(3, 0.1, (40, 2)), rng.normal(-3, 0.1, (40, 2))])
    two, three = warehouse.in_own_processes((personas.sweep_k, scores, range(2, 3), 3, 7, 120),
                                            (personas.sweep_k, scores, range(3, 4), 3, 7, 120))
    assert (two.chosen_k, three.chosen_k) == (2, 3)
    assert np.array_equal(three.silhouette, personas.sweep_k(scores, range(3, 4), 3, 7, 120).silhouette)
    with pytest.raises(ValueError, match="no k in the sweep"):
        warehouse.in_own_processes((personas.sweep_k, scores, range(2, 3), 3, 7, 120),
                                   (personas.sweep_k, scores, range(500, 501), 3, 7, 120))


FORKS_BESIDE_A_LOGGING_THREAD = """
import io, os, sys, threading, time
from student_personas import warehouse
read_end, write_end = os.pipe()
sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(write_end, "w")))
def drain():
    while os.read(read_end, 1 << 16):
        pass
def log_forever():  # as dbt's threads log: the stream's lock is held for part of every write
    while True:
        print("x" * 200, flush=True)
        time.sleep(0.0002)
threading.Thread(target=drain, daemon=True).start()
threading.Thread(target=log_forever, daemon=True).start()
results = [warehouse.in_own_process(sum, [1, 2, i]) for i in range(100)]
print(sum(results), file=sys.__stderr__, flush=True)
os._exit(0)
"""


def test_in_own_process_never_hangs_while_another_thread_writes_to_stdout():
    """A child forked while another thread holds stdout's lock (dbt logs from two threads) inherits that lock
    held; before the child got streams of its own, its exit flush hung for good within about 20 forks."""
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-c", FORKS_BESIDE_A_LOGGING_THREAD], capture_output=True,
                               text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stderr.strip().splitlines()[-1] == str(sum(3 + i for i in range(100)))
