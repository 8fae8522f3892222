{#-
  Where student records come from, and the schema checks that fail a build early with a message that
  names the offending column.
-#}

{% macro file_input(path, extra_options='') -%}
  {#- A student file: CSV with sniffed dialect (every column as text), or Parquet. `extra_options` adds
      read_csv options (diagnostics only). -#}
  {%- if (path | lower).endswith('.parquet') -%}
    read_parquet({{ sql_string(path) }})
  {%- else -%}
    read_csv({{ sql_string(path) }}, all_varchar = true, header = true, auto_detect = true{{ extra_options }},
        encoding = {{ sql_string(var('csv_encoding', 'utf-8')) }})
  {%- endif -%}
{%- endmacro %}


{% macro students_input(extra_options='') -%}
  {#- The user's file when var students_path is set, else the built-in seed. -#}
  {%- set path = var('students_path', none) -%}
  {%- if path -%}
    {{ file_input(path, extra_options) }}
  {%- else -%}
    {{ ref('raw_students') }}
  {%- endif -%}
{%- endmacro %}


{% macro students_input_label() -%}
  {%- set path = var('students_path', none) -%}
  {{- "students_path '" ~ path ~ "'" if path else "the built-in seed raw_students" -}}
{%- endmacro %}


{% macro declared_roles() %}
  {#-
    Column -> role from the vars, in precedence order id > label > protected > excluded > feature.
    A column declared with two different roles is a configuration error.
  -#}
  {%- set declarations = [('id_column', 'id', [var('id_column')])] -%}
  {%- if var('label_column', none) -%}
    {%- do declarations.append(('label_column', 'label', [var('label_column')])) -%}
  {%- endif -%}
  {%- do declarations.append(('protected_columns', 'protected', var('protected_columns', []) or [])) -%}
  {%- do declarations.append(('excluded_columns', 'excluded', var('excluded_columns', []) or [])) -%}
  {%- do declarations.append(('categorical_columns', 'feature', (var('categorical_columns', {}) or {}).keys() | list)) -%}
  {%- do declarations.append(('feature_columns', 'feature', var('feature_columns', none) or [])) -%}
  {%- set roles = {} -%}
  {%- for var_name, role, columns in declarations -%}
    {%- for column in columns -%}
      {%- if column in roles and roles[column].role != role -%}
        {{ exceptions.raise_compiler_error(
            "student-personas configuration: column '" ~ column ~ "' is declared in both "
            ~ roles[column].var_name ~ " (" ~ roles[column].role ~ ") and " ~ var_name ~ " (" ~ role ~ ")."
            ~ " A column has exactly one role.") }}
      {%- endif -%}
      {%- if column not in roles -%}
        {%- do roles.update({column: {'role': role, 'var_name': var_name}}) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(roles) }}
{% endmacro %}


{% macro students_input_columns() %}
  {#-
    The input's column names, in file order, after checking that the input is usable:
    it has a header and at least one data row, and every column named in the configuration exists.
    Returns [] at parse time, when nothing may be queried.
  -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set source_label = students_input_label() -%}
  {%- set columns = readable_input_columns(students_input(), source_label) -%}
  {%- for reserved in ['source_row_number', 'student_id'] -%}
    {%- if reserved in columns and var('id_column') != reserved -%}
      {{ exceptions.raise_compiler_error("student-personas input: column '" ~ reserved ~ "' in " ~ source_label
          ~ " clashes with a column the warehouse adds; rename it or declare it as id_column.") }}
    {%- endif -%}
  {%- endfor -%}
  {%- set checked = [('id_column', [var('id_column')])] -%}
  {%- if var('label_column', none) -%}{%- do checked.append(('label_column', [var('label_column')])) -%}{%- endif -%}
  {%- for var_name in ['protected_columns', 'excluded_columns', 'feature_columns'] -%}
    {%- do checked.append((var_name, var(var_name, none) or [])) -%}
  {%- endfor -%}
  {%- do checked.append(('categorical_columns', (var('categorical_columns', {}) or {}).keys() | list)) -%}
  {%- do checked.append(('range_rules', (var('range_rules', {}) or {}).keys() | list)) -%}
  {%- for var_name, declared in checked -%}
    {%- for column in declared -%}
      {%- do require_input_column(column, var_name, columns, source_label, var('students_path', none)) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- do declared_roles() -%}
  {{ return(columns) }}
{% endmacro %}


{% macro readable_input_columns(source_sql, source_label) %}
  {#- The column names of an input, after checking it has a header and at least one data row. -#}
  {%- set described = run_query("describe select * from " ~ source_sql) -%}
  {%- set columns = described.columns[0].values() | list -%}
  {%- set first_row = run_query("select count(*) from (select 1 from " ~ source_sql ~ " limit 1)") -%}
  {%- if first_row.columns[0].values()[0] == 0 -%}
    {%- if columns == ['column0'] -%}
      {{ exceptions.raise_compiler_error("student-personas input: " ~ source_label ~ " is empty (no header and no rows).") }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("student-personas input: " ~ source_label ~ " has a header ("
        ~ columns | join(", ") ~ ") but no data rows.") }}
  {%- endif -%}
  {{ return(columns) }}
{% endmacro %}


{% macro require_input_column(column, declared_in, columns, source_label, path) %}
  {#- Fail naming `column` (and listing the columns found) when the input lacks it. -#}
  {%- if column not in columns -%}
    {%- do explain_malformed_rows(columns, source_label, path) -%}
    {%- set near = [] -%}
    {%- for found in columns -%}
      {%- if (found | lower) == (column | lower) -%}{%- do near.append(found) -%}{%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "student-personas input: column '" ~ column ~ "' (declared in " ~ declared_in ~ ") is not in "
        ~ source_label ~ "." ~ (" Did you mean '" ~ near[0] ~ "'?" if near else "")
        ~ " Columns found: " ~ columns | join(", ") ~ ".") }}
  {%- endif -%}
{% endmacro %}


{% macro explain_malformed_rows(columns, source_label, path) %}
  {#-
    DuckDB's CSV sniffer falls back to reading a single column when some row has a different number of
    fields than the header. When that is what happened, fail with the offending lines instead of a
    confusing "column not found" (the build stops rather than drop a row).
  -#}
  {%- if path and columns | length == 1
        and (',' in columns[0] or ';' in columns[0] or '\t' in columns[0] or '|' in columns[0]) -%}
    {%- do run_query("select count(*) from " ~ file_input(path, extra_options=', store_rejects = true')) -%}
    {%- set rejected = run_query(
        "select line, error_message, csv_line from reject_errors order by line limit 5") -%}
    {%- if rejected.rows | length > 0 -%}
      {%- set lines = [] -%}
      {%- for row in rejected.rows -%}
        {%- do lines.append("line " ~ row[0] ~ ": " ~ row[1] ~ " (" ~ (row[2] | string)[:80] ~ ")") -%}
      {%- endfor -%}
      {{ exceptions.raise_compiler_error(
          "student-personas input: " ~ source_label ~ " has rows whose number of fields differs from the header, "
          ~ "so its columns cannot be read. Fix the quoting or these rows (the build stops rather than drop them): "
          ~ lines | join("; ")) }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}
