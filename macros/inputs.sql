{% macro prepare_inputs() %}
  {#-
    on-run-start: the preflight (student_personas/preflight.py). It checks every setting and declared column
    against the input files, and either stops the run before any model is built, listing every problem, or
    loads the inputs into the `inputs` schema (the dbt sources). Then the loaded rows are checked against an
    independent count of the file's records, so no row can vanish on the way in.
  -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set names = fromjson(run_query("select student_personas_setting_names()").columns[0].values()[0]) -%}
  {%- set config = {} -%}
  {%- for name in names -%}{%- do config.update({name: var(name, none)}) -%}{%- endfor -%}
  {%- set given = (invocation_args_dict.get('vars') or {}).keys() | list -%}
  {%- set request = {'config': config, 'given': given, 'stored_model': stored_persona_model() if is_scoring_run() else none} -%}
  {%- set result = fromjson(run_query(
      "select student_personas_preflight(" ~ sql_string(tojson(request)) ~ ")").columns[0].values()[0]) -%}
  {%- if result.problems -%}
    {{ exceptions.raise_compiler_error(result.message) }}
  {%- endif -%}
  {%- for notice in result.notices -%}
    {{ log("student-personas: " ~ notice, info=true) }}
  {%- endfor -%}
  {%- for statement in result.statements -%}
    {%- do run_query(statement) -%}
  {%- endfor -%}
  {%- set counts = run_query(
      "select (select count(*) from inputs.students), records_counted from inputs.input_files where input_name = 'students'").rows[0] -%}
  {%- if counts[0] != counts[1] -%}
    {{ exceptions.raise_compiler_error(
        "student-personas input: the file holds " ~ counts[1] ~ " data records (counted by an independent CSV reader) but "
        ~ counts[0] ~ " were loaded; nothing was built. Check the file's quoting and line endings.") }}
  {%- endif -%}
  {%- do run_query("select student_personas_remove_transcoded(" ~ sql_string(tojson(result.facts.transcoded)) ~ ")") -%}
  {{ log("student-personas: loaded " ~ counts[0] ~ " rows of the student file (" ~ result.facts.mode ~ " run)", info=true) }}
  select 1
{% endmacro %}


{% macro is_scoring_run() -%}
  {#- A scoring run (make score) scores a new file with a stored persona model instead of fitting one. -#}
  {{ return(var('score_students_path', none) is not none) }}
{%- endmacro %}


{% macro has_event_log() -%}
  {#- Whether this run reads an event log: events_path, or score_events_path in a scoring run. -#}
  {{ return(var('score_events_path' if is_scoring_run() else 'events_path', none) is not none) }}
{%- endmacro %}


{% macro input_fact(name, input_name='students') %}
  {#- A fact the preflight decided about an input file (the student file's decimal_separator,
      label_source_columns, ...; the event log's event_layout), at compile time; none at parse time and
      when the input is absent. -#}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set row = run_query("select json_extract(facts, " ~ sql_string('$.' ~ name) ~ ")::varchar from "
      ~ source('inputs', 'input_files') ~ " where input_name = " ~ sql_string(input_name)).rows -%}
  {{ return(fromjson(row[0][0]) if row and row[0][0] is not none else none) }}
{% endmacro %}


{% macro stored_persona_model() %}
  {#-
    The stored persona model a scoring run uses (var persona_model_version, default the latest), with the
    columns it was fitted on; none when the registry is empty or lacks the version (the preflight says so).
  -#}
  {%- set registry = adapter.get_relation(database=target.database, schema=target.schema, identifier='persona_models') -%}
  {%- if registry is none -%}{{ return(none) }}{%- endif -%}
  {%- set requested = var('persona_model_version', 'latest') -%}
  {%- set versions = run_query("select model_version from " ~ registry ~ " order by fitted_at desc, model_version").columns[0].values() | list -%}
  {%- if not versions -%}{{ return(none) }}{%- endif -%}
  {%- if requested != 'latest' and requested not in versions -%}
    {{ exceptions.raise_compiler_error(
        "student-personas scoring: persona_model_version '" ~ requested ~ "' is not in persona_models. Stored versions: "
        ~ versions | join(", ") ~ ".") }}
  {%- endif -%}
  {%- set version = versions[0] if requested == 'latest' else requested -%}
  {%- set columns = run_query(
      "select column_name, role, kind, origin from " ~ registry.schema ~ ".persona_model_columns where model_version = "
      ~ sql_string(version) ~ " order by column_position") -%}
  {%- set listed = [] -%}
  {%- for row in columns.rows -%}
    {%- do listed.append({'column_name': row[0], 'role': row[1], 'kind': row[2], 'origin': row[3]}) -%}
  {%- endfor -%}
  {{ return({'model_version': version, 'columns': listed}) }}
{% endmacro %}


{% macro scoring_model_version() %}
  {#- The stored model version a scoring run loads its state from. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {{ return(stored_persona_model().model_version) }}
{% endmacro %}
