{#- The new students with text normalised as for the fitted cohort. -#}
{{ normalized_input_rows(ref('stg_scoring_input')) }}
