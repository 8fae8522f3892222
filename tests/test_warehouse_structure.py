"""Honest structure in the warehouse: the verdict, the reference comparisons, the other clusterers and the
outcome-proxy flags, on the built-in cohort, the reference file and a generated file with known truth."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from conftest import PROJECT_DIR, SUBGROUP_K, built, copy_published, run_dbt
from student_personas import naming
from test_reports import PageReader, page_html


DISCRETE_MAX_LEVELS = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][
    "discrete_max_levels"]


def ari_with(run, truth: dict) -> float:
    assigned = dict(run.query("select student_id, persona_id from persona_assignments"))
    students = sorted(truth)
    return adjusted_rand_score([truth[s] for s in students], [assigned[s] for s in students])


def planted_patterns() -> dict:
    planted = pd.read_csv(PROJECT_DIR / "tests" / "fixtures" / "planted_patterns.csv", dtype={"Student_ID": str})
    return dict(zip(planted.Student_ID, planted.planted_pattern))


# ---- the built-in cohort: clear structure ----------------------------------------------------------------

def test_builtin_cohort_is_clear_and_recovers_the_planted_patterns(builtin_build):
    verdict, silhouette_sd, above, k = builtin_build.query(
        "select verdict, silhouette_excess_sd, personas_above_reference, n_personas from structure_assessment")[0]
    assert verdict == "clear"
    assert silhouette_sd > 10 and above == k
    assert ari_with(builtin_build, planted_patterns()) >= 0.95


def test_builtin_spectral_and_mixture_agree_with_the_personas(builtin_build):
    rows = {method: (k, ari) for method, k, ari in builtin_build.query(
        "select method, chosen_k, ari_with_personas from clustering_comparison")}
    assert set(rows) == {"kmeans", "spectral", "gaussian_mixture", "ward"}
    personas = builtin_build.scalar("select count(*) from persona_summary")
    assert rows["kmeans"] == (personas, 1.0)
    assert rows["spectral"][1] >= 0.8 and rows["gaussian_mixture"][1] >= 0.8


def test_chosen_values_carry_their_reference_and_the_flat_curve_rule_holds(builtin_build, real_build):
    for run in (builtin_build, real_build):
        for stage, metric, higher_is_better in (("nmf_rank", "heldout_mse", False), ("kmeans_k", "silhouette", True)):
            curve = run.frame(f"select parameter_value, value, is_chosen, is_best, reference_mean, reference_sd, "
                              f"reference_draws from model_selection where stage = '{stage}' and metric = '{metric}'")
            best = curve.loc[curve.value.idxmax() if higher_is_better else curve.value.idxmin()]
            assert curve.loc[curve.is_best, "parameter_value"].tolist() == [best.parameter_value]
            spread = best.reference_sd
            tied = curve.loc[(curve.value >= best.value - spread) if higher_is_better else
                             (curve.value <= best.value + spread), "parameter_value"]
            chosen = curve.loc[curve.is_chosen].iloc[0]
            assert chosen.parameter_value == tied.min()
            assert chosen.reference_draws == 10 and chosen.reference_sd > 0 and not np.isnan(chosen.reference_mean)


def test_no_feature_of_the_builtin_cohort_is_an_outcome_proxy(builtin_build):
    assert builtin_build.scalar("select count(*) from feature_label_association") == \
        builtin_build.scalar("select count(*) from feature_encoding where is_used")
    assert builtin_build.scalar("select count(*) from feature_label_association where is_outcome_proxy") == 0
    assert builtin_build.scalar("select count(*) from data_quality_summary where check_name = 'outcome_proxy'") == 0
    assert builtin_build.scalar("select count(*) from persona_summary where len(outcome_proxy_columns) > 0") == 0


def test_the_builtin_age_feature_is_listed_as_recording_a_protected_attribute(builtin_build):
    """Age is a feature of the worked example (as in the notebook): the data-quality table and page say that
    its name records a protected attribute, and how to declare it instead."""
    assert builtin_build.query("select column_name, detail from data_quality_summary "
                               "where check_name = 'protected_like_feature'") == [("Age", "its name says it records age")]
    note, = builtin_build.query("select role_note from int_column_roles where column_name = 'Age'")[0]
    assert "declare it in protected_columns" in note
    page = PageReader(page_html(builtin_build))
    assert ["Age", "protected_like_feature", "its name says it records age"] in page.table("Column", "To review", "Detail")


def test_builtin_personas_page_opens_with_the_verdict(builtin_build):
    page = PageReader(page_html(builtin_build, "personas"))
    sentence = builtin_build.scalar("select sentence from structure_assessment")
    assert page.text.index("How much structure the personas rest on") < page.text.index("Students are grouped by")
    assert sentence in page.text and "Clear groups" in page.text
    assert "not distinct groups" not in page.text
    methods = page.table("Method", "How it chose")
    assert [row[0] for row in methods][0] == "K-Means (the personas)" and len(methods) == 4


# ---- the reference file: close to independent noise -------------------------------------------------------

def test_reference_file_has_no_clear_structure_and_says_so(real_build):
    verdict, sentence = real_build.query("select verdict, sentence from structure_assessment")[0]
    assert verdict in ("none", "weak")
    assert "do not use them to sort" in sentence
    for (description,) in real_build.query("select description from persona_summary"):
        assert "Not a distinct group" in description or "Soft segment of a continuum" in description
        assert naming.deficit_terms_in(description) == []
    page = PageReader(page_html(real_build, "personas"))
    assert "These personas are not distinct groups of students." in page.text


def test_rank_at_the_bottom_of_its_range_is_flagged_in_the_table_and_on_the_page(real_build):
    rank, edge = real_build.query(
        "select parameter_value, range_edge from model_selection where stage = 'nmf_rank' and is_chosen limit 1")[0]
    low = real_build.scalar("select min(parameter_value) from model_selection where stage = 'nmf_rank'")
    assert rank == low and edge == "bottom"
    assert real_build.scalar("select rank_edge from structure_assessment") == "bottom"
    shown = PageReader(page_html(real_build, "personas")).table("Choice", "Chosen")
    assert any(row[0].startswith("Number of factors") and "bottom of the range" in row[7] for row in shown)


def test_sql_auc_equals_scikit_learn_and_flags_follow_the_threshold(real_build):
    """The rank-sum AUC in SQL (ties at mid-rank) against scikit-learn's, on every feature of the reference
    file: numbers with many ties (counts 0-4) and the indicators of a categorical column's levels."""
    stored = dict(real_build.query("select feature, roc_auc from feature_label_association"))
    numbers = real_build.frame(
        "select values.source_column, values.value, labels.label_value from int_student_numeric_values as values "
        "inner join int_student_labels as labels using (student_id)")
    for column, group in numbers.groupby("source_column"):
        assert stored[column] == pytest.approx(roc_auc_score(group.label_value, group.value), abs=1e-12), column
    levels = real_build.frame(
        "select encoding.feature, (categories.level = encoding.level)::integer as indicator, labels.label_value "
        "from int_student_category_values as categories inner join int_student_labels as labels using (student_id) "
        "inner join feature_encoding as encoding on encoding.source_column = categories.source_column "
        "where encoding.feature_kind = 'one_hot' and encoding.is_used")
    assert levels.feature.nunique() == 3
    for feature, group in levels.groupby("feature"):
        assert stored[feature] == pytest.approx(roc_auc_score(group.label_value, group.indicator), abs=1e-12), feature
    assert len(stored) == real_build.scalar("select count(*) from feature_encoding where is_used")
    every = real_build.frame("select source_column, roc_auc, is_outcome_proxy from feature_label_association")
    assert (every.is_outcome_proxy == ((every.roc_auc >= 0.85) | (every.roc_auc <= 0.15))).all()
    flagged = set(every.loc[every.is_outcome_proxy, "source_column"])
    assert {column for (column,) in real_build.query(
        "select column_name from data_quality_summary where check_name = 'outcome_proxy'")} == flagged


# ---- the generated two-group file: the case that showed confident personas on noise -------------------

def test_planted_two_groups_are_found_or_the_verdict_says_the_structure_is_weak(planted_build):
    verdict, k = planted_build.query("select verdict, n_personas from structure_assessment")[0]
    ari = ari_with(planted_build, planted_build.planted_groups)
    assert (k == 2 and ari >= 0.8) or verdict in ("weak", "none"), (verdict, k, ari)
    if verdict in ("weak", "none"):
        for (description,) in planted_build.query("select description from persona_summary"):
            assert "Not a distinct group" in description or "Soft segment of a continuum" in description


def test_the_grade_level_is_weighted_down_and_does_not_make_the_personas(planted_build):
    levels, weight, discrete = planted_build.query(
        "select n_levels, weight, is_discrete from feature_encoding where feature = 'Grade_Level'")[0]
    assert levels == 3 and discrete and weight < 0.6
    # Weight = sqrt(median continuous variance / grade variance), from the encoding's own numbers: the
    # prepared values (filled and clipped) of the fitted cohort, scaled by the learned range.
    variances = planted_build.frame(
        "select encoding.feature, encoding.n_levels, var_pop((v.value - encoding.min_value) "
        "/ (encoding.max_value - encoding.min_value)) as variance from int_student_prepared_values as v "
        "inner join feature_encoding as encoding on encoding.source_column = v.source_column "
        "where v.level is null and v.is_reference and encoding.level is null "
        "group by encoding.feature, encoding.n_levels").set_index("feature")
    continuous = variances.loc[variances.n_levels > DISCRETE_MAX_LEVELS, "variance"].median()
    assert weight == pytest.approx(np.sqrt(continuous / variances.loc["Grade_Level", "variance"]), rel=1e-6)
    assert ari_with(planted_build, planted_build.grade_levels) < 0.2
    assert planted_build.scalar("select is_discrete_dominated from structure_assessment") is False


def test_the_planted_outcome_proxy_is_flagged_everywhere(planted_build):
    assert planted_build.query("select feature from feature_label_association where is_outcome_proxy") == \
        [("Second_Term_Score",)]
    # Planted as the outcome's own measurement (the label is the score plus noise below 50: AUC about 0.97),
    # so it "may record the outcome", not merely "is associated with it".
    assert planted_build.query("select proxy_kind from feature_label_association where is_outcome_proxy") == \
        [("may_record",)]
    detail = planted_build.scalar("select detail from data_quality_summary where check_name = 'outcome_proxy'")
    assert detail == ("Second_Term_Score: single-feature ROC-AUC at most 0.05 (lower values go with the label): "
                      "may record the outcome itself")
    quality = PageReader(page_html(planted_build, "data_quality")).table("Column", "Why it is flagged")
    assert quality == [["Second_Term_Score", detail]]
    context = PageReader(page_html(planted_build, "personas_context"))
    assert context.table("Column", "Feature", "Direction") == [
        ["Second_Term_Score", "Second_Term_Score", "lower values go with the label",
         "may record the outcome (separates it almost perfectly)"]]
    marked = planted_build.query(
        "select persona_id, description from persona_summary where len(outcome_proxy_columns) > 0")
    for _, description in marked:
        assert "Distinguished partly by Second_Term_Score, which may record the outcome itself" in description
        assert "associated with the outcome" not in description
    led = [table for table in context.tables if table[0][:3] == ["Persona", "Name", "Led by"]]
    assert len(led[0][1:] if led else []) == len(marked)
    # The AUC itself is not published: pages show the flag and the threshold only.
    auc = planted_build.scalar("select roc_auc from feature_label_association where is_outcome_proxy")
    assert f"{auc:.3f}" not in quality[0][1] and f"{auc:.2f}" not in context.text


def test_stable_means_more_stable_than_shuffled_data(builtin_build, planted_build):
    for run in (builtin_build, planted_build):
        stability = run.frame("select * from persona_stability")
        assert (stability.is_above_reference == (stability.bootstrap_jaccard_mean > stability.stability_bar)).all()
        assert (stability.is_stable == ((stability.bootstrap_jaccard_mean >= stability.stability_threshold)
                                        & stability.is_above_reference)).all()
        assert (stability.stability_bar <= 0.95).all() and stability.n_reference_draws.eq(10).all()


def test_a_choice_at_the_edge_of_its_range_is_said_on_the_page(planted_build):
    """Seven features allow ranks 2-6; on this noise-like file the rank lands on an edge of that range
    (which one depends on the held-out error of noise), and the page says so."""
    rank, edge = planted_build.query(
        "select parameter_value, range_edge from model_selection where stage = 'nmf_rank' and is_chosen limit 1")[0]
    assert (rank, edge) in ((6, "top"), (2, "bottom"))
    verdict, sentence = planted_build.query("select verdict, sentence from structure_assessment")[0]
    page = PageReader(page_html(planted_build, "personas")).text
    if edge == "top":
        assert "The number of factors is at the top of the range tried, so a larger value may fit better" in page
    else:
        assert "at the bottom of the range: a smaller value was not tried" in page
    assert verdict == "none" and sentence in page and "These personas are not distinct groups of students." in page


# ---- sub-groups inside personas --------------------------------------------------------------------------

@pytest.mark.parametrize("build", ["builtin_build", "real_build", "planted_build", "dropout_build"])
def test_personas_of_cohorts_without_planted_sub_groups_hold_none(build, request):
    """The built-in cohort (five planted patterns, one persona each), the reference file (noise), a generated
    two-group file and a dropout-shaped file: every persona is checked and none reports a sub-group, so no
    student has a subgroup_id; each persona says so in a sentence."""
    run = request.getfixturevalue(build)
    rows = run.query("select persona_id, has_subgroup, split_gap, description from persona_subgroups order by 1")
    assert [row[0] for row in rows] == [row[0] for row in run.query("select persona_id from persona_summary order by 1")]
    assert not any(has for _, has, _, _ in rows), rows
    assert all("holds no distinct sub-group" in text or "not checked" in text for _, _, _, text in rows)
    assert run.scalar("select count(*) from persona_assignments where subgroup_id is not null") == 0
    assert run.scalar("select count(*) from persona_subgroup_profiles") == 0
    if build == "builtin_build":
        assert "No persona holds a distinct sub-group" in PageReader(page_html(run, "personas")).text


def test_a_smaller_k_keeps_two_planted_patterns_in_one_persona_and_the_warehouse_finds_its_sub_group(merged_build):
    """With k held at 4 for the five planted patterns, one persona holds two of them: persona_subgroups says so
    for that persona alone, and persona plus sub-group recover the five patterns better than the personas alone
    (measured: ARI 0.93 against 0.8)."""
    found = dict(merged_build.query("select persona_id, has_subgroup from persona_subgroups"))
    assert len(found) == SUBGROUP_K and sum(found.values()) == 1
    truth = planted_patterns()
    refined = dict(merged_build.query(
        "select student_id, persona_id * 10 + coalesce(subgroup_id, 0) from persona_assignments"))
    students = sorted(truth)
    refined_ari = adjusted_rand_score([truth[s] for s in students], [refined[s] for s in students])
    personas_ari = ari_with(merged_build, truth)
    assert refined_ari >= 0.9 and refined_ari > personas_ari + 0.05, (refined_ari, personas_ari)
    persona, = [persona for persona, has in found.items() if has]
    assert merged_build.query("select count(distinct subgroup_id), count(*) = count(subgroup_id) "
                               f"from persona_assignments where persona_id = {persona}") == [(2, True)]
    assert merged_build.scalar("select count(subgroup_id) from persona_assignments "
                                f"where persona_id <> {persona}") == 0


def test_the_personas_page_shows_the_sub_group_from_the_warehouse(merged_build):
    page = PageReader(page_html(merged_build, "personas"))
    persona, students, description = merged_build.query(
        "select persona_id, subgroup_students, description from persona_subgroups where has_subgroup")[0]
    assert f"1 of {SUBGROUP_K} personas holds a sub-group of its own" in page.text
    assert " ".join(description.split()) in page.text
    rows = {row[0]: row[3] for row in page.table("Persona", "Name", "Students", "In a sub-group")}
    assert rows == {str(number): f"{students:,}" if number == persona else "—" for number in range(1, SUBGROUP_K + 1)}


def test_scored_students_are_placed_in_the_stored_sub_groups(merged_build, tmp_path):
    """The fitted file scored again with the stored model: every student gets the persona and sub-group the fit
    gave them (the stored sub-group centres place them), and only the persona with a sub-group has one."""
    from student_personas.cli import SCORING_SELECTION

    workdir = copy_published(merged_build, tmp_path / "wh")
    scored = built(run_dbt(workdir, base_vars={}, extra_args=SCORING_SELECTION, variables={
        "score_students_path": str(PROJECT_DIR / "examples" / "builtin" / "students.csv"),
        "score_term_label": "again"}))
    fitted = {student: (persona, subgroup) for student, persona, subgroup in merged_build.query(
        "select student_id, persona_id, subgroup_id from persona_assignments")}
    placed = {student: (persona, subgroup) for student, persona, subgroup in scored.query(
        "select student_id, persona_id, subgroup_id from scored_students where term = 'again'")}
    assert len(placed) == len(fitted)
    assert sum(placed[student] == fitted[student] for student in fitted) / len(fitted) >= 0.99
    assert len({subgroup for _, subgroup in placed.values()} - {None}) == 2


def test_two_planted_patterns_kept_in_one_persona_are_reported_as_its_sub_group(builtin_build):
    """Any two of the built-in cohort's personas taken as one (as a smaller k would keep them): the same check
    the warehouse runs on every persona, on the same continuous features, reports every pair as a sub-group
    and places the students as the two personas were (measured: gaps 0.36 to 1.15, ARI 0.90 to 1.00)."""
    import duckdb

    from student_personas import subgroups, warehouse

    with duckdb.connect(str(builtin_build.database), read_only=True) as connection:
        _, x = warehouse.feature_matrix(connection.table("int_student_feature_vectors"), reference_only=True)
    persona = np.array([row[0] for row in builtin_build.query(
        "select persona_id from persona_assignments order by student_id, term")])
    encoding = builtin_build.query(
        "select source_column, feature_kind, is_discrete from int_feature_encoding where is_used order by feature_index")
    columns = subgroups.continuous_columns([row[1] for row in encoding], [row[2] for row in encoding])
    groups = np.unique([encoding[column][0] for column in columns], return_inverse=True)[1]
    settings = json.loads(builtin_build.scalar("select settings from persona_models"))
    draws = builtin_build.scalar("select max(reference_draws) from persona_subgroups")
    for first in range(1, 6):
        for second in range(first + 1, 6):
            merged = np.isin(persona, [first, second])
            check = subgroups.check_persona(x[np.ix_(merged, columns)], groups, settings["kmeans_restarts"],
                                            settings["random_seed"], draws)
            assert check.has_subgroup, (first, second, check.note)
            assert adjusted_rand_score(persona[merged], check.split.sides) > 0.85, (first, second)
