{#- Quarantine for a scoring run: one row per rejected new student, with the original row and every reason. -#}
{{ quarantined_rows(ref('stg_scoring_checks'), ref('stg_scoring_input'), ref('stg_scoring_column_roles')) }}
