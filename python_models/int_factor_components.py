"""The final NMF on every reference student at the chosen rank: unit-norm factor loadings, largest first."""


def model(dbt, session):
    import numpy as np
    import pyarrow as pa

    from student_personas import factors, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    rank = warehouse.chosen_value(dbt.ref("int_factor_rank_selection"))
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    features = dbt.ref("int_feature_encoding").filter("is_used").order("feature_index").to_arrow_table()
    warehouse.progress(f"NMF rank {rank} on {len(keys):,} students x {x.shape[1]} features")
    components = factors.fit_nmf_components(x, rank, settings["random_seed"])
    factor_ids, feature_positions = np.indices(components.shape)
    return pa.table({
        "factor_id": pa.array(factor_ids.ravel() + 1, pa.int32()),
        "feature_index": pa.array(features.column("feature_index").to_numpy()[feature_positions.ravel()], pa.int32()),
        "feature": features.column("feature").take(pa.array(feature_positions.ravel())),
        "loading": pa.array(components.ravel(), pa.float64()),
    })
