"""Factor scores of every student record: the non-negative projection onto the loadings (fitted or stored)."""


def model(dbt, session):
    from student_personas import factors, warehouse

    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"))
    components = warehouse.loadings_matrix(dbt.ref("int_factor_loadings"))
    warehouse.progress(f"factor scores for {len(keys):,} students")
    return warehouse.record_table(keys, factors.factor_scores(x, components), "factor_")
