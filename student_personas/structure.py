"""Honest structure: every choice measured against structureless reference data.

Any clustering returns groups, even on pure noise, and a sweep always has a best value. So the rank, the
number of personas and their stability are each compared with what the same pipeline reaches on
**reference data**: the selection sample with every feature column permuted independently (seeded, B
draws). Permutation keeps each column's own distribution (its range, its skew, its few discrete values)
and destroys every association between columns, which is all that personas could be built from. It is
the permutation variant of the gap statistic's reference (Tibshirani, Walther & Hastie 2001, who draw
uniform data over the range): a column with three values stays three-valued in the reference, so the
slabs it forms in feature space appear there too and are not mistaken for structure.

The comparisons then decide:

- **flat curves**: when other values of a sweep come within one reference standard deviation of the best
  one, the curve cannot tell them apart and the smallest of them is chosen (the same reasoning as the gap
  statistic's "smallest k within one s.e." rule, with the reference spread as the yardstick);
- **edges**: a choice at the top or bottom of the swept range is flagged (the best value may lie outside);
- **stability**: a persona counts as stable only if it reappears in bootstrap refits more reliably than
  the clusters the same pipeline finds on reference data;
- **the verdict** (`assess`): clear, moderate, weak or none, with the evidence and one plain sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from student_personas import factors, personas


def permuted_columns(x: np.ndarray, seed) -> np.ndarray:
    """Reference data: every column of `x` shuffled independently (seeded). Each column keeps its values;
    rows no longer belong together."""
    order = np.random.default_rng(seed).random(x.shape).argsort(axis=0)
    return np.take_along_axis(x, order, axis=0)


def reference_seed(seed: int, draw: int) -> tuple[int, int]:
    """The seed of reference draw `draw`: its own stream, the same on every build."""
    return (seed, draw)


@dataclass(frozen=True)
class Reference:
    """A statistic on `draws` reference datasets: its values, mean and standard deviation."""

    values: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.values.size > 1 else 0.0


def flat_curve_choice(values: np.ndarray, criterion: np.ndarray, spread: float, higher_is_better: bool) -> int:
    """The smallest value whose criterion lies within `spread` of the best criterion.

    With spread = the reference standard deviation of the criterion, values that close to the best cannot
    be told apart from it by this much data, and the simplest of them (fewest factors or personas) is
    preferred. With spread 0 this is the plain best value (the smaller one on ties)."""
    signed = np.asarray(criterion, dtype=float) * (1.0 if higher_is_better else -1.0)
    tied = np.asarray(values)[signed >= np.nanmax(signed) - max(float(spread), 0.0)]
    return int(tied.min())


def edge_of_range(values, chosen: int) -> str | None:
    """'bottom' or 'top' when `chosen` is the smallest or largest value swept (the best value may lie
    outside the range), else None."""
    values = np.asarray(values)
    if values.size == 1:
        return "only value"
    if chosen == values.max():
        return "top"
    if chosen == values.min():
        return "bottom"
    return None


@dataclass(frozen=True)
class Choice:
    """A sweep's choice after the reference comparison."""

    best: int  # the value with the best criterion
    chosen: int  # after the flat-curve rule
    references: dict  # value -> Reference of the criterion on reference data (best and chosen)
    edge: str | None
    flat_note: str | None  # why a smaller value than the best was chosen, else None


def _choose(values, criterion, best: int, reference_at, higher_is_better: bool, name: str, metric: str) -> Choice:
    """Shared by the rank and k choices: reference at the best value, flat-curve rule, reference at the
    chosen value, edge flag."""
    references = {best: reference_at(best)}
    chosen = flat_curve_choice(values, criterion, references[best].sd, higher_is_better)
    note = None
    if chosen != best:
        references[chosen] = reference_at(chosen)
        tied = [int(v) for v, c in zip(values, criterion)
                if abs(c - criterion[list(values).index(best)]) <= references[best].sd]
        note = (f"{name} {chosen} instead of {best} (best {metric}): {name} {', '.join(map(str, sorted(tied)))} "
                f"lie within one reference SD ({references[best].sd:.4g}) of the best, so the curve is flat "
                f"there and the smallest is preferred")
    return Choice(best, chosen, references, edge_of_range(values, chosen), note)


@dataclass(frozen=True)
class RankChoice:
    sweep: factors.RankSweep
    choice: Choice


def heldout_reference(x: np.ndarray, rank: int, n_folds: int, seed: int, draws: int) -> Reference:
    """The held-out error of NMF at `rank` on `draws` reference datasets. Permutation keeps every column's
    variance, so the error of filling hidden entries with column means alone is the same as on the
    data; only associations between columns let the data's held-out error fall below the reference."""
    return Reference(np.array([
        factors.heldout_error(permuted_columns(x, reference_seed(seed, draw)), rank, n_folds, seed)[0]
        for draw in range(draws)]))


def choose_rank(x: np.ndarray, ranks, n_folds: int, seed: int, draws: int) -> RankChoice:
    """The rank sweep (lowest held-out error) with its reference comparison and the flat-curve rule."""
    sweep = factors.sweep_ranks(x, ranks, n_folds, seed)
    if sweep.direct:
        return RankChoice(sweep, Choice(sweep.chosen_rank, sweep.chosen_rank, {}, None, sweep.rule))
    choice = _choose(sweep.ranks, sweep.heldout_mse, sweep.chosen_rank,
                     lambda rank: heldout_reference(x, rank, n_folds, seed, draws), False, "rank", "held-out error")
    return RankChoice(sweep, choice)


@dataclass(frozen=True)
class KChoice:
    sweep: personas.KSweep
    choice: Choice


def reference_scores(x: np.ndarray, rank: int, seed: int, draws: int) -> list[np.ndarray]:
    """Factor scores of the same factor model (NMF at `rank`, unit-norm loadings, the same projection)
    fitted on each of `draws` reference datasets."""
    scores = []
    for draw in range(draws):
        reference = permuted_columns(x, reference_seed(seed, draw))
        scores.append(factors.factor_scores(reference, factors.fit_nmf_components(reference, rank, seed)))
    return scores


def choose_k(x: np.ndarray, scores: np.ndarray, rank: int, ks, restarts: int, seed: int, silhouette_sample: int,
             draws: int) -> KChoice:
    """The k sweep on the data's factor scores (highest silhouette) with its reference comparison: the
    silhouette the whole pipeline (factors at `rank`, K-Means at k) reaches on reference data, and the
    flat-curve rule. `x` and `scores` are the same rows (the selection sample)."""
    sweep = personas.sweep_k(scores, ks, restarts, seed, silhouette_sample)
    reference = reference_scores(x, rank, seed, draws)
    choice = _choose(
        sweep.ks, sweep.silhouette, sweep.chosen_k,
        lambda k: Reference(np.array([
            personas.fit_kmeans(draw_scores, k, restarts, seed, silhouette_sample).silhouette
            for draw_scores in reference])),
        True, "k", "silhouette")
    return KChoice(sweep, choice)


def reference_stability(x: np.ndarray, rank: int, k: int, restarts: int, seed: int, draws: int,
                        resamples: int) -> np.ndarray:
    """Bootstrap stability the pipeline reaches on reference data: for each of `draws` reference datasets,
    the pipeline (rank, k) labels it, is refitted on `resamples` bootstrap resamples, and each cluster's
    mean best-match Jaccard is recorded (as `personas.persona_stability` does for the personas). Returns
    draws × k values."""
    values = np.empty((draws, k))
    for draw in range(draws):
        reference = permuted_columns(x, reference_seed(seed, draw))
        labels = personas.fit_pipeline_labels(reference, reference, rank, k, restarts, seed)
        rng = np.random.default_rng(reference_seed(seed, draw))
        jaccard = np.empty((resamples, k))
        for resample in range(resamples):
            rows = rng.integers(0, reference.shape[0], size=reference.shape[0])
            refit = personas.fit_pipeline_labels(reference[rows], reference, rank, k, restarts, seed + 1 + resample)
            jaccard[resample] = personas.best_match_jaccard(labels, refit, k)
        values[draw] = jaccard.mean(axis=0)
    return values


STABILITY_BAR_CAP = 0.95


def stability_bar(reference_values: np.ndarray) -> float:
    """The bootstrap Jaccard a persona must exceed to be more stable than clusters of reference data: the
    mean plus two standard deviations of the reference clusters' Jaccard, at most 0.95. Clusters of
    shuffled data are themselves nearly always reproduced when single columns are strongly multimodal
    (their few values or modes form a lattice that survives shuffling); a persona reappearing in 95% of
    refits then still counts as stable, and the silhouette comparison decides whether it is structure."""
    values = np.asarray(reference_values, dtype=float).ravel()
    spread = np.std(values, ddof=1) if values.size > 1 else 0.0
    return float(min(STABILITY_BAR_CAP, values.mean() + 2.0 * spread))


def column_separation(x: np.ndarray, labels: np.ndarray, feature_columns) -> dict[str, float]:
    """Per source column, the share of its variance that persona membership explains (the correlation
    ratio η² = between-persona sum of squares / total sum of squares). A column's features are pooled (the
    one-hot indicators of a categorical column). η² does not change under scaling, so the encoded values
    give the same result as the original units."""
    feature_columns = np.asarray(feature_columns)
    overall = x.mean(axis=0)
    total = ((x - overall) ** 2).sum(axis=0)
    between = np.zeros(x.shape[1])
    for persona in np.unique(labels):
        members = x[labels == persona]
        between += members.shape[0] * (members.mean(axis=0) - overall) ** 2
    result = {}
    for column in dict.fromkeys(feature_columns.tolist()):
        in_column = feature_columns == column
        column_total = total[in_column].sum()
        result[column] = float(between[in_column].sum() / column_total) if column_total > 0 else 0.0
    return result


VERDICTS = ("clear", "moderate", "weak", "none")


@dataclass(frozen=True)
class Evidence:
    """What the verdict is decided on (all from the selection sample and its reference draws)."""

    k: int
    rank: int
    silhouette: float
    silhouette_reference_mean: float
    silhouette_reference_sd: float
    heldout_mse: float
    heldout_reference_mean: float
    heldout_reference_sd: float
    persona_jaccard: np.ndarray  # per persona, mean bootstrap Jaccard
    stability_bar: float  # what clusters of reference data reach (see stability_bar)
    column_separation: dict  # source column -> η²
    column_levels: dict  # source column -> distinct values (levels for a categorical column)
    method_ari: dict  # other clusterer -> ARI against the personas
    rank_edge: str | None = None
    k_edge: str | None = None
    factor_model_note: str | None = None  # set when too few features for a factor model (factors.direct_note)

    @property
    def heldout_measured(self) -> bool:
        return self.heldout_mse is not None and bool(np.isfinite(self.heldout_mse)) \
            and self.heldout_reference_mean is not None and self.heldout_reference_sd is not None


@dataclass(frozen=True)
class Rules:
    """The verdict's thresholds (dbt vars; see docs/methods.md)."""

    min_excess_sd: float = 2.0  # silhouette above the reference by at least this many reference SDs
    moderate_excess: float = 0.05  # ... and by at least this much (silhouette units) for moderate
    clear_excess: float = 0.15  # ... and this much for clear
    agreement_ari: float = 0.8  # another clusterer agrees when its ARI with the personas reaches this
    discrete_max_levels: int = 10  # a column with at most this many values is discrete
    dominance_ratio: float = 2.0  # a discrete column dominates when its η² is this multiple of any other's
    dominant_eta_squared: float = 0.5  # a column whose η² reaches this is named as carrying the separation


@dataclass(frozen=True)
class Assessment:
    verdict: str
    sentence: str
    reasons: list = field(default_factory=list)
    silhouette_excess_sd: float = 0.0
    heldout_excess_sd: float = 0.0
    personas_above_reference: int = 0
    methods_agreeing: int = 0
    dominant_column: str | None = None
    dominant_column_levels: int | None = None
    dominant_column_eta_squared: float | None = None
    is_discrete_dominated: bool = False


def dominant_column(separation: dict, levels: dict, rules: Rules) -> tuple[str | None, bool]:
    """The column persona membership explains best (highest η²), and whether it is a discrete column
    (at most `discrete_max_levels` values) that dominates: its η² at least `dominance_ratio` times that
    of every column with more values."""
    if not separation:
        return None, False
    top = max(separation, key=lambda column: (separation[column], column))
    if levels.get(top, np.inf) > rules.discrete_max_levels:
        return top, False
    others = [value for column, value in separation.items() if levels.get(column, np.inf) > rules.discrete_max_levels]
    return top, separation[top] > 0 and (not others or separation[top] >= rules.dominance_ratio * max(others))


METHOD_NAMES = {"spectral": "spectral clustering", "gaussian_mixture": "a Gaussian mixture", "ward": "Ward clustering"}


def _listed(methods) -> str:
    """'spectral clustering, a Gaussian mixture and Ward clustering'."""
    names = [METHOD_NAMES.get(method, method) for method in methods]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _in_sd(difference: float, sd: float) -> float:
    """A difference in reference standard deviations (a reference without spread: +-inf or 0)."""
    if sd > 0:
        return float(difference / sd)
    return float(np.sign(difference) * np.inf) if difference else 0.0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def assess(evidence: Evidence, rules: Rules = Rules()) -> Assessment:
    """The structure verdict, its reasons and one plain sentence.

    - none: the personas are no better separated (silhouette) than the groups the same pipeline finds on
      reference data (less than `min_excess_sd` reference SDs above its mean), and the factors recover
      hidden entries no better than on reference data either: nothing links the columns;
    - weak: the columns are linked (held-out error below the reference) but the groups are not better
      separated than on reference data (a continuum sliced into segments), or they are better separated
      only slightly (by less than `moderate_excess`), or fewer than half of the personas reappear in
      refits more reliably than clusters of reference data;
    - clear: separated by at least `clear_excess` above the reference, every persona more stable than
      reference clusters, at least two of the three other clusterers agreeing (ARI >= `agreement_ari`),
      no choice at the top of its range and no discrete column dominating;
    - moderate: everything in between.
    """
    e, reasons = evidence, []
    silhouette_sd = _in_sd(e.silhouette - e.silhouette_reference_mean, e.silhouette_reference_sd)
    heldout_sd = (_in_sd(e.heldout_reference_mean - e.heldout_mse, e.heldout_reference_sd) if e.heldout_measured
                  else float("nan"))
    excess = e.silhouette - e.silhouette_reference_mean
    above = int(np.sum(np.asarray(e.persona_jaccard) > e.stability_bar))
    agreeing = [method for method, ari in e.method_ari.items() if ari >= rules.agreement_ari]
    top, discrete_dominated = dominant_column(e.column_separation, e.column_levels, rules)
    top_eta = e.column_separation.get(top) if top else None
    top_edges = [name for name, edge in (("number of factors", e.rank_edge), ("number of personas", e.k_edge))
                 if edge == "top"]

    reasons.append(f"silhouette {e.silhouette:.3f} against {e.silhouette_reference_mean:.3f} ± "
                   f"{e.silhouette_reference_sd:.3f} on shuffled data ({silhouette_sd:+.1f} SD)")
    if e.heldout_measured:
        reasons.append(f"held-out error {e.heldout_mse:.4g} against {e.heldout_reference_mean:.4g} ± "
                       f"{e.heldout_reference_sd:.2g} on shuffled data ({heldout_sd:+.1f} SD)")
    else:
        reasons.append(e.factor_model_note or "no factor model, so no held-out error")
    reasons.append(f"{above} of {_plural(len(e.persona_jaccard), 'persona')} reappear in refits more reliably than "
                   f"clusters of shuffled data (bootstrap Jaccard above {e.stability_bar:.2f})")
    reasons.append(f"{len(agreeing)} of {len(e.method_ari)} other clusterers agree (ARI >= {rules.agreement_ari:g})")
    if discrete_dominated:
        reasons.append(f"separated mainly by {top}, which has {e.column_levels[top]} distinct values")
    for name in top_edges:
        reasons.append(f"{name} at the top of the range tried")

    if silhouette_sd < rules.min_excess_sd:
        verdict = "weak" if heldout_sd >= rules.min_excess_sd else "none"
    elif excess < rules.moderate_excess or above * 2 < len(e.persona_jaccard):
        verdict = "weak"
    elif (excess >= rules.clear_excess and above == len(e.persona_jaccard) and len(agreeing) >= 2
          and not discrete_dominated and not top_edges):
        verdict = "clear"
    else:
        verdict = "moderate"

    return Assessment(
        verdict=verdict,
        sentence=_sentence(verdict, e, rules, excess, above, agreeing, top, top_eta, discrete_dominated, top_edges,
                           silhouette_sd, heldout_sd),
        reasons=reasons,
        silhouette_excess_sd=float(silhouette_sd),
        heldout_excess_sd=float(heldout_sd),
        personas_above_reference=above,
        methods_agreeing=len(agreeing),
        dominant_column=top,
        dominant_column_levels=int(e.column_levels[top]) if top in e.column_levels else None,
        dominant_column_eta_squared=top_eta,
        is_discrete_dominated=bool(discrete_dominated),
    )


def _sentence(verdict, e: Evidence, rules: Rules, excess, above, agreeing, top, top_eta, discrete_dominated,
              top_edges, silhouette_sd, heldout_sd) -> str:
    """One plain paragraph for advisors: what the personas are, and how far to trust them."""
    k = e.k
    reference = (f"{e.silhouette:.2f} against {e.silhouette_reference_mean:.2f} on the same data with every "
                 f"column shuffled")
    if verdict == "none":
        filled = (", and no column can be filled in from the others any better than in shuffled data"
                  if e.heldout_measured else "")
        text = (f"No group structure was found. The {k} personas are no better separated than the groups the same "
                f"method finds in data with no structure at all (silhouette {reference}){filled}. The personas are "
                f"arbitrary slices of the data: do not use them to sort, label or treat students differently.")
    elif verdict == "weak":
        if silhouette_sd < rules.min_excess_sd:
            why = (f"the columns are related, but the students form a continuum rather than groups (silhouette "
                   f"{reference})")
        elif excess < rules.moderate_excess:
            why = f"they are only slightly better separated than groups found in data with no structure ({reference})"
        else:
            why = (f"only {above} of the {k} reappear in refits more reliably than groups found in data with no "
                   f"structure")
        text = (f"The {k} personas are soft segments of a continuum, not distinct groups: {why}. Read them as rough "
                f"regions of the data, and do not use them to sort, label or treat students differently.")
    elif verdict == "moderate":
        caveats = []
        if excess < rules.clear_excess:
            caveats.append(f"they overlap (silhouette {reference})")
        if above < k:
            caveats.append(f"{k - above} of them do not reappear in refits more reliably than groups found in data "
                           f"with no structure")
        if len(agreeing) < 2:
            caveats.append(f"other clustering methods find different groups ({len(agreeing)} of "
                           f"{len(e.method_ari)} agree)")
        if discrete_dominated:
            caveats.append(f"they are separated mainly by {top}")
        caveats.extend(f"the {name} is at the top of the range tried, so a larger value may fit better"
                       for name in top_edges)
        text = (f"The {k} personas are real but overlapping groups: better separated than groups found in data with "
                f"no structure, but {'; '.join(caveats)}. Use them as broad descriptions and look at each "
                f"student's own record.")
    else:
        text = (f"The {k} personas are clearly separated groups: silhouette {reference}, every persona reappears "
                f"in refits more reliably than groups found in data with no structure, and {_listed(agreeing)} "
                f"find the same groups. Personas still describe groups, not individual students.")
    if discrete_dominated:
        text += (f" The personas are separated mainly by {top}, which has only {e.column_levels[top]} distinct "
                 f"values: they may be little more than its levels.")
    elif verdict in ("weak", "none") and top_eta is not None and top_eta >= rules.dominant_eta_squared:
        text += (f" What separates them is mostly {top} alone (persona membership explains {top_eta:.0%} of its "
                 f"variance); a split on one column is kept when columns are shuffled, so it is not counted as "
                 f"structure here: read the personas as ranges of {top}.")
    elif top_eta is not None and top_eta >= rules.dominant_eta_squared:
        text += (f" One column carries much of the separation: persona membership explains {top_eta:.0%} of the "
                 f"variance of {top}.")
    if e.factor_model_note:
        text = f"{e.factor_model_note}. {text}"
    return text
