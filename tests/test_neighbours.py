"""Exact cosine neighbour search: hand-checked ties, duplicates and zero vectors, and brute-force agreement."""

from fractions import Fraction

import numpy as np
import pytest

from student_personas import neighbours
from student_personas.neighbours import nearest_by_cosine

HALF_SQRT2 = round(np.sqrt(0.5), 12)


def brute_force_by_float_cosine(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The full n x n cosine matrix, ranked on (-similarity rounded to 12 places, row); zero rows score 0."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    units = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    similarity = np.round(units @ units.T, 12)
    np.fill_diagonal(similarity, -np.inf)
    n = len(vectors)
    order = np.lexsort((np.broadcast_to(np.arange(n), (n, n)), -similarity), axis=1)[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def brute_force_by_exact_cosine(vectors: np.ndarray, k: int) -> np.ndarray:
    """Neighbour rows of integer vectors ranked with exact rational arithmetic (sign(cos) * cos^2 orders
    like cos), so that ties are ties on paper, not in floating point."""
    integers = vectors.astype(np.int64)
    dots = integers @ integers.T
    squared_norms = np.diag(dots)
    ranked = []
    for row in range(len(integers)):
        def exact_key(other):
            if squared_norms[row] == 0 or squared_norms[other] == 0:
                return (Fraction(0), other)
            dot = int(dots[row, other])
            return (-Fraction(dot * abs(dot), int(squared_norms[row]) * int(squared_norms[other])), other)
        ranked.append(sorted((other for other in range(len(integers)) if other != row), key=exact_key)[:k])
    return np.array(ranked)


def test_hand_checked_ties_duplicates_and_multiples():
    vectors = np.array([[1.0, 0.0],   # 0
                        [0.0, 1.0],   # 1
                        [1.0, 1.0],   # 2: 45 degrees from everyone else
                        [2.0, 0.0],   # 3: a multiple of row 0, same direction
                        [1.0, 0.0]])  # 4: an exact duplicate of row 0
    rows, similarities = nearest_by_cosine(vectors, k=2)
    assert rows.tolist() == [[3, 4],   # its two copies, similarity 1
                             [2, 0],   # then 0, 3 and 4 tie at 0 for second place: lowest row wins
                             [0, 1],   # four-way tie at cos 45 degrees: the two lowest rows
                             [0, 4],
                             [0, 3]]
    assert similarities.tolist() == [[1, 1], [HALF_SQRT2, 0], [HALF_SQRT2] * 2, [1, 1], [1, 1]]
    assert rows.dtype == np.int32 and similarities.dtype == np.float64


def test_zero_vectors_score_zero_with_everyone_and_are_never_nan():
    vectors = np.array([[0.0, 0.0],   # 0
                        [1.0, 0.0],   # 1
                        [0.0, 0.0],   # 2
                        [0.0, 1.0],   # 3
                        [1.0, 1.0]])  # 4
    rows, similarities = nearest_by_cosine(vectors, k=2)
    assert rows.tolist() == [[1, 2],   # a zero row: the lowest other rows, all at similarity 0
                             [4, 0],   # after row 4, rows 0, 2 (zero) and 3 (orthogonal) tie at 0
                             [0, 1],
                             [4, 0],
                             [1, 3]]
    assert similarities.tolist() == [[0, 0], [HALF_SQRT2, 0], [0, 0], [HALF_SQRT2, 0], [HALF_SQRT2] * 2]


def test_all_zero_input_gives_the_lowest_other_rows():
    rows, similarities = nearest_by_cosine(np.zeros((4, 3)), k=3)
    assert rows.tolist() == [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]
    assert not similarities.any()


def test_identical_rows_are_each_others_neighbours_and_never_their_own():
    rows, similarities = nearest_by_cosine(np.tile([[0.2, 0.5, 0.1]], (5, 1)), k=4)
    assert rows.tolist() == [[other for other in range(5) if other != row] for row in range(5)]
    assert (similarities == 1).all()


def test_a_tie_reaching_past_the_fetched_candidates_is_still_decided_by_row():
    # Row 0 is orthogonal to 30 distinct directions, in shuffled rows: all 30 tie at similarity 0 and the
    # tree returns an arbitrary few of them first. The answer must be the five lowest rows.
    shuffled = np.random.default_rng(0).permutation(30)
    orthogonal = np.column_stack([np.zeros(30), np.ones(30), np.arange(1.0, 31.0)])[shuffled]
    rows, similarities = nearest_by_cosine(np.vstack([[1.0, 0.0, 0.0], orthogonal]), k=5)
    assert rows[0].tolist() == [1, 2, 3, 4, 5]
    assert (similarities[0] == 0).all()


@pytest.mark.parametrize("k", [1, 5])
def test_k_may_be_anything_from_one_to_n_minus_one(k):
    vectors = np.random.default_rng(1).random((6, 3))
    rows, similarities = nearest_by_cosine(vectors, k=k)
    expected_rows, expected_similarities = brute_force_by_float_cosine(vectors, k)
    assert rows.shape == (6, k)
    assert np.array_equal(rows, expected_rows)
    assert np.allclose(similarities, expected_similarities, rtol=0, atol=1e-11)


def test_too_few_rows_is_a_clear_error():
    with pytest.raises(ValueError, match=r"at least k \+ 1 = 11 rows to find 10 neighbours .* got 7 rows"):
        nearest_by_cosine(np.ones((7, 4)), k=10)


@pytest.mark.parametrize("k", [0, -3, 2.5, True])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        nearest_by_cosine(np.ones((7, 4)), k=k)


@pytest.mark.parametrize("bad_value", [np.nan, np.inf])
def test_non_finite_vectors_are_rejected_with_their_row(bad_value):
    vectors = np.ones((5, 2))
    vectors[3, 1] = bad_value
    with pytest.raises(ValueError, match="row 3"):
        nearest_by_cosine(vectors, k=2)


def test_vectors_must_be_a_matrix():
    with pytest.raises(ValueError, match=r"2-D array .* shape \(5,\)"):
        nearest_by_cosine(np.ones(5), k=2)


def nmf_like_scores(rng: np.random.Generator, n: int, r: int) -> np.ndarray:
    """Non-negative scores with the quirks of factor output: exact zeros, zero rows and duplicate rows."""
    scores = rng.gamma(0.8, 1.0, (n, r)) * (rng.random((n, r)) > 0.15)
    scores[rng.choice(n, 20, replace=False)] = 0.0
    copies = rng.choice(n, 60, replace=False)
    scores[copies[30:]] = scores[copies[:30]]
    scores[copies[:10]] *= 4.0  # now exact multiples of their copies: same direction, similarity 1
    return scores


@pytest.mark.parametrize("make_vectors, k", [
    (lambda rng: rng.random((2000, 6)), 10),
    (lambda rng: nmf_like_scores(rng, 2000, 6), 10),
    (lambda rng: nmf_like_scores(rng, 1500, 12), 50),
    (lambda rng: rng.normal(size=(1000, 4)), 7),  # signed vectors: negative cosines rank below zero rows
])
def test_agrees_with_brute_force_cosine(make_vectors, k, monkeypatch):
    # Small chunks, so that chunking, threads and the chunk-local tie handling are exercised as at scale.
    monkeypatch.setattr(neighbours, "QUERY_CHUNK", 128)
    vectors = make_vectors(np.random.default_rng(2026))
    rows, similarities = nearest_by_cosine(vectors, k=k, workers=2)
    expected_rows, expected_similarities = brute_force_by_float_cosine(vectors, k)
    assert np.array_equal(rows, expected_rows)
    assert np.allclose(similarities, expected_similarities, rtol=0, atol=1e-11)
    assert (np.diff(similarities, axis=1) <= 0).all()
    assert not (rows == np.arange(len(vectors))[:, None]).any()


@pytest.mark.parametrize("high, columns", [(3, 4), (6, 3)])
def test_ties_between_distinct_directions_follow_exact_arithmetic(high, columns, monkeypatch):
    # Small integer vectors: many distinct directions have cosines that are equal on paper.
    monkeypatch.setattr(neighbours, "QUERY_CHUNK", 64)
    vectors = np.random.default_rng(high).integers(0, high, (400, columns)).astype(float)
    rows, _ = nearest_by_cosine(vectors, k=8)
    assert np.array_equal(rows, brute_force_by_exact_cosine(vectors, 8))


def test_same_answer_whatever_the_number_of_threads():
    vectors = nmf_like_scores(np.random.default_rng(5), 3000, 5)
    single = nearest_by_cosine(vectors, k=10, workers=1)
    parallel = nearest_by_cosine(vectors, k=10, workers=2)
    assert np.array_equal(single.rows, parallel.rows)
    assert np.array_equal(single.similarities, parallel.similarities)


def test_a_smaller_k_is_the_first_columns_of_a_larger_one():
    vectors = nmf_like_scores(np.random.default_rng(6), 2000, 5)
    ten = nearest_by_cosine(vectors, k=10)
    fifty = nearest_by_cosine(vectors, k=50)
    assert np.array_equal(ten.rows, fifty.rows[:, :10])
    assert np.array_equal(ten.similarities, fifty.similarities[:, :10])


def test_progress_lines_go_to_stderr_only_when_asked(capsys):
    vectors = np.random.default_rng(4).random((300, 4))
    nearest_by_cosine(vectors, k=3, progress=True)
    reported = capsys.readouterr()
    assert reported.out == ""
    assert reported.err.strip().splitlines()[-1].startswith("nearest_by_cosine: searched 300 of 300 distinct")
    nearest_by_cosine(vectors, k=3)
    assert capsys.readouterr().err == ""


def test_within_groups_neighbours_stay_in_their_group_and_match_a_search_per_group():
    rng = np.random.default_rng(11)
    vectors = rng.random((90, 4))
    groups = np.array(["T2", "T1", "T3"] * 30)
    found = neighbours.nearest_by_cosine_within_groups(vectors, groups, k=5)
    assert found.rows.shape == (90, 5)
    assert (groups[found.rows] == groups[:, None]).all()  # never a record of another term
    assert (found.rows != np.arange(90)[:, None]).all()
    for term in ("T1", "T2", "T3"):
        members = np.flatnonzero(groups == term)
        alone = nearest_by_cosine(vectors[members], 5)
        assert (found.rows[members] == members[alone.rows]).all()
        assert np.allclose(found.similarities[members], alone.similarities)
    # The same student in two terms with identical values is not their own neighbour.
    twins = np.vstack([vectors[:30], vectors[:30]])
    found = neighbours.nearest_by_cosine_within_groups(twins, np.repeat(["A", "B"], 30), k=3)
    assert (np.abs(found.rows - np.arange(60)[:, None]) != 30).all()


def test_a_group_too_small_for_k_is_an_error_naming_it():
    vectors = np.random.default_rng(3).random((14, 3))
    with pytest.raises(ValueError, match="within term 'small' needs at least 6 students in it, but it has 4"):
        neighbours.nearest_by_cosine_within_groups(vectors, np.array(["big"] * 10 + ["small"] * 4), k=5)
