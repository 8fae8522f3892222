"""Primary and secondary small-cell suppression on hand-checkable tables."""

import numpy as np
import pytest
from scipy.optimize import linprog

from student_personas.disclosure import suppress_small_cells


def table(rows: dict[str, list[int]]):
    """A persona × group table with published row and column totals, as counts and lines."""
    counts, lines = {}, {}
    for row, values in rows.items():
        for column, value in enumerate(values):
            cell = f"{row}/{column}"
            counts[cell] = value
            lines.setdefault(f"row {row}", []).append(cell)
            lines.setdefault(f"column {column}", []).append(cell)
    return counts, lines


def test_nothing_is_hidden_when_every_cell_is_large_or_zero():
    counts, lines = table({"a": [20, 0, 31], "b": [15, 12, 40]})
    assert set(suppress_small_cells(counts, lines, 10).values()) == {None}


def test_a_single_small_cell_forces_complementary_cells_in_its_row_and_column():
    counts, lines = table({"a": [20, 3, 31], "b": [15, 12, 40]})
    status = suppress_small_cells(counts, lines, 10)
    assert status["a/1"] == "primary"
    # Row a: hide the smallest other cell (20); column 1: hide 12; then row b and column 0 each have one
    # hidden cell, so 15 goes too; every line now hides two cells or none.
    assert status["a/0"] == status["b/1"] == status["b/0"] == "secondary"
    assert status["a/2"] is None and status["b/2"] is None
    for members in lines.values():
        assert sum(1 for cell in members if status[cell]) != 1


def test_two_small_cells_in_a_line_protect_each_other():
    counts = {"p1": 4, "p2": 6, "p3": 50}
    status = suppress_small_cells(counts, {"positives": ["p1", "p2", "p3"]}, 10)
    assert status == {"p1": "primary", "p2": "primary", "p3": None}


def test_one_small_cell_in_a_margin_hides_the_next_smallest():
    counts = {"p1": 4, "p2": 16, "p3": 12}
    assert suppress_small_cells(counts, {"positives": ["p1", "p2", "p3"]}, 10) == {
        "p1": "primary", "p2": None, "p3": "secondary"}


def test_threshold_is_configurable_and_ties_are_deterministic():
    counts = {"x": 12, "y": 30, "z": 30}
    assert suppress_small_cells(counts, {"all": ["x", "y", "z"]}, 15) == {"x": "primary", "y": "secondary", "z": None}


def test_lines_must_refer_to_known_cells():
    with pytest.raises(ValueError, match="without a count"):
        suppress_small_cells({"a": 1}, {"l": ["a", "b"]}, 10)


def feasible_range(counts, lines, status, cell) -> tuple[float, float]:
    """The smallest and largest value ``cell`` can take given every visible cell, every line total and
    counts that are not negative: what a reader of the published table can work out about it."""
    hidden = sorted(name for name, state in status.items() if state)
    rows = [[1.0 if name in members else 0.0 for name in hidden] for members in lines.values()]
    totals = [sum(counts[name] for name in members if name in hidden) for members in lines.values()]
    objective = np.array([1.0 if name == cell else 0.0 for name in hidden])
    low, high = (linprog(sign * objective, A_eq=rows, b_eq=totals, bounds=(0, None)) for sign in (1, -1))
    return low.fun, -high.fun


def test_complementary_cells_are_not_zeros_that_give_the_small_cell_away():
    """Tiers (columns) by persona (rows) with empty tiers, as in the built-in cohort's context indicator. Had
    the zeros been taken as complements (the smallest cells), the RED column's hidden cells would sum to
    zero, and the other lines would then give the AMBER count 2 away exactly. A zero is still taken where a line
has nothing else (the RED column)."""
    counts, lines = table({"p1": [192, 52, 0], "p2": [0, 215, 0], "p3": [127, 82, 0], "p4": [0, 2, 167],
                           "p5": [0, 163, 0]})
    status = suppress_small_cells(counts, lines, 10)
    assert [cell for cell, state in status.items() if state == "primary"] == ["p4/1"]
    low, high = feasible_range(counts, lines, status, "p4/1")
    assert low <= 2 <= high and high - low >= 10
