{#- Input rows with text normalised once (quotes, whitespace, missing tokens), for checks and typing. -#}
{{ normalized_input_rows(ref('stg_students_input')) }}
