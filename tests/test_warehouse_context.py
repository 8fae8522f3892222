"""Real dbt builds of the post-hoc context and fairness tables, checked against independent computations."""

from math import sqrt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from conftest import require_real_csv, run_dbt
from student_personas.disclosure import PUBLIC, SENSITIVE, suppress_small_cells

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

PROTECTED = ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]


def wilson(positives, n, z=1.96):
    p = positives / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_reference_outcome_context_overall_row_and_intervals(real_build):
    context = real_build.frame("select * from persona_outcome_context")
    overall = context[context.scope == "all students"].iloc[0]
    assert (overall.n_students, overall.positives) == (1000, 18)
    assert round(overall.ci_lower * 100, 2) == 1.14 and round(overall.ci_upper * 100, 2) == 2.83
    personas = context[context.scope == "persona"]
    assert personas.positives.sum() == 18 and personas.n_students.sum() == 1000
    assert ((personas.ci_lower <= personas.rate) & (personas.rate <= personas.ci_upper)).all()
    for row in personas.itertuples():
        assert (row.ci_lower, row.ci_upper) == pytest.approx(wilson(row.positives, row.n_students), abs=1e-12)
        rest_positives, rest_n = 18 - row.positives, 1000 - row.n_students
        expected = fisher_exact([[row.positives, row.n_students - row.positives],
                                 [rest_positives, rest_n - rest_positives]]).pvalue
        assert row.fisher_p_value_vs_rest == pytest.approx(expected, rel=1e-9)
        assert "not a prediction" in row.caution


def test_association_matches_scipy_for_every_protected_attribute(real_build):
    association = real_build.frame("select * from fairness_association").set_index("protected_attribute")
    assert sorted(association.index) == sorted(PROTECTED)
    students = real_build.frame(
        f"select a.persona_id, {', '.join(PROTECTED)} from persona_assignments a join int_student_records "
        "using (student_id, term)")
    for attribute in PROTECTED:
        table = pd.crosstab(students[attribute].fillna("(not recorded)"), students.persona_id).to_numpy()
        statistic, p_value, dof, _ = chi2_contingency(table, correction=False)
        n, (r, c) = table.sum(), table.shape
        row = association.loc[attribute]
        assert row.chi_square == pytest.approx(statistic, rel=1e-9)
        assert row.degrees_of_freedom == dof and row.p_value == pytest.approx(p_value, rel=1e-6)
        assert row.cramers_v == pytest.approx(sqrt(statistic / n / (min(r, c) - 1)), rel=1e-9)
        phi2 = max(0.0, statistic / n - (r - 1) * (c - 1) / (n - 1))
        corrected = sqrt(phi2 / min(r - (r - 1) ** 2 / (n - 1) - 1, c - (c - 1) ** 2 / (n - 1) - 1))
        assert row.cramers_v_corrected == pytest.approx(corrected, abs=1e-9)


def test_builtin_protected_attributes_are_only_weakly_associated_with_personas(builtin_build):
    assert builtin_build.scalar("select max(cramers_v) from fairness_association") < 0.15


def test_composition_counts_add_up(builtin_build):
    composition = builtin_build.frame("select * from fairness_composition")
    assert (composition.groupby("protected_attribute").n_students.sum() == 1000).all()
    sizes = composition.groupby(["protected_attribute", "persona_id"]).n_students.sum()
    assert (sizes.values == composition.groupby(["protected_attribute", "persona_id"]).persona_total.first().values).all()


@pytest.mark.parametrize("build", ["builtin_build", "real_build"])
def test_published_views_never_show_a_small_count(build, request):
    run = request.getfixturevalue(build)
    for view, columns in [("persona_outcome_context_published", ["n_students", "positives"]),
                          ("fairness_composition_published", ["n_students", "group_total"]),
                          ("context_tier_counts_published", ["n_students"])]:
        frame = run.frame(f"select * from {view}")
        for column in columns:
            shown = pd.to_numeric(frame[column], errors="coerce")
            assert not ((shown > 0) & (shown < 10)).any(), (view, column)
            assert set(frame.loc[shown.isna(), column]) <= {"suppressed"}
    outcome = run.frame("select * from persona_outcome_context_published")
    hidden = outcome.positives == "suppressed"
    assert outcome.loc[hidden, ["rate", "ci_lower", "ci_upper"]].isna().all().all()
    # The raw caution names small counts ("Only 3 positives"): a suppressed row says no number at all.
    assert hidden.any() and not outcome.loc[hidden, "caution"].str.contains(r"\d").any()


def test_no_line_of_the_published_composition_hides_exactly_one_cell(real_build):
    """A line is a persona's cells of one attribute (their total, the persona's size, is published) or a
    group's cells across personas with the group's total: exactly one hidden entry in a line would be its
    total minus the rest."""
    published = real_build.frame("select * from fairness_composition_published")
    published["hidden"] = published.n_students == "suppressed"
    assert (published.groupby(["protected_attribute", "persona_id"]).hidden.sum() != 1).all()
    by_group = published.groupby(["protected_attribute", "group_value"])
    hidden_in_group_line = by_group.hidden.sum() + by_group.group_total.first().eq("suppressed")
    assert (hidden_in_group_line != 1).all(), hidden_in_group_line
    groups = published.drop_duplicates(["protected_attribute", "group_value"])
    groups = groups.assign(hidden_total=groups.group_total == "suppressed")
    assert (groups.groupby("protected_attribute").hidden_total.sum() != 1).all()


def test_the_all_students_rows_are_cells_of_the_lines_they_total(small_cell_build):
    """5 positives: the overall count is small itself, so the "All students" rows withhold it, and every
    count by label beside it too (they would add up to it)."""
    outcome = small_cell_build.frame("select * from persona_outcome_context_published")
    overall = outcome[outcome.scope == "all students"].iloc[0]
    assert overall.positives == "suppressed" and pd.isna(overall.rate) and overall.n_students == "1000"
    assert outcome.fisher_p_value_vs_rest.isna().all()  # each test reads the overall count of positives
    parity = small_cell_build.frame("select * from fairness_flag_parity_published "
                                    "where group_value = 'All students' and metric = 'true_positive_rate'")
    assert (parity.denominator == "suppressed").all()
    quality = small_cell_build.frame("select * from data_quality_summary_published where check_name = 'label_prevalence'")
    assert quality["count"].tolist() == ["suppressed"] and quality.rate.isna().all()


def test_without_a_label_the_label_tables_are_empty_and_the_build_succeeds(tmp_path):
    run = run_dbt(tmp_path / "wh", variables={"students_path": str(require_real_csv()), "label_column": None,
                                              "excluded_columns": ["Dropout_Risk"]},
                  extra_args=["--select", "+persona_outcome_context +fairness_association +persona_summary",
                              "--indirect-selection", "cautious"])
    assert run.returncode == 0, run.output[-3000:]
    assert run.scalar("select count(*) from persona_outcome_context") == 0
    assert run.scalar("select count(*) from fairness_association") == 5
    assert run.scalar("select count(*) from persona_summary") > 0
    assert np.isclose(run.scalar("select sum(share) from persona_summary"), 1.0)


def test_context_indicator_follows_its_formula(real_build):
    indicator = real_build.frame("select * from student_context_indicator")
    assert len(indicator) == 1000 and set(indicator.tier) <= {"GREEN", "AMBER", "RED"}
    overall = 18 / 1000
    smoothed = (indicator.neighbour_positives + overall * indicator.neighbours_k) / (2 * indicator.neighbours_k)
    assert np.allclose(indicator.neighbour_rate_smoothed, smoothed)
    assert np.allclose(indicator.context_score, 0.5 * indicator.persona_rate + 0.5 * smoothed)
    expected_tier = np.where(indicator.context_score >= 0.036, "RED", np.where(indicator.context_score >= 0.01, "AMBER", "GREEN"))
    assert (indicator.tier == expected_tier).all()  # the worked example fixes the notebook's thresholds
    assert (indicator.amber_at == 0.01).all() and (indicator.red_at == 0.036).all()
    assert (indicator.neighbours_k == 50).all()
    persona_rates = real_build.frame(
        "select persona_id, rate from persona_outcome_context where scope = 'persona'").set_index("persona_id").rate
    assert np.allclose(indicator.persona_rate, persona_rates.loc[indicator.persona_id].to_numpy())


def test_flag_parity_matches_an_independent_count(real_build):
    parity = real_build.frame("select * from fairness_flag_parity")
    students = real_build.frame(
        "select s.Gender, s.label_value = 1 as positive, i.tier = 'RED' as flagged "
        "from int_student_records s join student_context_indicator i using (student_id, term)")
    for group, rows in students.groupby("Gender"):
        tp = (rows.flagged & rows.positive).sum()
        fp = (rows.flagged & ~rows.positive).sum()
        tn = (~rows.flagged & ~rows.positive).sum()
        metric = parity[(parity.protected_attribute == "Gender") & (parity.group_value == group)].set_index("metric")
        assert metric.loc["flag_rate", "rate"] == pytest.approx(rows.flagged.mean())
        assert (metric.loc["false_positive_rate", "numerator"], metric.loc["false_positive_rate", "denominator"]) == (
            fp, fp + tn)
        assert metric.loc["positive_predictive_value", "numerator"] == tp
    groups = parity[parity.protected_attribute == "Gender"].group_value.unique()
    assert set(groups) == {"Female", "Male", "Other", "All students"}
    assert set(parity.protected_attribute) == set(PROTECTED)


def test_tier_counts_are_the_indicator_tiers_with_zeros_listed(builtin_build):
    indicator = builtin_build.frame("select persona_id, tier from student_context_indicator")
    counts = builtin_build.frame("select * from context_tier_counts")
    overall = counts[counts.scope == "all students"].set_index("tier")
    assert overall.n_students.to_dict() == indicator.tier.value_counts().reindex(
        ["GREEN", "AMBER", "RED"], fill_value=0).to_dict()
    assert (overall.scope_students == len(indicator)).all()
    by_persona = counts[counts.scope == "persona"].set_index(["persona_id", "tier"]).n_students
    expected = indicator.value_counts(["persona_id", "tier"])
    assert len(by_persona) == 3 * indicator.persona_id.nunique() and (by_persona == 0).any()
    assert all(by_persona[key] == expected.get(key, 0) for key in by_persona.index)
    assert np.allclose(counts.share, counts.n_students / counts.scope_students)
    small = counts[(counts.n_students > 0) & (counts.n_students < 10)]
    assert len(small) > 0, "the built-in cohort has a tier with fewer than 10 students in a persona"
    published = builtin_build.frame("select * from context_tier_counts_published").set_index(["scope", "persona_id", "tier"])
    for row in small.itertuples():
        cell = published.loc[(row.scope, row.persona_id, row.tier)]
        assert cell.n_students == "suppressed" and pd.isna(cell.share)


def test_a_small_green_or_amber_tier_never_hides_the_red_count_parity_publishes(builtin_build):
    """fairness_flag_parity publishes how many students the RED tier flags (and so how many it does not): in
    the cell system the RED tier and the students outside it are cells of the same relations, so a small GREEN
    or AMBER count is protected by the other of the two, never by the RED count."""
    cells = builtin_build.frame("select cell_id, cell_count, cell_kind, terms from disclosure_cells")
    counts = dict(zip(cells.cell_id, cells.cell_count))
    kinds = dict(zip(cells.cell_id, cells.cell_kind))
    relations = {}
    for cell, terms in zip(cells.cell_id, cells.terms):
        for term in terms:
            relations.setdefault(term["relation"], {})[cell] = term["coefficient"]
    tiers = {tier: f'["tier","{tier}"]' for tier in ("GREEN", "AMBER", "RED")}
    not_flagged = '["flag","not_flagged"]'
    assert relations[not_flagged] == {tiers["GREEN"]: 1, tiers["AMBER"]: 1, not_flagged: -1}
    # The two-tier split alone: GREEN + AMBER = students outside the RED tier (published by parity).
    for small_tier, other_tier in [("AMBER", "GREEN"), ("GREEN", "AMBER")]:
        split = {tiers[small_tier]: 3, tiers[other_tier]: 500, not_flagged: 503, tiers["RED"]: 497, "cohort": 1000}
        status = suppress_small_cells(
            split, {**{cell: SENSITIVE for cell in split}, "cohort": PUBLIC},
            {"outside": {tiers["GREEN"]: 1, tiers["AMBER"]: 1, not_flagged: -1},
             "all": {not_flagged: 1, tiers["RED"]: 1, "cohort": -1}}, 10)
        assert status[tiers[small_tier]] == "primary" and status[tiers[other_tier]] == "secondary"
        assert status[tiers["RED"]] is None and status[not_flagged] is None
    assert counts[not_flagged] == counts[tiers["GREEN"]] + counts[tiers["AMBER"]] and kinds["[\"cohort\"]"] == "public"


def test_published_parity_hides_small_cells(real_build):
    published = real_build.frame("select * from fairness_flag_parity_published")
    for column in ["numerator", "denominator"]:
        shown = pd.to_numeric(published[column], errors="coerce")
        assert not ((shown > 0) & (shown < 10)).any()
    hidden = (published.numerator == "suppressed") | (published.denominator == "suppressed")
    assert published.loc[hidden, ["rate", "ci_lower", "ci_upper"]].isna().all().all()
    assert hidden.any()  # 18 positives among 1,000 students: true-positive counts are necessarily small


def test_label_audit_is_off_by_default_and_fills_its_table_when_enabled(real_build, edited_build):
    assert real_build.scalar(
        "select count(*) from label_signal_audit") == 0  # the model runs and trains nothing
    assert real_build.scalar("select count(*) from label_signal_audit_published") == 0
    audited = edited_build
    audit = audited.frame("select * from label_signal_audit").set_index("model")
    assert set(audit.index) == {"logistic_regression", "decision_tree", "context_indicator",
                                "context_indicator_leave_one_out"}
    assert (audit.flagged == audited.scalar("select count(*) from student_context_indicator where tier = 'RED'")).all()
    positives = audited.scalar("select sum(label_value) from int_student_labels")
    assert 10 <= positives < 100
    assert (audit.true_positives + audit.false_negatives == positives).all()
    assert audit.roc_auc.between(0, 1).all()
    assert "nothing here feeds the personas" in audit.interpretation.iloc[0]
    published = audited.frame("select * from label_signal_audit_published").set_index("model").loc[audit.index]
    counts = ["flagged", "true_positives", "false_positives", "false_negatives", "true_negatives"]
    hidden = published[counts] == "suppressed"
    for column in counts:
        shown = published.loc[~hidden[column], column].astype(int)
        assert (shown == audit.loc[shown.index, column]).all() and not shown.between(1, 9).any(), column
    assert hidden.true_positives.all()  # under 100 positives: a few of them among the flagged students
    for pair in [("true_positives", "false_positives"), ("true_positives", "false_negatives"),
                 ("false_positives", "true_negatives"), ("false_negatives", "true_negatives")]:
        assert (hidden[list(pair)].sum(axis=1) != 1).all(), pair  # no hidden count is a total minus the other
    assert published.loc[hidden.true_positives, ["recall", "precision"]].isna().all().all()
    # AUCs count pairs of positives and negatives: published to two decimals, so they give no count back
    assert (published.roc_auc == audit.roc_auc.round(2)).all() and (published.pr_auc == audit.pr_auc.round(2)).all()
    assert (published.interpretation == audit.interpretation).all()
