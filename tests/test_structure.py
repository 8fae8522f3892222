"""The reference comparisons and the structure verdict, on hand-checkable values and generated data."""

import numpy as np
import pytest

from student_personas import factors, personas, planted, structure


def blobs(n_groups=5, per_group=120, n_features=6, spread=0.04, seed=0):
    """Well separated groups in the positive orthant (each group high on its own features)."""
    rng = np.random.default_rng(seed)
    centres = np.full((n_groups, n_features), 0.1)
    for group in range(n_groups):
        centres[group, group % n_features] = 0.9
        centres[group, (group + 1) % n_features] = 0.6
    labels = np.repeat(np.arange(n_groups), per_group)
    return np.clip(centres[labels] + rng.normal(0, spread, (labels.size, n_features)), 0, 1), labels


def test_permuted_columns_keep_every_column_and_break_the_rows():
    x = np.column_stack([np.arange(200.0), np.arange(200.0) * 2, np.arange(200.0) % 3])
    shuffled = structure.permuted_columns(x, (42, 0))
    assert all(np.array_equal(np.sort(shuffled[:, j]), np.sort(x[:, j])) for j in range(3))
    assert abs(np.corrcoef(shuffled[:, 0], shuffled[:, 1])[0, 1]) < 0.2  # was exactly 1
    assert np.array_equal(shuffled, structure.permuted_columns(x, (42, 0)))
    assert not np.array_equal(shuffled, structure.permuted_columns(x, (42, 1)))


def test_reference_mean_and_spread():
    reference = structure.Reference(np.array([0.2, 0.3, 0.4]))
    assert reference.mean == pytest.approx(0.3) and reference.sd == pytest.approx(0.1)
    assert structure.Reference(np.array([0.5])).sd == 0.0


def test_flat_curve_prefers_the_smallest_value_within_the_reference_spread():
    ks = np.array([2, 3, 4, 5, 6])
    silhouette = np.array([0.40, 0.47, 0.50, 0.52, 0.45])
    assert structure.flat_curve_choice(ks, silhouette, spread=0.0, higher_is_better=True) == 5
    assert structure.flat_curve_choice(ks, silhouette, spread=0.021, higher_is_better=True) == 4
    assert structure.flat_curve_choice(ks, silhouette, spread=0.06, higher_is_better=True) == 3
    error = np.array([0.09, 0.05, 0.048, 0.06, 0.07])
    assert structure.flat_curve_choice(ks, error, spread=0.001, higher_is_better=False) == 4
    assert structure.flat_curve_choice(ks, error, spread=0.003, higher_is_better=False) == 3


def test_edge_of_range():
    assert structure.edge_of_range([2, 3, 4], 4) == "top"
    assert structure.edge_of_range([2, 3, 4], 2) == "bottom"
    assert structure.edge_of_range([2, 3, 4], 3) is None
    assert structure.edge_of_range([3], 3) == "only value"


def test_a_choice_forced_to_the_top_of_a_narrow_range_is_flagged_and_a_wide_range_is_not():
    x, _ = blobs()
    scores = factors.factor_scores(x, factors.fit_nmf_components(x, 5, seed=0))
    narrow = structure.choose_k(x, scores, 5, range(2, 4), restarts=3, seed=0, silhouette_sample=600, draws=10)
    assert narrow.choice.chosen == 3 and narrow.choice.edge == "top"
    wide = structure.choose_k(x, scores, 5, range(2, 7), restarts=3, seed=0, silhouette_sample=600, draws=10)
    assert wide.choice.chosen == 5 and wide.choice.edge is None and wide.choice.flat_note is None
    reference = wide.choice.references[5]
    assert reference.values.size == 10 and reference.mean < wide.sweep.silhouette[wide.sweep.ks == 5][0] - 0.2


def test_rank_choice_records_the_heldout_reference():
    x, _ = blobs()
    result = structure.choose_rank(x, range(2, 6), n_folds=3, seed=0, draws=10)
    chosen = result.choice.chosen
    observed = result.sweep.heldout_mse[result.sweep.ranks == chosen][0]
    assert result.choice.references[chosen].values.size == 10
    assert observed < result.choice.references[chosen].mean  # the columns of the blobs predict each other


def test_stability_bar_and_column_separation_by_hand():
    assert structure.stability_bar(np.array([[0.5, 0.7], [0.6, 0.6]])) == pytest.approx(
        0.6 + 2 * np.std([0.5, 0.7, 0.6, 0.6], ddof=1))
    assert structure.stability_bar(np.array([0.9, 1.0, 0.95, 0.7])) == structure.STABILITY_BAR_CAP == 0.95
    # Column a: persona means 0 and 2 around 1, every value at its mean: η² = 1. Column b is unrelated.
    x = np.array([[0.0, 1.0], [0.0, 3.0], [2.0, 1.0], [2.0, 3.0]])
    labels = np.array([0, 0, 1, 1])
    assert structure.column_separation(x, labels, ["a", "b"]) == {"a": pytest.approx(1.0), "b": pytest.approx(0.0)}
    # Features of one column are pooled.
    pooled = structure.column_separation(x, labels, ["c", "c"])
    assert pooled == {"c": pytest.approx(4.0 / (4.0 + 4.0))}


def test_a_discrete_column_dominates_only_when_it_separates_far_more_than_any_continuous_one():
    rules = structure.Rules()
    levels = {"grade": 3, "score": 80, "hours": 200}
    assert structure.dominant_column({"grade": 0.9, "score": 0.3, "hours": 0.1}, levels, rules) == ("grade", True)
    assert structure.dominant_column({"grade": 0.5, "score": 0.3, "hours": 0.1}, levels, rules) == ("grade", False)
    assert structure.dominant_column({"grade": 0.2, "score": 0.7, "hours": 0.1}, levels, rules) == ("score", False)


def evidence(**changes):
    base = dict(k=4, rank=3, silhouette=0.55, silhouette_reference_mean=0.25, silhouette_reference_sd=0.01,
                heldout_mse=0.04, heldout_reference_mean=0.08, heldout_reference_sd=0.001,
                persona_jaccard=np.array([0.95, 0.97, 0.99, 0.96]), stability_bar=0.6,
                column_separation={"score": 0.7, "grade": 0.1}, column_levels={"score": 90, "grade": 3},
                method_ari={"spectral": 0.9, "gaussian_mixture": 0.85, "ward": 0.7})
    return structure.Evidence(**{**base, **changes})


@pytest.mark.parametrize("changes, verdict", [
    ({}, "clear"),
    ({"silhouette": 0.35}, "moderate"),  # excess 0.10: between moderate (0.05) and clear (0.15)
    ({"persona_jaccard": np.array([0.95, 0.97, 0.5, 0.96])}, "moderate"),  # one persona no more stable than noise
    ({"method_ari": {"spectral": 0.9, "gaussian_mixture": 0.3, "ward": 0.2}}, "moderate"),
    ({"k_edge": "top"}, "moderate"),
    ({"k_edge": "bottom"}, "clear"),  # k = 2 at the start of the range: the reference already tests "no groups"
    ({"column_separation": {"score": 0.2, "grade": 0.9}}, "moderate"),
    ({"silhouette": 0.28}, "weak"),  # 3 SD above the reference, but by 0.03 only
    ({"persona_jaccard": np.array([0.95, 0.5, 0.5, 0.5])}, "weak"),
    ({"silhouette": 0.26, "silhouette_reference_sd": 0.02}, "weak"),  # a continuum: columns related, no groups
    ({"silhouette": 0.26, "silhouette_reference_sd": 0.02, "heldout_mse": 0.0795}, "none"),
])
def test_verdict_rules(changes, verdict):
    result = structure.assess(evidence(**changes))
    assert result.verdict == verdict, result.reasons
    assert result.sentence and all(isinstance(reason, str) for reason in result.reasons)


def test_without_a_factor_model_the_verdict_rests_on_the_groups_and_the_sentence_says_so():
    note = "Only 2 encoded features, fewer than any number of factors tried: no factor model is fitted"
    direct = dict(heldout_mse=None, heldout_reference_mean=None, heldout_reference_sd=None, factor_model_note=note)
    clear = structure.assess(evidence(**direct))
    assert clear.verdict == "clear" and clear.sentence.startswith(note + ". The 4 personas are clearly separated")
    assert note in clear.reasons and not any("held-out error" in reason for reason in clear.reasons)
    # A continuum cannot be told apart from no structure without the held-out error: none, not weak.
    flat = structure.assess(evidence(silhouette=0.26, silhouette_reference_sd=0.02, **direct))
    assert flat.verdict == "none" and "filled in from the others" not in flat.sentence


def test_the_sentence_says_what_to_do_with_soft_or_arbitrary_personas():
    none = structure.assess(evidence(silhouette=0.26, silhouette_reference_sd=0.02, heldout_mse=0.0795))
    assert "No group structure" in none.sentence and "do not use them to sort" in none.sentence
    weak = structure.assess(evidence(silhouette=0.28))
    assert "soft segments of a continuum" in weak.sentence and "do not use them to sort" in weak.sentence
    discrete = structure.assess(evidence(column_separation={"score": 0.2, "grade": 0.9}))
    assert "separated mainly by grade, which has only 3 distinct values" in discrete.sentence
    one_column = structure.assess(evidence(silhouette=0.26, silhouette_reference_sd=0.02, heldout_mse=0.0795,
                                           column_separation={"score": 0.6, "grade": 0.1}))
    assert "mostly score alone" in one_column.sentence
    clear = structure.assess(evidence())
    assert "spectral clustering and a Gaussian mixture find the same groups" in clear.sentence


def test_a_dominant_column_is_named_whatever_the_verdict():
    """A persona split carried by one many-valued column (a filled event feature, say) is named even when the
    groups are clearly separated, with the share of its variance persona membership explains."""
    clear = structure.assess(evidence(column_separation={"score": 0.72, "grade": 0.1}))
    assert clear.verdict == "clear"
    assert "One column carries much of the separation: persona membership explains 72% of the variance of score" \
        in clear.sentence
    below = structure.assess(evidence(column_separation={"score": 0.45, "grade": 0.1}))
    assert "One column carries" not in below.sentence


def pipeline_verdict(x, columns, ks=range(2, 7), ranks=range(2, 7), draws=10, restarts=3, seed=42):
    """The warehouse's chain of selection steps on one matrix (every row is the sample, as for small inputs),
    with fewer restarts and refits than the warehouse defaults to stay fast."""
    from student_personas import comparison

    rank_choice = structure.choose_rank(x, ranks, 3, seed, draws)
    rank = rank_choice.choice.chosen
    scores = factors.factor_scores(x, factors.fit_nmf_components(x, rank, seed))
    k_choice = structure.choose_k(x, scores, rank, ks, restarts, seed, 1000, draws)
    k = k_choice.choice.chosen
    labels = personas.fit_kmeans(scores, k, restarts, seed, 1000).labels
    stability = personas.persona_stability(x, labels, rank, k, restarts, seed, resamples=5, seed_runs=2)
    reference = structure.reference_stability(x, rank, k, restarts, seed, draws, resamples=1)
    compared = comparison.compare(scores, labels, ks, seed)
    rank_index, k_index = list(rank_choice.sweep.ranks).index(rank), list(k_choice.sweep.ks).index(k)
    return structure.assess(structure.Evidence(
        k=k, rank=rank, silhouette=k_choice.sweep.silhouette[k_index],
        silhouette_reference_mean=k_choice.choice.references[k].mean,
        silhouette_reference_sd=k_choice.choice.references[k].sd,
        heldout_mse=rank_choice.sweep.heldout_mse[rank_index],
        heldout_reference_mean=rank_choice.choice.references[rank].mean,
        heldout_reference_sd=rank_choice.choice.references[rank].sd,
        persona_jaccard=stability.jaccard.mean(axis=0), stability_bar=structure.stability_bar(reference),
        column_separation=structure.column_separation(x, labels, columns),
        column_levels={column: 1000 for column in columns}, method_ari=compared.ari,
        rank_edge=rank_choice.choice.edge, k_edge=k_choice.choice.edge))


def test_independent_noise_gets_no_group_structure():
    x = planted.independent_noise(n_rows=1000, n_columns=8)
    result = pipeline_verdict(x, [f"noise_{j}" for j in range(8)], ks=range(2, 6), ranks=range(2, 5))
    assert result.verdict in ("none", "weak"), result.reasons
    assert "clearly separated" not in result.sentence and "do not use them to sort" in result.sentence


def test_well_separated_groups_are_clear():
    x, _ = blobs(per_group=60, n_features=8)
    result = pipeline_verdict(x, [f"f{j}" for j in range(x.shape[1])], ranks=range(2, 8))
    assert result.verdict == "clear", result.reasons
