{#- The new students that passed every check, typed like stg_students. -#}
{{ typed_clean_rows(ref('stg_scoring_text'), ref('stg_scoring_checks'),
    column_roles(ref('stg_scoring_column_roles'), 'model_levels', 'model')) }}
