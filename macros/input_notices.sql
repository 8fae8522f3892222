{% macro check_reject_budget() %}
  {#-
    post-hook on stg_students: a build never "succeeds" after silently dropping rows. Above
    max_reject_share rejected rows (or with fewer valid students than the pipeline needs) the build stops
    with the commonest reasons; any rejected rows below the budget give a warning line with the counts.
  -#}
  {%- if execute -%}
    {%- set counts = run_query("select count(*), count(*) filter (where not passed_validation) from " ~ this).rows[0] -%}
    {%- set total, rejected = counts[0], counts[1] -%}
    {%- if rejected > 0 -%}
      {%- set reasons = run_query(
          "select failure.column_name, failure.check_name, count(*) as n, min(failure.reason) from (select unnest(validation_failures) as failure from "
          ~ this ~ ") group by all order by n desc, 1, 2 limit 5") -%}
      {%- set lines = [] -%}
      {%- for row in reasons.rows -%}
        {%- do lines.append(row[0] ~ " " ~ row[1] ~ " on " ~ row[2] ~ " rows, e.g. " ~ row[3]) -%}
      {%- endfor -%}
      {%- set share = rejected / total -%}
      {%- set budget = configured('max_reject_share') | float -%}
      {%- if rejected == total or share > budget -%}
        {{ exceptions.raise_compiler_error(
            "student-personas input: " ~ rejected ~ " of " ~ total ~ " rows (" ~ '%.1f' % (100 * share) ~ "%) failed validation, "
            ~ ("every row" if rejected == total else "above max_reject_share " ~ '%.1f' % (100 * budget) ~ "%")
            ~ "; nothing downstream was built. Commonest reasons: " ~ lines | join("; ")
            ~ ". The rows are in stg_students (passed_validation = false) with every reason.") }}
      {%- endif -%}
      {{ log("student-personas: WARNING " ~ rejected ~ " of " ~ total ~ " rows (" ~ '%.1f' % (100 * share)
          ~ "%) are rejected and quarantined in student_rejects: " ~ lines | join("; "), info=true) }}
    {%- endif -%}
    {%- set minimum = input_fact('minimum_students') -%}
    {%- if not is_scoring_run() and minimum and total - rejected < minimum -%}
      {{ exceptions.raise_compiler_error(
          "student-personas input: the pipeline needs at least " ~ minimum ~ " valid students (each is compared with "
          ~ (minimum - 1) ~ " others; lower context_neighbours_k and students_like_me_k for a smaller cohort), but only "
          ~ (total - rejected) ~ " of " ~ total ~ " rows are valid.") }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}


{% macro log_inferred_columns() %}
  {#- post-hook on stg_column_roles: name every undeclared column and what the warehouse made of it. -#}
  {%- if execute -%}
    {%- set inferred = run_query(
        "select column_name, role_note from " ~ this ~ " where not is_declared and origin = 'input' order by column_position") -%}
    {%- for row in inferred.rows -%}
      {{ log("student-personas: column '" ~ row[0] ~ "': " ~ row[1], info=true) }}
    {%- endfor -%}
  {%- endif -%}
{% endmacro %}


{% macro stop_without_usable_features() %}
  {#- post-hook on int_feature_encoding: a cohort whose columns all fail encoding (constant, one level, too
      many levels) stops here with the reasons, in plain SQL (DuckDB's error()), before a Python model
      would fail on an empty matrix. -#}
  select error('student-personas: no usable feature is left to fit the personas on; every feature column was '
      || 'excluded: ' || coalesce(string_agg(distinct source_column || ' (' || exclusion_reason || ')', '; '), 'none')
      || '. See feature_encoding and data_quality_summary.')
  from {{ this }}
  having count(*) filter (where is_used) = 0
{% endmacro %}
