"""The statistics SQL functions, by hand and through a DuckDB connection."""

import duckdb
import pytest

from student_personas import sql_functions


def test_chi_square_p_value_reference_points():
    assert sql_functions.chi_square_p_value(3.841458820694124, 1) == pytest.approx(0.05)
    assert sql_functions.chi_square_p_value(0.0, 4) == 1.0
    assert sql_functions.chi_square_p_value(5.0, 0) is None


def test_fisher_exact_by_hand():
    # [[1, 9], [11, 3]]: the classic tea-tasting style table; two-sided p = 0.002759 (hypergeometric sum).
    assert sql_functions.fisher_exact_p_value(1, 9, 11, 3) == pytest.approx(0.0027595, abs=1e-6)
    assert sql_functions.fisher_exact_p_value(5, 5, 5, 5) == pytest.approx(1.0)


def test_functions_are_callable_from_sql_including_nulls():
    with duckdb.connect() as connection:
        sql_functions.register(connection)
        cursor = connection.cursor()
        rows = cursor.sql("select chi_square_p_value(3.841458820694124, 1), fisher_exact_p_value(1, 9, 11, 3), "
                          "chi_square_p_value(null, 1)").fetchall()
        cursor.close()
    assert rows[0][0] == pytest.approx(0.05) and rows[0][1] == pytest.approx(0.0027595, abs=1e-6)
    assert rows[0][2] is None
