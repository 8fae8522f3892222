"""The built-in data generator: schema parity with the reference file, determinism, planted structure."""

import io

import duckdb
import numpy as np
import pyarrow.csv as pa_csv
import pytest

from conftest import PROJECT_DIR, require_real_csv
from student_personas import synthetic


def sniffed_types(path) -> list[tuple[str, str]]:
    return duckdb.sql(f"describe select * from read_csv('{path}')").fetchall()


def test_same_columns_and_types_as_the_reference_file(tmp_path):
    out, _ = synthetic.write_students(tmp_path / "students.csv", 2000, seed=7)
    generated = [(name, kind) for name, kind, *_ in sniffed_types(out)]
    reference = [(name, kind) for name, kind, *_ in sniffed_types(require_real_csv())]
    assert generated == reference


def test_values_stay_inside_the_reference_ranges_and_levels():
    reference = duckdb.sql(f"select * from read_csv('{require_real_csv()}')").df()
    table, _ = synthetic.generate_students(20_000, seed=3)
    generated = table.to_pandas()
    for spec in synthetic.NUMERIC_COLUMNS:
        low, high = reference[spec.name].min(), reference[spec.name].max()
        slack = 0.02 * (high - low)  # the reference's extremes are a sample of the nominal range
        assert low - slack <= generated[spec.name].min() <= low + 5 * slack, spec.name
        assert high - 5 * slack <= generated[spec.name].max() <= high + slack, spec.name
    for column in ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level",
                   "Past_Academic_Performance", "Disability_Status", "Dropout_Risk"]:
        assert set(generated[column].unique()) == set(reference[column].unique()), column


def test_same_seed_same_rows_and_different_seed_different_rows():
    first, first_patterns = synthetic.generate_students(500, seed=11)
    second, second_patterns = synthetic.generate_students(500, seed=11)
    other, _ = synthetic.generate_students(500, seed=12)
    assert first.equals(second) and np.array_equal(first_patterns, second_patterns)
    assert not first.equals(other)


def test_committed_seed_is_the_generator_output():
    """The worked example's students.csv and the test-only planted patterns are reproducible from the generator."""
    table, pattern = synthetic.generate_students(1000, synthetic.DEFAULT_SEED)
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(quoting_style="none"))
    assert (PROJECT_DIR / "examples" / "builtin" / "students.csv").read_bytes() == buffer.getvalue()
    planted = duckdb.sql(
        f"select planted_pattern from read_csv('{PROJECT_DIR / 'tests' / 'fixtures' / 'planted_patterns.csv'}') "
        "order by Student_ID").fetchnumpy()["planted_pattern"]
    assert np.array_equal(planted, pattern)


def test_planted_structure_label_and_weak_protected_association():
    table, pattern = synthetic.generate_students(200_000, seed=5)
    frame = table.to_pandas()
    frame["pattern"] = pattern
    # About 2% positives overall, concentrated in some patterns.
    assert 0.012 < frame["Dropout_Risk"].mean() < 0.028
    by_pattern = frame.groupby("pattern")["Dropout_Risk"].mean()
    assert by_pattern.max() > 4 * by_pattern.min()
    # Patterns differ strongly on academic and engagement columns ...
    spread = frame.groupby("pattern")[["GPA", "Number_of_Late_Submissions", "Online_Learning_Hours"]].mean()
    assert (spread.max() - spread.min() > 0.3 * (frame[spread.columns].max() - frame[spread.columns].min())).all()
    # ... and only weakly on protected attributes (Cramér's V well below 0.1).
    for column in ["Gender", "Ethnicity", "Socioeconomic_Status", "Parental_Education_Level", "Disability_Status"]:
        counts = frame.groupby(["pattern", column]).size().unstack(fill_value=0).to_numpy(float)
        expected = counts.sum(1, keepdims=True) * counts.sum(0, keepdims=True) / counts.sum()
        chi2 = ((counts - expected) ** 2 / expected).sum()
        v = np.sqrt(chi2 / counts.sum() / (min(counts.shape) - 1))
        assert v < 0.1, (column, v)


def test_parquet_output_and_patterns_file(tmp_path):
    out, patterns = synthetic.write_students(tmp_path / "s.parquet", 300, seed=1)
    assert duckdb.sql(f"select count(*) from read_parquet('{out}')").fetchall()[0][0] == 300
    assert duckdb.sql(f"select count(distinct planted_pattern) from read_csv('{patterns}')").fetchall()[0][0] == 5


def test_rejects_an_empty_cohort():
    with pytest.raises(ValueError, match="at least 1"):
        synthetic.generate_students(0)
