{% macro generate_schema_name(custom_schema_name, node) -%}
  {#-
    Fitting and scoring run the same staging and intermediate models. A scoring run (make score) builds
    them into their own schema (main_scoring), so the fitted cohort's tables stay as they are; the marts
    a scoring run appends to (persona_history, scored_students, ...) and the registry stay in main.
  -#}
  {%- set shared_path = node.resource_type in ['model', 'test'] and (node.name.startswith('stg_') or node.name.startswith('int_')) -%}
  {%- if is_scoring_run() and shared_path -%}
    {{ target.schema }}_scoring
  {%- elif custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ target.schema }}_{{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
