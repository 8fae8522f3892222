"""Small-cell suppression for published outputs, checked against what a reader can work out.

Published outputs (reports, exports, ``*_published`` views) must not let anyone read or recompute a count
from 1 to ``min_cell_size - 1`` of students by label or protected group. Such a count is withheld (primary
suppression). Hiding it is not enough: published totals and the other cells of a table let a reader solve
for it, and one table's totals are another table's cells (persona sizes, the cohort size, the overall
number of positives and the RED-tier size appear in several tables). So suppression works on one system of
cells for all published tables together:

- a **cell** is one count, with its kind: ``sensitive`` (by label or protected group: withheld when
  small), ``public`` (always published, such as the persona sizes and the cohort size) or ``unpublished``
  (never shown, such as a count that only exists to state a relation exactly);
- a **relation** is an exact linear equation between cells, ``sum(coefficient * cell) = 0``: a total and
  the cells it adds up to (total with coefficient -1, members +1).

Every withheld count is published with one marker, "suppressed", whether it is small itself or a
complementary cell (as statistical offices do): a marker that meant "1 to N-1" would tell a reader that a
cell is not zero, and a total of k such cells would then be known to be at least k. A reader therefore
knows every published number, every relation, and that withheld counts are whole numbers from 0 up.
:func:`exposed_cells` computes by integer programming over exactly that knowledge (scipy's ``milp``)
whether each primary cell can still be any value from 1 to N-1; :func:`suppress_small_cells` hides
complementary cells until it can. First a cheap pass makes sure no relation has exactly one withheld
cell (that cell would be its total minus the visible ones); then each cell the integer program still
narrows gets another complementary cell among the cells it shares a relation with (or, when those are all
withheld, among theirs), until no primary cell is narrowed. Complements are chosen cheapest first (a cost
per cell: what withholding it takes from readers), then the smallest non-zero count; finally the costliest
complements are given back one at a time wherever every rule still holds without them, since greedy
choices over-suppress.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

SENSITIVE, PUBLIC, UNPUBLISHED = "sensitive", "public", "unpublished"
PRIMARY, SECONDARY = "primary", "secondary"



@dataclass(frozen=True)
class Exposure:
    """A primary cell whose feasible range, given everything published, is narrower than 1 to N-1."""

    cell: str
    low: int
    high: int
    required_high: int

    def describe(self, value: int | None = None) -> str:
        actual = f" (actual {value})" if value is not None else ""
        return (f"{self.cell}: published numbers leave {self.low} to {self.high}{actual}, "
                f"narrower than 1 to {self.required_high}")


def relations_by_cell(relations: Mapping[str, Mapping[str, int]]) -> dict[str, list[str]]:
    members = defaultdict(list)
    for relation, terms in relations.items():
        for cell in terms:
            members[cell].append(relation)
    return members


def exposed_cells(equations: Iterable[tuple[Mapping[str, int], int]], unknowns: Iterable[str],
                  targets: Iterable[str], min_cell_size: int, upper: int,
                  required_high: Mapping[str, int] | None = None, exact: bool = True) -> list[Exposure]:
    """The target cells that the equations narrow below 1 to min_cell_size - 1.

    ``equations`` are ``({unknown: coefficient}, constant)`` pairs meaning ``sum(coefficient * unknown) =
    constant`` over the withheld cells (published numbers already moved to the constant); every unknown is
    a whole number from 0 to ``upper`` (the cohort size). A target must be able to be at most 1 and at
    least ``required_high[cell]`` (default min_cell_size - 1; lower when a public total bounds the cell
    anyway, as a persona of 5 students bounds its positives by 5).

    Each answer is an integer feasibility problem: "can this cell be 1 or less given everything else?" and
    "can it reach the required high value?". A solution found for one question is kept as a witness for
    every target it happens to answer, so most cells need no problem of their own. The ranges of exposed
    cells are then computed exactly (minimum and maximum) unless ``exact`` is false (then low and high
    are -1: only whether a cell is exposed is asked)."""
    names = sorted(set(unknowns))
    index = {name: position for position, name in enumerate(names)}
    targets = [name for name in targets if name in index]
    if not targets:
        return []
    required_high = {name: min(min_cell_size - 1, (required_high or {}).get(name, min_cell_size - 1))
                     for name in targets}
    rows, columns, data, constants = [], [], [], []
    for row, (terms, constant) in enumerate(equations):
        for name, coefficient in terms.items():
            rows.append(row)
            columns.append(index[name])
            data.append(coefficient)
        constants.append(constant)
    constraints = []
    if constants:
        matrix = coo_array((data, (rows, columns)), shape=(len(constants), len(names))).tocsr()
        constraints = [LinearConstraint(matrix, constants, constants)]
    integrality = np.ones(len(names))

    def solve(objective, name: str | None = None, low: float = 0.0, high: float = float(upper)):
        lower, upper_bounds = np.zeros(len(names)), np.full(len(names), float(upper))
        if name is not None:
            lower[index[name]], upper_bounds[index[name]] = low, high
        result = milp(objective, constraints=constraints, integrality=integrality,
                      bounds=Bounds(lower, upper_bounds))
        return result if result.status == 0 else None

    reached_low, reached_high = set(), set()

    def record(result) -> None:
        values = np.round(result.x).astype(int)
        for name in targets:
            if values[index[name]] <= 1:
                reached_low.add(name)
            if values[index[name]] >= required_high[name]:
                reached_high.add(name)

    pushes = np.zeros(len(names))
    for name in targets:
        pushes[index[name]] = 1.0
    for sign in (1.0, -1.0):  # every target as low as possible, then as high: most answered at once
        result = solve(sign * pushes)
        if result is None:
            raise ValueError("the published numbers are inconsistent: no counts satisfy every relation")
        record(result)
    exposed = []
    zeros = np.zeros(len(names))
    for name in targets:
        if name not in reached_low and (result := solve(zeros, name, 0.0, 1.0)) is not None:
            record(result)
        if name not in reached_high and (result := solve(zeros, name, float(required_high[name]))) is not None:
            record(result)
        if name in reached_low and name in reached_high:
            continue
        if not exact:
            exposed.append(Exposure(name, -1, -1, required_high[name]))
            continue
        objective = np.zeros(len(names))
        objective[index[name]] = 1.0
        low = round(solve(objective).x[index[name]])
        high = round(solve(-objective).x[index[name]])
        exposed.append(Exposure(name, low, high, required_high[name]))
    return exposed


def hidden_system(counts: Mapping[str, int], relations: Mapping[str, Mapping[str, int]],
                  status: Mapping[str, str | None]) -> list[tuple[dict[str, int], int]]:
    """The equations a reader of the published cells faces: published counts moved to the constants,
    withheld cells as unknowns."""
    equations = []
    for terms in relations.values():
        unknowns = {cell: coefficient for cell, coefficient in terms.items() if status[cell]}
        if unknowns:
            constant = -sum(coefficient * counts[cell] for cell, coefficient in terms.items() if not status[cell])
            equations.append((unknowns, constant))
    return equations


def public_bounds(counts: Mapping[str, int], kinds: Mapping[str, str],
                  relations: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """For each cell, the smallest public total it is a member of: a bound every reader knows anyway."""
    bounds: dict[str, int] = {}
    for terms in relations.values():
        totals = [cell for cell, coefficient in terms.items() if coefficient < 0]
        if len(totals) == 1 and kinds[totals[0]] == PUBLIC:
            for cell, coefficient in terms.items():
                if coefficient > 0:
                    bounds[cell] = min(bounds.get(cell, counts[totals[0]]), counts[totals[0]])
    return bounds


def suppress_small_cells(counts: Mapping[str, int], kinds: Mapping[str, str],
                         relations: Mapping[str, Mapping[str, int]], min_cell_size: int,
                         costs: Mapping[str, int] | None = None, restore_cost: int | None = None
                         ) -> dict[str, str | None]:
    """For every cell id: 'primary', 'secondary' or None (published). Unpublished cells are 'secondary'.

    ``counts`` and ``kinds`` map cell ids to counts and kinds (SENSITIVE, PUBLIC, UNPUBLISHED);
    ``relations`` map relation ids to ``{cell: coefficient}`` with ``sum(coefficient * count) = 0``;
    ``costs`` (default 0 for every cell) rank what a complementary cell costs the reader: cheaper cells are
    withheld first, and complementary cells costing ``restore_cost`` or more are given back afterwards
    wherever the rules hold without them (none when it is None). Deterministic: relations are visited in sorted order, candidates in order of (cost, zero
    last, count, id)."""
    unknown = {cell for terms in relations.values() for cell in terms} - counts.keys()
    if unknown:
        raise ValueError(f"relations refer to cells without a count: {sorted(unknown)[:5]}")
    for name, terms in relations.items():
        if sum(coefficient * counts[cell] for cell, coefficient in terms.items()) != 0:
            raise ValueError(f"relation {name} does not hold for the counts: {dict(terms)}")
    status: dict[str, str | None] = {}
    for cell, count in counts.items():
        if kinds[cell] == UNPUBLISHED:
            status[cell] = SECONDARY
        elif kinds[cell] == SENSITIVE and 0 < count < min_cell_size:
            status[cell] = PRIMARY
        else:
            status[cell] = None
    memberships = relations_by_cell(relations)
    costs = costs or {}
    restore_cost = float("inf") if restore_cost is None else restore_cost

    def order(cell: str):
        return costs.get(cell, 0), counts[cell] == 0, counts[cell], cell

    ordered_relations = sorted(relations)
    upper = max([1, *counts.values()])
    bounds = public_bounds(counts, kinds, relations)

    def candidates(cell: str) -> list[str]:
        """Cells that could be hidden to give ``cell`` room: visible sensitive cells of its relations, else of
        the relations of the hidden cells it shares a relation with."""
        frontier, seen = {cell}, {cell}
        for _ in range(3):
            found = {other for hidden in frontier for relation in memberships[hidden] for other in relations[relation]
                     if status[other] is None and kinds[other] == SENSITIVE}
            if found:
                return sorted(found, key=order)
            frontier = {other for hidden in frontier for relation in memberships[hidden] for other in relations[relation]
                        if status[other] and other not in seen}
            seen |= frontier
        return []

    def no_single_hidden_cell() -> None:
        changed = True
        while changed:
            changed = False
            for relation in ordered_relations:
                terms = relations[relation]
                hidden = [cell for cell in terms if status[cell]]
                # A lone unpublished cell may be worked out: it is never shown, and the integer program
                # checks what it implies for the published ones.
                if len(hidden) != 1 or kinds[hidden[0]] == UNPUBLISHED:
                    continue
                visible = sorted((cell for cell in terms if not status[cell] and kinds[cell] == SENSITIVE), key=order)
                if visible:
                    status[visible[0]] = SECONDARY
                    changed = True

    primaries = sorted(cell for cell, state in status.items() if state == PRIMARY)

    def exposures(targets=None, exact=True) -> list[Exposure]:
        return exposed_cells(hidden_system(counts, relations, status), [cell for cell in status if status[cell]],
                             primaries if targets is None else targets, min_cell_size, upper, bounds, exact)

    def single_hidden_cell() -> bool:
        return any(len(hidden := [cell for cell in terms if status[cell]]) == 1 and kinds[hidden[0]] != UNPUBLISHED
                   for terms in relations.values())

    while True:
        no_single_hidden_cell()
        exposed = exposures(exact=False)
        if not exposed:
            break
        progressed = False
        for exposure in exposed:
            if not exposures([exposure.cell], exact=False):
                continue  # a complement chosen earlier in this round already freed it
            options = candidates(exposure.cell)
            if options:
                status[options[0]] = SECONDARY
                progressed = True
        if not progressed:
            # Nothing left to hide near the exposed cells: report rather than publish a narrowed cell.
            exposed = exposures()
            raise ValueError("small-cell suppression cannot protect: "
                             + "; ".join(exposure.describe(counts[exposure.cell]) for exposure in exposed[:5]))
    # Greedy choices over-suppress: give back the costliest complementary cells (from restore_cost up) one
    # at a time wherever the rules still hold without them.
    for cell in sorted((cell for cell, state in status.items() if state == SECONDARY and kinds[cell] == SENSITIVE
                        and costs.get(cell, 0) >= restore_cost), key=order, reverse=True):
        status[cell] = None
        if single_hidden_cell() or exposures(exact=False):
            status[cell] = SECONDARY
    return status
