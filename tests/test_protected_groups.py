"""Protected attributes found and kept: a numeric-coded attribute declared nominal has one group per code,
and a quantile-grouped age never has a group under min_cell_size (edge groups merge), so its association
with the personas is published. One generated cohort, built once."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from conftest import BUILTIN_VARS, built, run_dbt, shared_build

pytestmark = pytest.mark.dbt

STUDENTS = 800


@pytest.fixture(scope="session")
def coded_protected(tmp_path_factory):
    """The generated students with a Nationality code (1 for most, 2-12 for the others) and ages with ties:
    5 students aged 17 and many aged 18, so the lowest quantile edge (18) would leave a 5-student group."""
    from student_personas import synthetic

    def make(folder):
        students, _ = synthetic.write_students(folder / "generated.csv", STUDENTS)
        rng = np.random.default_rng(3)
        nationality = np.where(rng.random(STUDENTS) < 0.75, 1, rng.integers(2, 13, STUDENTS))
        age = np.where(np.arange(STUDENTS) < 5, 17, np.where(rng.random(STUDENTS) < 0.4, 18,
                                                             rng.integers(19, 40, STUDENTS)))
        with duckdb.connect() as connection:
            connection.execute("create table extra as select unnest(?) as Nationality, unnest(?) as new_age, "
                               "unnest(range(1, ? + 1)) as Student_ID", [nationality.tolist(), age.tolist(), STUDENTS])
            connection.execute(f"copy (select s.* replace (e.new_age as Age), e.Nationality from read_csv('{students}') s "
                               f"join extra e using (Student_ID) order by Student_ID) to '{folder / 'students.csv'}'")
        variables = {**BUILTIN_VARS, "students_path": str(folder / "students.csv"),
                     "protected_columns": ["Gender", "Age", "Nationality"],
                     "categorical_columns": {**BUILTIN_VARS["categorical_columns"], "Nationality": []}}
        run = built(run_dbt(folder / "wh", base_vars=variables))
        run.nationality, run.age = nationality, age
        return run
    return shared_build(tmp_path_factory, "coded_protected", make)


def test_a_numeric_code_declared_nominal_has_one_group_per_code(coded_protected):
    groups = dict(coded_protected.query("select group_value, count(*) from int_student_protected_groups "
                                        "where protected_attribute = 'Nationality' group by 1"))
    codes, counts = np.unique(coded_protected.nationality, return_counts=True)
    assert groups == {str(code): count for code, count in zip(codes, counts)}
    assert coded_protected.scalar("select count(*) from int_feature_encoding where source_column = 'Nationality'") == 0
    published = coded_protected.query("select n_groups, has_pooled_group, cramers_v from fairness_association_published "
                                      "where protected_attribute = 'Nationality'")
    assert len(published) == 1 and published[0][0] >= 2  # small codes pooled, the association still published


def test_quantile_age_groups_never_hold_fewer_than_min_cell_size(coded_protected):
    groups = coded_protected.query("select group_value, count(*) from int_student_protected_groups "
                                   "where protected_attribute = 'Age' group by 1 order by min(group_order)")
    minimum = BUILTIN_VARS.get("min_cell_size", 10)
    assert len(groups) >= 3 and all(count >= minimum for _, count in groups), groups
    assert sum(count for _, count in groups) == STUDENTS
    first, first_count = groups[0]
    assert first.startswith("under ") and first != "under 18"  # the 5 students aged 17 joined the next group
    assert first_count == (coded_protected.age < float(first.removeprefix("under "))).sum()
    v = coded_protected.scalar("select cramers_v from fairness_association_published where protected_attribute = 'Age'")
    assert v is not None
