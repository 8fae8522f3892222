{#- One row per failed check on the new students: the fitted cohort's checks, with the stored model's
    column roles, ranges and levels (a level the model was not fitted on is rejected as unknown_level). -#}
{{ validation_failures(ref('stg_scoring_text'), column_roles(ref('stg_scoring_column_roles'), 'model_levels', 'model')) }}
