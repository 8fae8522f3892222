{% macro publish_warehouse_if_successful() %}
  {#-
    on-run-end: publish the working warehouse atomically (see student_personas/publish.py), but only when
    nothing errored or failed, so readers keep the last good build.
  -#}
  {%- if execute and flags.WHICH in ['build', 'run', 'seed'] -%}
    {%- set problems = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
    {%- if problems | length == 0 -%}
      {%- do run_query('checkpoint') -%}
      {%- set published = run_query('select publish_warehouse()') -%}
      {{ log('student-personas: ' ~ published.columns[0].values()[0], info=true) }}
    {%- else -%}
      {{ log('student-personas: ' ~ problems | length ~ ' node(s) failed; the published warehouse is unchanged', info=true) }}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}

{% macro run_id() -%}
  {#- The id of the dbt invocation that built a table: every mart carries it, so a reader can check that
      what it reads came from one build. -#}
  '{{ invocation_id }}'::varchar
{%- endmacro %}
