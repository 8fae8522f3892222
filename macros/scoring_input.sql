{% macro scoring_input() -%}
  {#- The new students to score with a stored persona model (var score_students_path). -#}
  {{ file_input(var('score_students_path')) }}
{%- endmacro %}


{% macro scoring_model_version() %}
  {#-
    The stored persona model version to score with: var persona_model_version, or the latest fitted one
    ('latest', the default). Fails with the stored versions listed when the requested one does not exist.
  -#}
  {%- set registry = ref('persona_models') -%}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set stored = run_query("select model_version from " ~ registry ~ " order by fitted_at desc").columns[0].values() | list -%}
  {%- set requested = var('persona_model_version', 'latest') -%}
  {%- if not stored -%}
    {{ exceptions.raise_compiler_error(
        "student-personas scoring: no stored persona model yet. Build the warehouse first (make run), review it, then score.") }}
  {%- endif -%}
  {%- if requested == 'latest' -%}{{ return(stored[0]) }}{%- endif -%}
  {%- if requested not in stored -%}
    {{ exceptions.raise_compiler_error(
        "student-personas scoring: persona_model_version '" ~ requested ~ "' is not in persona_models. Stored versions: "
        ~ stored | join(", ") ~ ".") }}
  {%- endif -%}
  {{ return(requested) }}
{% endmacro %}


{% macro scoring_input_columns() %}
  {#- The columns of the file to score, after checking it has the id and every feature column the stored
      model was fitted on (a missing one fails the build, named). -#}
  {%- set registry_columns = ref('persona_model_columns') -%}
  {%- set version = scoring_model_version() -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set path = var('score_students_path') -%}
  {%- set source_label = "score_students_path '" ~ path ~ "'" -%}
  {%- set columns = readable_input_columns(scoring_input(), source_label) -%}
  {%- set required = run_query(
      "select column_name from " ~ registry_columns ~ " where model_version = " ~ sql_string(version)
      ~ " and role in ('id', 'feature') order by column_position").columns[0].values() -%}
  {%- for column in required -%}
    {%- do require_input_column(column, "persona model " ~ version, columns, source_label, path) -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}
