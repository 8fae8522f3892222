"""Factor scores of every student: the non-negative projection onto the fitted loadings."""


def model(dbt, session):
    from student_personas import factors, warehouse

    ids, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"))
    components = warehouse.loadings_matrix(dbt.ref("int_factor_components"))
    warehouse.progress(f"factor scores for {len(ids):,} students")
    return warehouse.wide_table("student_id", ids, factors.factor_scores(x, components), "factor_")
