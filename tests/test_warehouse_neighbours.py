"""Real dbt builds of "students like me": exactness against brute force, invariants, SQL macros."""

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.dbt  # real dbt builds: not part of make test-fast

K = 10


def brute_force_neighbours(vectors: np.ndarray, k: int):
    """All-pairs cosine (fine for 1,000 students), self excluded, ties by lower row."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    units = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    similarity = np.round(units @ units.T, 12)
    np.fill_diagonal(similarity, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(vectors)), similarity.shape), -similarity), axis=1)[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def factor_matrix(run):
    factors = run.frame("select * exclude (run_id) from student_factors order by student_id")
    columns = sorted((c for c in factors.columns if c.startswith("factor_")), key=lambda c: int(c.split("_")[1]))
    return factors.student_id.to_numpy(), factors[columns].to_numpy()


@pytest.mark.parametrize("build", ["builtin_build", "real_build"])
def test_every_student_has_k_neighbours_never_itself_in_similarity_order(build, request):
    like_me = request.getfixturevalue(build).frame("select * from students_like_me order by student_id, neighbour_rank")
    counts = like_me.groupby("student_id").size()
    assert len(counts) == request.getfixturevalue(build).scalar("select count(*) from int_student_records")
    assert (counts == K).all()
    assert (like_me.student_id != like_me.neighbour_id).all()
    assert (like_me.groupby("student_id").similarity.diff().dropna() <= 0).all()


def test_neighbours_agree_with_brute_force_cosine_on_the_reference_file(real_build):
    ids, vectors = factor_matrix(real_build)
    expected_rows, expected_similarity = brute_force_neighbours(vectors, K)
    like_me = real_build.frame("select student_id, neighbour_rank, neighbour_id, similarity from students_like_me")
    like_me = like_me.sort_values(["student_id", "neighbour_rank"])
    position = {student: row for row, student in enumerate(ids)}
    found_rows = like_me.neighbour_id.map(position).to_numpy().reshape(len(ids), K)
    found_similarity = like_me.similarity.to_numpy().reshape(len(ids), K)
    assert np.allclose(found_similarity, expected_similarity, atol=1e-12)
    assert (found_rows == expected_rows).mean() == 1.0


def test_neighbour_personas_and_peer_profiles_are_consistent(builtin_build):
    like_me = builtin_build.frame("select * from students_like_me")
    personas = builtin_build.frame("select student_id, persona_id from persona_assignments").set_index("student_id").persona_id
    assert (like_me.neighbour_persona_id.to_numpy() == personas.loc[like_me.neighbour_id].to_numpy()).all()
    peers = builtin_build.frame("select * from peer_profiles where source_column = 'GPA'").set_index("student_id")
    gpa = builtin_build.frame("select student_id, GPA from int_student_records").set_index("student_id").GPA
    expected = like_me.assign(gpa=gpa.loc[like_me.neighbour_id].to_numpy()).groupby("student_id").gpa.mean()
    assert np.allclose(peers.loc[expected.index, "peer_mean"], expected, atol=1e-9)
    assert np.allclose(peers.own_value, gpa.loc[peers.index]) and np.isclose(peers.cohort_mean.iloc[0], gpa.mean())
    same = like_me.assign(own=personas.loc[like_me.student_id].to_numpy()).eval("own == neighbour_persona_id")
    share = same.groupby(like_me.student_id).mean()
    assert np.allclose(peers.loc[share.index, "share_of_peers_in_own_persona"], share)
    assert set(builtin_build.frame("select distinct source_column from peer_profiles").source_column) == {
        "GPA", "Credits_Completed", "Attendance_Rate", "Study_Hours_per_Week", "Online_Learning_Hours",
        "Number_of_Late_Submissions", "Library_Usage_Hours"}


def test_sql_macros_find_the_same_neighbours(builtin_build):
    assert builtin_build.query("select typeof(factor_vector) from student_factor_vectors limit 1")[0][0].startswith("FLOAT[")
    for student in ["17", "250", "777"]:
        table = builtin_build.frame(
            f"select neighbour_id, similarity from students_like_me where student_id = '{student}' order by neighbour_rank")
        macro = builtin_build.frame(f"select student_id, similarity from students_like('{student}', {K})")
        assert np.allclose(macro.similarity, table.similarity, atol=1e-5)  # single-precision vectors
        assert len(set(macro.student_id) & set(table.neighbour_id)) >= K - 1  # near-ties may swap at the edge
    vector = builtin_build.query("select factor_vector from student_factor_vectors where student_id = '17'")[0][0]
    nearest = builtin_build.query(f"select student_id, similarity from students_near_vector({list(vector)}, 1)")
    assert nearest[0][0] == "17" and nearest[0][1] == pytest.approx(1.0, abs=1e-6)
