"""Files of other shapes on the first try: built with the vars `make profile` wrote (and nothing else but a
codebook), or stopped before any model with one message listing every problem (tests/test_preflight.py)."""

import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

import shapes
from conftest import STAGING, built, run_dbt
from student_personas import naming, profiling

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast


def test_the_dropout_file_builds_on_the_first_try_with_its_profiled_vars(dropout_build):
    assert dropout_build.scalar("select count(*) from int_student_records") == 1500
    assert dropout_build.scalar("select count(*) from student_rejects") == 0
    roles = {name: (role, kind) for name, role, kind in dropout_build.query(
        "select column_name, role, kind from stg_column_roles")}
    assert roles["Target"] == ("label", None) and roles["Course"] == ("feature", "categorical")
    assert roles["Gender"] == ("protected", "categorical") and roles["Age at enrollment"] == ("protected", "numeric")
    # No id column: the row number is the id.
    assert dropout_build.scalar("select min(student_id::int) || '-' || max(student_id::int) from int_student_records") \
        == "1-1500"
    assert dropout_build.scalar("select count(*) from persona_summary") >= 2


def test_decimal_commas_are_read_as_numbers(dropout_build):
    low, high = dropout_build.query("select min(\"Curricular units 1st sem (grade)\"), "
                                    "max(\"Curricular units 1st sem (grade)\") from int_student_records")[0]
    assert 0 < low < high <= 20 and not float(high).is_integer()


def test_missing_cells_are_filled_and_counted_and_every_student_is_kept(dropout_build):
    imputed = dict(dropout_build.query(
        "select column_name, count from data_quality_summary where check_name = 'imputed_values'"))
    assert set(imputed) == {"Previous qualification (grade)", "Curricular units 1st sem (grade)", "Unemployment rate"}
    assert all(100 <= count <= 200 for count in imputed.values())  # 10% of 1,500 each
    stored = dropout_build.scalar("select count(*) from persona_model_preparation where fill_value is not null")
    assert stored >= 3


def test_no_tier_holds_more_than_90_percent_at_a_30_percent_base_rate(dropout_build):
    rate = dropout_build.scalar("select rate from data_quality_summary where check_name = 'label_prevalence'")
    assert 0.25 <= rate <= 0.35
    tiers = dict(dropout_build.query("select tier, share from context_tier_counts where scope = 'all students'"))
    assert max(tiers.values()) <= 0.9 and tiers["RED"] > 0
    amber, red = dropout_build.query("select distinct amber_at, red_at from student_context_indicator")[0]
    assert amber == pytest.approx(min(1.5 * rate, rate + (1 - rate) / 4))
    assert red == pytest.approx(min(2 * rate, rate + (1 - rate) / 2))
    assert not dropout_build.scalar("select bool_or(holds_nearly_everyone) from context_tier_counts "
                                    "where scope = 'all students'")


def test_persona_names_are_readable(dropout_build):
    names = [row[0] for row in dropout_build.query("select persona_name from persona_summary")]
    codes = {row[0] for row in dropout_build.query("select distinct level from feature_encoding where level is not null")}
    for name in names:
        assert "_" not in name, name
        assert not any(code in name.split() for code in codes if naming.is_raw_code(code)), name
        assert naming.deficit_terms_in(name) == [], name
    text = " ".join(names + [row[0] for row in dropout_build.query("select description from persona_summary")])
    assert "first-semester" in text  # the codebook's column labels are used


def test_a_numeric_protected_attribute_is_grouped_and_groups_sort_as_numbers(dropout_build):
    groups = dropout_build.query(
        "select group_value, min(group_order) from int_student_protected_groups "
        "where protected_attribute = 'Age at enrollment' group by 1 order by 2")
    assert 2 <= len(groups) <= 5
    assert groups[0][0].startswith("under ") and groups[-1][0].endswith(" or more")
    assert all("." not in value for value, _ in groups)  # whole-number ages get whole-number edges
    marital = [row[0] for row in dropout_build.query(
        "select distinct group_value, group_order from int_student_protected_groups "
        "where protected_attribute = 'Marital status' order by group_order")]
    assert marital == ["1", "2", "4"]
    assert dropout_build.scalar("select count(distinct group_value) from int_student_protected_groups "
                                "where protected_attribute = 'Gender'") == 2
    assert {row[0] for row in dropout_build.query("select distinct group_value from int_student_protected_groups "
                                                  "where protected_attribute = 'Gender'")} == {"Female", "Male"}


def test_scoring_a_later_file_reuses_the_stored_fill_values(dropout_build, tmp_path):
    from student_personas.cli import SCORING_SELECTION

    later, _ = shapes.dropout_like(tmp_path / "later.csv", n=300, seed=99)
    run = built(run_dbt(dropout_build.database.parent, base_vars={}, extra_args=SCORING_SELECTION,
                        variables={"score_students_path": str(later), "score_term_label": "next"}))
    stored = dict(run.query("select source_column, fill_value from persona_model_preparation where fill_value is not null"))
    used = dict(run.query("select source_column, any_value(value) from main_scoring.int_student_prepared_values "
                          "where is_imputed group by 1"))
    assert used and all(used[column] == stored[column] for column in used)
    assert run.scalar("select sum(values_imputed) from scored_students where term = 'next'") == sum(
        row[0] for row in run.query("select count(*) from main_scoring.int_student_prepared_values where is_imputed"))


def test_personas_on_the_dropout_file_follow_its_planted_patterns(dropout_build, shapes_dir):
    _, pattern = shapes.dropout_like(shapes_dir / "again.csv")
    assigned = dropout_build.query("select student_id::int, persona_id from persona_assignments order by 1")
    assert adjusted_rand_score(pattern[[row - 1 for row, _ in assigned]], [p for _, p in assigned]) >= 0.4


# ---- other shapes: the staging subgraph builds ------------------------------------------------------------

def test_a_composite_id_is_one_text_id_and_keeps_its_parts(shapes_dir, tmp_path):
    run = built(run_dbt(tmp_path, base_vars={}, extra_args=STAGING, variables={
        "students_path": str(shapes_dir / "enrolment.csv"), "id_column": ["code_module", "code_presentation", "id_student"],
        "label_column": "final_result", "label_positive_values": ["Withdrawn"],
        "label_negative_values": ["Pass", "Fail", "Distinction"]}))
    rows = run.query("select student_id, code_module, code_presentation, id_student from int_student_records limit 3")
    for student_id, module, presentation, student in rows:
        assert student_id == f"{module}|{presentation}|{student}"
    assert run.scalar("select count(*) from student_rejects") == 0
    assert run.scalar("select count(*) from int_student_records") == run.scalar(
        "select records_counted from stg_input_files where input_name = 'students'")


def test_a_label_derived_by_an_expression_never_becomes_a_feature(shapes_dir, tmp_path):
    run = built(run_dbt(tmp_path, base_vars={}, extra_args=STAGING, variables={
        "students_path": str(shapes_dir / "school.csv"), "label_expression": "G3 < 10",
        "label_name": "final grade below 10"}))
    assert run.scalar("select role from stg_column_roles where column_name = 'G3'") == "label_source"
    positives, n = run.query("select count, denominator from data_quality_summary where check_name = 'label_prevalence'")[0]
    assert run.scalar("select column_name from data_quality_summary where check_name = 'label_prevalence'") \
        == "final grade below 10"
    assert positives == run.scalar("select count(*) from int_student_records where G3 < 10") and n == 649
    assert run.scalar("select count(*) from int_feature_encoding where source_column = 'G3'") == 0


def test_make_profile_on_the_worked_example_writes_vars_that_build(tmp_path):
    from conftest import PROJECT_DIR

    written = profiling.write_vars_file(PROJECT_DIR / "examples" / "builtin" / "students.csv", tmp_path / "v.yml")
    variables = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert variables["id_column"] == "Student_ID" and variables["label_column"] == "Dropout_Risk"
    assert {"Gender", "Ethnicity", "Disability_Status"} <= set(variables["protected_columns"])
    run = built(run_dbt(tmp_path / "wh", base_vars={}, variables=variables,
                        extra_args=["--select", "+persona_summary", "--indirect-selection", "cautious"]))
    assert run.scalar("select count(*) from persona_summary") >= 2
    assert (tmp_path / "v_playbook.csv").read_text(encoding="utf-8").startswith("source_column,direction,action")


def test_make_profile_finds_a_composite_id_a_three_class_label_and_coded_categories(shapes_dir):
    enrolment = profiling.profile_file(shapes_dir / "enrolment.csv")
    assert enrolment.id_columns is not None and "id_student" in enrolment.id_columns and len(enrolment.id_columns) > 1
    assert enrolment.label[:2] == ("final_result", ["Withdrawn"])
    assert set(enrolment.label[2]) == {"Pass", "Distinction", "Fail"}
    dropout = profiling.profile_file(shapes_dir / "dropout.csv")
    assert dropout.id_columns is None and dropout.label[:2] == ("Target", ["Dropout"])
    assert {"Course", "Application mode"} <= set(dropout.coded_categorical)
    assert "Age at enrollment" in dropout.protected
    lms = profiling.profile_file(shapes_dir / "lms.csv")
    assert "gender" in lms.protected and lms.id_columns is None
    events = profiling.profile_file(shapes_dir / "events_as_students.csv")
    assert any("event log" in notice for notice in events.notices)


ENROLMENT_ROLES = {
    "id_column": ["code_module", "code_presentation", "id_student"], "label_column": "final_result",
    "label_positive_values": ["Withdrawn"], "label_negative_values": ["Pass", "Fail", "Distinction"],
    "label_name": "withdrawal",
    "protected_columns": ["gender", "region", "highest_education", "imd_band", "age_band", "disability"]}


def test_a_file_with_two_feature_columns_gets_personas_on_its_features_directly(shapes_dir, tmp_path):
    """An enrolment file whose composite id, label and six protected columns leave two feature columns: no
    rank of the sweep is below the number of features, so the personas are K-Means groups of the encoded
    features themselves (each factor one feature), said so in model_selection and on the personas page."""
    from test_reports import PageReader

    run = built(run_dbt(tmp_path / "wh", base_vars={}, variables={
        "students_path": str(shapes_dir / "enrolment.csv"), **ENROLMENT_ROLES}))
    features = [row[0] for row in run.query("select feature from feature_encoding where is_used order by feature_index")]
    assert sorted(features) == ["num_of_prev_attempts", "studied_credits"]
    rank, rule, heldout = run.query("select parameter_value, rule, value from model_selection "
                                    "where stage = 'nmf_rank' and metric = 'heldout_mse' and is_chosen")[0]
    assert rank == 2 and heldout is None and rule.startswith("Only 2 encoded features")
    loadings = run.query("select factor_id, feature, loading from factor_loadings order by factor_id, feature")
    assert sorted(loading for _, _, loading in loadings) == pytest.approx([0, 0, 1, 1])
    mismatched = run.scalar(
        "select count(*) from student_factors sf join student_features f using (student_id, term) "
        "join factor_loadings l on l.feature = f.feature and l.loading = 1 "
        "where abs(case l.factor_id when 1 then sf.factor_1 else sf.factor_2 end - f.value) > 1e-9")
    assert mismatched == 0
    assert run.scalar("select count(*) from persona_summary") >= 2
    sentence = run.scalar("select sentence from structure_assessment")
    assert sentence.startswith("Only 2 encoded features") and "K-Means groups of the encoded features" in sentence
    page = PageReader((run.reports_dir / "personas.html").read_text(encoding="utf-8"))
    assert "K-Means groups of the encoded features themselves" in page.text
