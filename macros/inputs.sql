{% macro prepare_inputs() %}
  {#-
    on-run-start: the preflight (student_personas/preflight.py). It resolves the settings (the vars file,
    student_personas/configuration.py, under the vars given with --vars), checks every setting and declared
    column against the input files, and either stops the run before any model is built, listing every
    problem, or returns the statements that load the settings and the inputs into the `inputs` schema (the
    dbt sources). The hook runs them, then checks the loaded rows against an independent count of the
    file's records, so no row can vanish on the way in.
    Compile-time query (one of the few): the preflight runs as a SQL function of the project's plugin,
    and its answer (problems, or the statements to run) decides what the hook does.
  -#}
  {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
  {%- set request = {'given': invocation_args_dict.get('vars') or {},
                     'project_dir': invocation_args_dict.get('project_dir'),
                     'stored_model': stored_persona_model() if is_scoring_run() else none} -%}
  {%- set result = fromjson(run_query(
      "select student_personas_preflight(" ~ sql_string(tojson(request)) ~ ")").columns[0].values()[0]) -%}
  {%- if result.problems -%}
    {{ exceptions.raise_compiler_error(result.message) }}
  {%- endif -%}
  {%- for notice in result.notices -%}
    {{ log("student-personas: " ~ notice, info=true) }}
  {%- endfor -%}
  {{ log("student-personas: loading " ~ result.facts.records_counted ~ " rows of the student file ("
      ~ result.facts.mode ~ " run)", info=true) }}
  {%- for statement in result.statements %}
  {{ statement }};
  {%- endfor %}
  select error('student-personas input: the file holds ' || records_counted || ' data records (counted by an '
      || 'independent CSV reader) but ' || (select count(*) from inputs.students) || ' were loaded; nothing was '
      || 'built. Check the file''s quoting and line endings.')
  from inputs.input_files
  where input_name = 'students' and records_counted <> (select count(*) from inputs.students);
  select student_personas_remove_transcoded({{ sql_string(tojson(result.facts.transcoded)) }})
{% endmacro %}


{% macro built(relation) %}
  {#- Whether `relation` exists in the warehouse. Every compile-time query asks first, so `dbt compile` and
      `dbt docs generate` work on a database no build has filled (a fresh clone). -#}
  {{ return(execute and load_relation(relation) is not none) }}
{% endmacro %}


{% macro configured(name) %}
  {#-
    A setting's value for this run, as the preflight resolved it (the vars file under --vars, over the
    project default) and wrote it to inputs.settings. Compile-time query (one of the few): dbt cannot read
    the user's vars file itself, and the user's SQL expressions (derived features, a label expression) and
    the per-column checks must become SQL text. At parse time, in a unit test (whose overrides are vars),
    and on a database no build has prepared (dbt compile or docs generate on a fresh clone): the var,
    that is the project default or --vars.
  -#}
  {%- if execute and model.resource_type != 'unit_test'
        and adapter.get_relation(database=target.database, schema='inputs', identifier='settings') is not none -%}
    {%- set rows = run_query("select setting_value::varchar from inputs.settings where setting_name = "
        ~ sql_string(name)).rows -%}
    {%- if rows -%}{{ return(fromjson(rows[0][0])) }}{%- endif -%}
  {%- endif -%}
  {{ return(var(name, none)) }}
{% endmacro %}


{% macro is_scoring_run() -%}
  {#- A scoring run (make score) scores a new file with a stored persona model instead of fitting one. -#}
  {{ return(var('score_students_path', none) is not none) }}
{%- endmacro %}


{% macro has_event_log() -%}
  {#- Whether this run reads an event log: events_path, or score_events_path in a scoring run. -#}
  {{ return(configured('score_events_path' if is_scoring_run() else 'events_path') is not none) }}
{%- endmacro %}


{% macro input_fact(name, input_name='students') %}
  {#- A fact the preflight decided about an input file (the student file's decimal_separator,
      label_source_columns, ...; the event log's event_layout), at compile time; none at parse time and
      when the input is absent. -#}
  {%- if not built(source('inputs', 'input_files')) -%}{{ return(none) }}{%- endif -%}
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
