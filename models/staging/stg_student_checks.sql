{#- One row per failed validation check (see macros/staging_steps.sql and macros/validation.sql). -#}
{{ validation_failures(ref('stg_students_text'), column_roles()) }}
