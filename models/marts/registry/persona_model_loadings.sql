{#- Persona model registry: the factor loadings of each model version (to score new students). -#}
{{ record_in_registry(ref('int_factor_components'), ['factor_id', 'feature_index', 'feature', 'loading']) }}
