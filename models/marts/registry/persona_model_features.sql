{#- Persona model registry: the encoding each model version was fitted with (to encode new students). -#}
{{ record_in_registry(ref('feature_encoding'),
    ['feature_index', 'feature', 'feature_kind', 'source_column', 'level', 'level_order', 'min_value', 'max_value',
     'weight'],
    'is_used') }}
