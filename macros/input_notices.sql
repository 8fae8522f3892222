{% macro fail_if_no_clean_rows() %}
  {#- post-hook on stg_students: when validation rejected every row, stop with the commonest reasons. -#}
  {%- if execute -%}
    {%- set clean = run_query("select count(*) from " ~ this).columns[0].values()[0] -%}
    {%- if clean == 0 -%}
      {%- set reasons = run_query(
          "select column_name, check_name, count(*) as n, any_value(reason) from " ~ ref('stg_student_checks')
          ~ " group by all order by n desc, column_name limit 3") -%}
      {%- set lines = [] -%}
      {%- for row in reasons.rows -%}
        {%- do lines.append(row[0] ~ " " ~ row[1] ~ " on " ~ row[2] ~ " rows, e.g. " ~ row[3]) -%}
      {%- endfor -%}
      {{ exceptions.raise_compiler_error(
          "student-personas input: no row passed validation (all are in student_rejects). Commonest reasons: "
          ~ lines | join("; ")) }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}


{% macro log_inferred_columns() %}
  {#- post-hook on stg_column_roles: name every undeclared column and what the warehouse made of it. -#}
  {%- if execute -%}
    {%- set inferred = run_query(
        "select column_name, role_note from " ~ this ~ " where not is_declared order by column_position") -%}
    {%- for row in inferred.rows -%}
      {{ log("student-personas: column '" ~ row[0] ~ "' is not declared: " ~ row[1], info=true) }}
    {%- endfor -%}
  {%- endif -%}
{% endmacro %}
