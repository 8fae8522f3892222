{#- Persona model registry: the column roles and range rules each model version was fitted with. -#}
{{ record_in_registry(ref('stg_column_roles'),
    ['column_name', 'column_position', 'role', 'kind', 'range_min', 'range_max']) }}
