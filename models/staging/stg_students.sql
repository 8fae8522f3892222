{{ config(post_hook="{{ fail_if_no_clean_rows() }}") }}
{#- Clean, typed students: every input row that passed all checks. Other columns keep their input names. -#}
{{ typed_clean_rows(ref('stg_students_text'), ref('stg_student_checks'), column_roles()) }}
