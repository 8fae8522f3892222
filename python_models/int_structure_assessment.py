"""The structure verdict of this build: the personas measured against shuffled reference data."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import structure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))

    def chosen_row(relation, metric):
        """The chosen value's row of the sweep's criterion (with its reference and edge)."""
        return relation.filter(f"is_chosen and metric = '{metric}'").to_arrow_table().to_pylist()[0]

    rank_row = chosen_row(dbt.ref("int_factor_rank_selection"), "heldout_mse")
    k_row = chosen_row(dbt.ref("int_persona_k_selection"), "silhouette")
    stability = dbt.ref("int_persona_stability").order("persona_id").to_arrow_table()
    methods = dbt.ref("int_clustering_comparison").filter("method <> 'kmeans'").to_arrow_table().to_pylist()
    encoding = dbt.ref("int_feature_encoding").filter("is_used").order("feature_index").to_arrow_table().to_pylist()
    keys, x = warehouse.feature_matrix(dbt.ref("int_student_feature_vectors"), fitted_only=True)
    assignments = dbt.ref("int_persona_assignments").filter("is_fitted").order("student_id, term").to_arrow_table()
    if not assignments.select(list(warehouse.KEY_COLUMNS)).equals(keys.select(list(warehouse.KEY_COLUMNS))):
        raise ValueError("int_structure_assessment: assignments and features do not list the same students")
    columns = [feature["source_column"] for feature in encoding]
    levels = {}
    for feature in encoding:
        levels[feature["source_column"]] = max(levels.get(feature["source_column"], 0), feature["n_levels"])
    evidence = structure.Evidence(
        k=int(k_row["parameter_value"]),
        rank=int(rank_row["parameter_value"]),
        silhouette=k_row["value"],
        silhouette_reference_mean=k_row["reference_mean"],
        silhouette_reference_sd=k_row["reference_sd"],
        heldout_mse=rank_row["value"],
        heldout_reference_mean=rank_row["reference_mean"],
        heldout_reference_sd=rank_row["reference_sd"],
        persona_jaccard=stability.column("bootstrap_jaccard_mean").to_numpy(),
        stability_bar=float(stability.column("stability_bar")[0].as_py()),
        column_separation=structure.column_separation(x, assignments.column("persona_id").to_numpy(), columns),
        column_levels=levels,
        method_ari={row["method"]: row["ari_with_personas"] for row in methods},
        rank_edge=rank_row["range_edge"],
        k_edge=k_row["range_edge"],
        # No held-out error: too few features for a factor model (factors.direct_note is the rule).
        factor_model_note=rank_row["rule"] if rank_row["value"] is None else None,
    )
    rules = structure.Rules(
        min_excess_sd=settings["structure_min_excess_sd"], moderate_excess=settings["structure_moderate_excess"],
        clear_excess=settings["structure_clear_excess"], discrete_max_levels=settings["discrete_max_levels"])
    result = structure.assess(evidence, rules)
    return pa.table({
        "verdict": [result.verdict],
        "sentence": [result.sentence],
        "evidence": pa.array([result.reasons], pa.list_(pa.string())),
        "n_personas": pa.array([evidence.k], pa.int32()),
        "n_factors": pa.array([evidence.rank], pa.int32()),
        "silhouette": [evidence.silhouette],
        "silhouette_reference_mean": [evidence.silhouette_reference_mean],
        "silhouette_reference_sd": [evidence.silhouette_reference_sd],
        "silhouette_excess_sd": [result.silhouette_excess_sd],
        "heldout_mse": pa.array([evidence.heldout_mse], pa.float64()),
        "heldout_reference_mean": pa.array([evidence.heldout_reference_mean], pa.float64()),
        "heldout_reference_sd": pa.array([evidence.heldout_reference_sd], pa.float64()),
        "heldout_excess_sd": pa.array([result.heldout_excess_sd], pa.float64(), from_pandas=True),
        "personas_above_reference": pa.array([result.personas_above_reference], pa.int32()),
        "stability_bar": [evidence.stability_bar],
        "methods_agreeing": pa.array([result.methods_agreeing], pa.int32()),
        "methods_compared": pa.array([len(evidence.method_ari)], pa.int32()),
        "dominant_column": [result.dominant_column],
        "dominant_column_levels": pa.array([result.dominant_column_levels], pa.int32()),
        "dominant_column_eta_squared": pa.array([result.dominant_column_eta_squared], pa.float64()),
        "is_discrete_dominated": [result.is_discrete_dominated],
        "rank_edge": pa.array([evidence.rank_edge], pa.string()),
        "k_edge": pa.array([evidence.k_edge], pa.string()),
        "reference_draws": pa.array([int(k_row["reference_draws"])], pa.int32()),
    })
