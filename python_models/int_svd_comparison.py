"""TruncatedSVD at the chosen rank, each NMF factor matched one-to-one to its most similar component."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import factors, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    components = warehouse.loadings_matrix(dbt.ref("int_factor_components"))
    svd_loadings, explained = factors.svd_components(x, components.shape[0], settings["random_seed"])
    matched, similarity = factors.match_components(components, svd_loadings)
    return pa.table({
        "factor_id": pa.array(np.arange(1, components.shape[0] + 1), pa.int32()),
        "svd_component": pa.array(matched + 1, pa.int32()),
        "abs_cosine_similarity": pa.array(similarity),
        "svd_explained_variance_ratio": pa.array(explained[matched]),
    })
