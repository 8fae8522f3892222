"""Small-cell suppression for published outputs, with secondary suppression.

A published count from 1 to `min_cell_size - 1` could identify students, so it is shown as "<N" with no
rate (primary suppression; zero is published). Hiding one cell is not enough when the totals it adds up
to are published: the hidden value is the total minus the visible cells. So whenever a line (a set of
cells whose total is published: a row, a column, a margin) has exactly one hidden cell, the smallest
visible non-zero cell of that line is hidden too (secondary suppression), repeated until no line has a
single hidden cell. With two or more hidden cells per line only their sum is recoverable, not any one of
them. Zeros are hidden only when a line has no other visible cell: counts are never negative, so hidden
cells whose sum works out to zero are all known to be zero, and a chain of such lines can give the
small cell away (a tier × persona table with empty tiers does exactly that).
"""

from __future__ import annotations


def suppress_small_cells(
    counts: dict[str, int], lines: dict[str, list[str]], min_cell_size: int
) -> dict[str, str | None]:
    """For every cell id: 'primary', 'secondary' or None (published).

    `counts` maps cell ids to counts; `lines` maps line ids to the cells whose total is published.
    Deterministic: lines are visited in sorted order and ties between equally small cells go to the
    smaller cell id; complementary cells are the smallest non-zero ones, zeros last."""
    status: dict[str, str | None] = {
        cell: ("primary" if 0 < count < min_cell_size else None) for cell, count in counts.items()
    }
    unknown = {cell for members in lines.values() for cell in members} - status.keys()
    if unknown:
        raise ValueError(f"lines refer to cells without a count: {sorted(unknown)[:5]}")
    changed = True
    while changed:
        changed = False
        for line in sorted(lines):
            members = lines[line]
            if sum(1 for cell in members if status[cell]) != 1:
                continue
            visible = sorted((counts[cell] == 0, counts[cell], cell) for cell in members if not status[cell])
            if visible:
                status[visible[0][2]] = "secondary"
                changed = True
    return status
