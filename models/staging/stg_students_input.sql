{#- Every input row exactly as read (as text), numbered in file order. The schema checks run here. -#}
{{ numbered_input_rows(students_input(), students_input_columns()) }}
