{#- Persona model registry: each model version's personas, with the names advisors reviewed. -#}
{{ record_in_registry(ref('persona_summary'), ['persona_id', 'persona_name', 'n_students', 'is_stable']) }}
