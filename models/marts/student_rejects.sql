{#-
  Quarantine: one row per rejected input row, with the original row as read, the first failing column,
  and every reason. Input rows = stg_students + student_rejects, always (a data test holds this).
-#}
{{ quarantined_rows(ref('stg_student_checks'), ref('stg_students_input'), ref('stg_column_roles')) }}
