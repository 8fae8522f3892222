{#- The new students to score, exactly as read (as text), numbered in file order. -#}
{{ numbered_input_rows(scoring_input(), scoring_input_columns()) }}
