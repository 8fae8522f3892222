"""Exact "students like me": for every student, the k most similar other students by cosine similarity.

The notebook this replaces built the full N x N cosine matrix and ran out of memory near 40,000 students.
Here no step holds more than one chunk of candidate lists per thread, so memory grows linearly with N:

1. Rows are scaled to unit length. On the unit sphere ||a - b||^2 = 2 - 2 cos(a, b), so the Euclidean
   nearest neighbours of a unit vector are exactly its cosine nearest neighbours, and an exact k-d tree
   (`scipy.spatial.cKDTree`) finds them without comparing every pair. With 4 to 8 factor columns this is
   hundreds of times faster than blockwise matrix products, though its cost grows steeply with the
   number of columns (see docs/benchmarks.md).
2. Rows with the same direction (exact duplicates, or exact positive multiples of each other) are
   collapsed into one tree point first. They all have the same neighbours, so each direction is searched
   once, and a large block of identical students cannot blow up the candidate lists.
3. Candidates are re-scored with one fixed formula and ranked on (-similarity, row). A tie that reaches
   past the last fetched candidate is detected and that query is repeated with twice as many candidates,
   so the lowest-row rule holds exactly, also at the k-th place.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

# Similarities are rounded before ranking: far below any meaningful difference, far above the last-bit
# noise of float64 arithmetic, so cosines that are equal on paper also compare equal.
SIMILARITY_DECIMALS = 12
# A fetched candidate list is known complete only for similarities above its lowest one plus this margin,
# which covers the rounding above and the tree's own distance arithmetic (both far smaller).
COMPLETENESS_MARGIN = 1e-9
# Candidates fetched beyond the k + 1 needed, so that the completeness margin is usually met at once.
EXTRA_CANDIDATES = 3
# Distinct directions searched per chunk: bounds the working memory of candidate lists.
QUERY_CHUNK = 8_192
# Above this many students a progress line is written to stderr about every 10% (unless told otherwise).
PROGRESS_ABOVE_ROWS = 200_000


class Neighbours(NamedTuple):
    """Row i holds the k students most similar to student i, most similar first.

    `rows` are 0-based row positions in the input (int32); `similarities` the matching cosines (float64,
    rounded to `SIMILARITY_DECIMALS` places), non-increasing along each row.
    """

    rows: np.ndarray
    similarities: np.ndarray


def nearest_by_cosine(
    vectors: np.ndarray, k: int = 10, *, workers: int = -1, progress: bool | None = None
) -> Neighbours:
    """Return the exact k most cosine-similar other rows of every row of `vectors` (n x r, finite).

    Semantics, all exact:

    - A row is never its own neighbour. Each row of the result is ordered by similarity, highest first.
      The ranking is a total order, so the first k columns of a search for K > k are exactly the search
      for k: one search with the largest k serves every smaller one.
    - Ties are broken by the lower row index, including at the k-th place: if three rows tie for the last
      two places, the two with the lowest row indices are chosen. Rows are ordered by student id upstream,
      so the result does not depend on anything but the data.
    - Exact duplicates (and exact positive multiples) of a vector have similarity 1 with each other and
      are therefore each other's nearest neighbours, lowest rows first. Similarities are rounded to 12
      decimals before ranking, so cosines that are equal on paper but differ in their last float64 bits
      (for example two directions placed symmetrically around a third) count as tied too, unless they
      happen to straddle a rounding boundary.
    - An all-zero vector has no direction, so its cosine is undefined; it is given similarity 0 with every
      row (never NaN). A zero row's neighbours are therefore the k lowest other rows, each with similarity
      0, and a zero row appears among another row's neighbours only where 0 reaches its top k (for
      non-negative data: when fewer than k rows share any factor with it).

    Memory is linear in n, never n x n. Besides the input: the output, n * k * 12 bytes; the direction
    groups and the tree, about n * (2r + 3) * 8 bytes (about 2.5 times that for a moment while they are
    built); and, per worker thread, the candidate lists of one chunk of `QUERY_CHUNK` directions, about
    160 * QUERY_CHUNK * (k + 5) bytes (72 MiB at k = 50). At n = 1,000,000, r = 5, k = 50 the search adds
    about 0.9 GiB to its process, 0.56 GiB of it the output (docs/benchmarks.md).

    `workers` is the number of threads that search chunks in parallel (-1 = one per core); the result
    does not depend on it. `progress` writes a line to stderr about every 10% of the search; by default it
    does so when there are more than `PROGRESS_ABOVE_ROWS` rows.
    """
    vectors = _validated(vectors, k)
    n_rows = vectors.shape[0]
    groups = DirectionGroups.from_vectors(vectors)
    neighbour_rows = np.empty((n_rows, k), dtype=np.int32)
    similarities = np.empty((n_rows, k), dtype=np.float64)

    if groups.zero_group_size:
        # With similarity 0 to everyone, a zero row's best k + 1 candidates are simply the first rows.
        _write_group_results(groups, np.array([groups.zero_group]), np.arange(k + 1)[None, :],
                             np.zeros((1, k + 1)), neighbour_rows, similarities)

    n_directions = groups.n_directions
    if n_directions:
        # Sliding-midpoint splits (balanced_tree=False) fit points on a sphere better than median splits:
        # the same at 5 factors, about 25% faster queries at 8 and 12 factors, measured at a million rows.
        tree = cKDTree(groups.units, balanced_tree=False, copy_data=False)
        # Searching in the tree's own leaf order keeps consecutive queries in the same branches (about
        # 2.5x faster than input order at a million rows).
        search_order = tree.indices

        def search_chunk(start: int) -> int:
            directions = search_order[start:start + QUERY_CHUNK]
            best_rows, best_similarities = _best_rows_of_directions(groups, tree, directions, k + 1)
            _write_group_results(groups, directions, best_rows, best_similarities, neighbour_rows, similarities)
            return start + directions.size

        reporter = _ProgressReporter(n_directions, n_rows > PROGRESS_ABOVE_ROWS if progress is None else progress)
        # Whole chunks run in parallel threads (the tree query and the large numpy operations release the
        # GIL), so the ranking work is spread over the cores too, not only the tree query. Chunks write
        # disjoint rows of the output.
        with ThreadPoolExecutor(max_workers=os.cpu_count() if workers == -1 else workers) as pool:
            for searched in pool.map(search_chunk, range(0, n_directions, QUERY_CHUNK)):
                reporter.done(searched)
    return Neighbours(neighbour_rows, similarities)


def nearest_by_cosine_within_groups(
    vectors: np.ndarray, groups: np.ndarray, k: int = 10, *, workers: int = -1, progress: bool | None = None
) -> Neighbours:
    """`nearest_by_cosine` within each group of rows (`groups`: one label per row): row i's neighbours are
    the k most similar other rows with the same label, as 0-based rows of `vectors`.

    Used with terms: a file with one row per student and term holds each student once per term, so
    searching within a term never returns the student's own record from another term, and "students like
    me" are classmates of the same term. One search per group (a handful of terms), not per student; every
    group needs more than k rows."""
    groups = np.asarray(groups)
    labels, inverse = np.unique(groups, return_inverse=True)
    neighbour_rows = np.empty((len(groups), k), dtype=np.int32)
    similarities = np.empty((len(groups), k), dtype=np.float64)
    for index, label in enumerate(labels):
        members = np.flatnonzero(inverse == index)
        if members.size <= k:
            raise ValueError(f"student-personas: finding {k} similar students within term '{label}' needs at least "
                             f"{k + 1} students in it, but it has {members.size}; set students_like_me_k and "
                             "context_neighbours_k lower")
        found = nearest_by_cosine(vectors[members], k, workers=workers, progress=progress)
        neighbour_rows[members] = members[found.rows]
        similarities[members] = found.similarities
    return Neighbours(neighbour_rows, similarities)


def _validated(vectors: np.ndarray, k: int) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[1] < 1:
        raise ValueError(f"vectors must be a 2-D array with at least one column, got shape {vectors.shape}")
    if not np.isfinite(vectors).all():
        bad_row = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise ValueError(f"vectors must be finite; row {bad_row} holds {vectors[bad_row].tolist()}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    n_rows = vectors.shape[0]
    if n_rows < k + 1:
        raise ValueError(
            f"need at least k + 1 = {k + 1} rows to find {k} neighbours for each row, got {n_rows} rows")
    if n_rows > np.iinfo(np.int32).max:
        raise ValueError(f"at most {np.iinfo(np.int32).max:,} rows are supported (int32 row positions), "
                         f"got {n_rows:,}")
    return vectors


@dataclass(frozen=True)
class DirectionGroups:
    """Rows grouped by direction: group g < n_directions holds the rows whose unit vector is `units[g]`;
    the last group (`zero_group`) holds the all-zero rows. `member_rows[start[g]:start[g] + size[g]]` lists
    the rows of group g in ascending order."""

    units: np.ndarray
    units_by_column: np.ndarray
    member_rows: np.ndarray
    start: np.ndarray
    size: np.ndarray

    @classmethod
    def from_vectors(cls, vectors: np.ndarray) -> DirectionGroups:
        largest = np.abs(vectors).max(axis=1)
        nonzero = largest > 0
        # Dividing by the largest magnitude first maps exact positive multiples to bit-identical rows
        # (correctly rounded division of equal ratios), and avoids overflow and underflow in the norm.
        scaled = vectors[nonzero] / largest[nonzero, None]
        units = scaled / np.sqrt(np.einsum("ij,ij->i", scaled, scaled))[:, None]
        unique_units, group_of_nonzero_row, group_sizes = np.unique(
            units, axis=0, return_inverse=True, return_counts=True)
        nonzero_rows = np.flatnonzero(nonzero)
        grouped = nonzero_rows[np.argsort(group_of_nonzero_row.ravel(), kind="stable")]
        zero_rows = np.flatnonzero(~nonzero)
        sizes = np.append(group_sizes, zero_rows.size)
        return cls(
            units=unique_units,
            units_by_column=np.ascontiguousarray(unique_units.T),
            member_rows=np.concatenate([grouped, zero_rows]),
            start=np.cumsum(sizes) - sizes,
            size=sizes,
        )

    @property
    def n_directions(self) -> int:
        return self.units.shape[0]

    @property
    def zero_group(self) -> int:
        return self.n_directions

    @property
    def zero_group_size(self) -> int:
        return int(self.size[self.zero_group])

    def members(self, groups: np.ndarray, limit: int | None = None) -> np.ndarray:
        """The rows of each of `groups` (the lowest `limit` of each when given), concatenated in order."""
        counts = self.size[groups] if limit is None else np.minimum(self.size[groups], limit)
        return self.member_rows[np.repeat(self.start[groups], counts) + _ragged_arange(counts)]


def _ragged_arange(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for every c in `counts`, concatenated: [2, 3] -> [0, 1, 0, 1, 2]."""
    ends = np.cumsum(counts)
    return np.arange(ends[-1] if ends.size else 0) - np.repeat(ends - counts, counts)


def _rounded_cosines(groups: DirectionGroups, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Cosine of each query direction with each of its candidate directions (q x c), rounded.

    One fixed formula for every pair, summed column by column in the same order, so that the similarity
    of two directions does not depend on where they sit in a chunk, nor on which one is the query.
    """
    cosines = np.zeros(candidates.shape)
    for column in groups.units_by_column:
        cosines += column[queries][:, None] * column[candidates]
    return np.round(cosines, SIMILARITY_DECIMALS)


def _best_rows_of_directions(
    groups: DirectionGroups, tree: cKDTree, directions: np.ndarray, n_best: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each direction, the `n_best` rows most similar to it (its own rows included), ranked on
    (-similarity, row). Queries whose ranking ties with the last fetched candidate are repeated with twice
    as many candidates until the ranking is provably complete."""
    best_rows = np.empty((directions.size, n_best), dtype=np.int64)
    best_similarities = np.empty((directions.size, n_best))
    pending = np.arange(directions.size)
    n_candidates = min(groups.n_directions, n_best + EXTRA_CANDIDATES)
    while pending.size:
        queries = directions[pending]
        _, candidates = tree.query(groups.units[queries], k=n_candidates)
        candidates = candidates.reshape(queries.size, n_candidates)
        cosines = _rounded_cosines(groups, queries, candidates)
        if n_candidates == groups.n_directions:
            complete_above = np.full(queries.size, -np.inf)
        else:
            complete_above = cosines.min(axis=1) + COMPLETENESS_MARGIN
        if groups.zero_group_size:
            candidates = np.column_stack([candidates, np.full(queries.size, groups.zero_group)])
            cosines = np.column_stack([cosines, np.zeros(queries.size)])
        resolved, rows, similarities = _rank_candidate_rows(groups, candidates, cosines, n_best, complete_above)
        best_rows[pending[resolved]] = rows
        best_similarities[pending[resolved]] = similarities
        pending = pending[~resolved]
        n_candidates = min(groups.n_directions, 2 * n_candidates)
    return best_rows, best_similarities


def _rank_candidate_rows(
    groups: DirectionGroups, candidates: np.ndarray, cosines: np.ndarray, n_best: int,
    complete_above: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand candidate directions into their rows and keep the best `n_best` rows per query.

    A query is resolved when the similarity of its `n_best`-th row is above `complete_above` (so that no
    unfetched direction can reach it) and enough rows were fetched. Every candidate tied with that boundary
    similarity is expanded, so ties are decided by row, never by the tree's fetch order. Only the lowest
    `n_best` rows of a group can matter, so no group contributes more.
    Returns the resolved mask and, for resolved queries only, the ranked rows and similarities.
    """
    by_similarity = np.argsort(-cosines, axis=1, kind="stable")
    candidates = np.take_along_axis(candidates, by_similarity, axis=1)
    cosines = np.take_along_axis(cosines, by_similarity, axis=1)
    usable_rows = np.minimum(groups.size[candidates], n_best)
    rows_so_far = np.cumsum(usable_rows, axis=1)
    boundary_position = np.argmax(rows_so_far >= n_best, axis=1)
    boundary = cosines[np.arange(cosines.shape[0]), boundary_position]
    resolved = (rows_so_far[:, -1] >= n_best) & (boundary > complete_above)

    # Expanded in (query, -similarity) order, since candidates are sorted that way already; only runs of
    # equal similarity still need ordering by row.
    query, position = np.nonzero((cosines >= boundary[:, None]) & resolved[:, None])
    expanded_groups = candidates[query, position]
    counts = np.minimum(groups.size[expanded_groups], n_best)
    row_query = np.repeat(query, counts)
    row_similarity = np.repeat(cosines[query, position], counts)
    row = groups.members(expanded_groups, limit=n_best)
    _sort_rows_within_ties(row_query, row_similarity, row)
    rows_per_query = np.bincount(row_query, minlength=cosines.shape[0])
    rank_in_query = _ragged_arange(rows_per_query)
    best = rank_in_query < n_best
    return resolved, row[best].reshape(-1, n_best), row_similarity[best].reshape(-1, n_best)


def _sort_rows_within_ties(query: np.ndarray, similarity: np.ndarray, row: np.ndarray) -> None:
    """Sort `row` ascending, in place, within each run of equal (query, similarity).

    Only the tied entries are sorted: sorting the whole flat array would cost several times the tree search
    itself, and real factor scores have few exact ties.
    """
    starts_run = np.ones(row.size, dtype=bool)
    starts_run[1:] = (query[1:] != query[:-1]) | (similarity[1:] != similarity[:-1])
    run = np.cumsum(starts_run)
    tied = np.bincount(run)[run] > 1
    tied_rows = row[tied]
    row[tied] = tied_rows[np.lexsort((tied_rows, run[tied]))]


def _write_group_results(
    groups: DirectionGroups, group_ids: np.ndarray, best_rows: np.ndarray, best_similarities: np.ndarray,
    neighbour_rows: np.ndarray, similarities: np.ndarray,
) -> None:
    """Give every member row of `group_ids` its group's k + 1 best rows minus itself (or minus the last
    one when it is not among them), written in slices of `QUERY_CHUNK` rows to bound memory."""
    members = groups.members(group_ids)
    member_group = np.repeat(np.arange(group_ids.size), groups.size[group_ids])
    k = neighbour_rows.shape[1]
    for start in range(0, members.size, QUERY_CHUNK):
        rows = members[start:start + QUERY_CHUNK]
        local = member_group[start:start + QUERY_CHUNK]
        candidate_rows = best_rows[local]
        dropped = candidate_rows == rows[:, None]
        dropped[~dropped.any(axis=1), -1] = True
        neighbour_rows[rows] = candidate_rows[~dropped].reshape(-1, k)
        similarities[rows] = best_similarities[local][~dropped].reshape(-1, k)


class _ProgressReporter:
    """Writes 'searched x of y directions' to stderr each time another tenth of the work is done."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.started = time.perf_counter()
        self.next_tenth = 1

    def done(self, count: int) -> None:
        if not self.enabled or count * 10 < self.next_tenth * self.total:
            return
        self.next_tenth = count * 10 // self.total + 1
        print(f"nearest_by_cosine: searched {count:,} of {self.total:,} distinct directions "
              f"in {time.perf_counter() - self.started:.1f}s", file=sys.stderr, flush=True)
