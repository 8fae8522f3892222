{% macro output_folders() -%}
  {#- The folders this build writes its exports and report pages to (settings exports_dir and reports_dir,
      which the preflight resolved: beside the published warehouse when not set), as a JSON list. -#}
  {{ return(tojson([configured('exports_dir'), configured('reports_dir')])) }}
{%- endmacro %}

{% macro run_is_whole() %}
  {#-
    A run is published only when it is whole: it selected every model, seed, snapshot and data test of the
    project (a plain `dbt build`), or it is a scoring run (var score_students_path), which adds its own
    tables beside the fitted cohort's. A run with --select / --exclude would publish tables of two runs
    side by side, so it publishes nothing. `dbt run` (no tests) and `dbt seed` publish nothing either.
  -#}
  {%- if is_scoring_run() -%}{{ return(true) }}{%- endif -%}
  {%- if flags.WHICH != 'build' -%}{{ return(false) }}{%- endif -%}
  {%- set selected = selected_resources | list -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type in ['model', 'seed', 'snapshot', 'test'] and node.unique_id not in selected -%}
      {{ return(false) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(true) }}
{% endmacro %}

{% macro timing_summary() %}
  {#- One line: the run's elapsed time and its five slowest nodes, from the on-run-end results. -#}
  {%- set timed = results | selectattr('execution_time') | sort(attribute='execution_time', reverse=true) | list -%}
  {%- set elapsed = (modules.datetime.datetime.now(modules.pytz.utc) - run_started_at).total_seconds() -%}
  {%- set slowest = [] -%}
  {%- for result in timed[:5] -%}
    {%- do slowest.append(result.node.name ~ ' ' ~ '%.1f' % result.execution_time ~ ' s') -%}
  {%- endfor -%}
  {{ return('student-personas timing: ' ~ '%.1f' % elapsed ~ ' s in all (' ~ results | length ~ ' nodes); slowest: '
      ~ (slowest | join(', ') or 'none')) }}
{% endmacro %}

{% macro publish_warehouse_if_successful() %}
  {#-
    on-run-end: approve publishing the working warehouse, exports and pages (student_personas/publish.py)
    when nothing errored or failed and the run is whole (run_is_whole); the plugin publishes once dbt has
    closed the working file. Otherwise the staged exports and pages are dropped and readers keep the last
    good build. Ends with the timing summary.
  -#}
  {%- if execute and flags.WHICH in ['build', 'run', 'seed'] -%}
    {%- set folders = sql_string(output_folders()) -%}
    {%- set problems = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
    {%- if problems | length > 0 -%}
      {%- do run_query("select student_personas_abandon(" ~ folders ~ ")") -%}
      {{ log('student-personas: ' ~ problems | length ~ ' node(s) failed; nothing is published (the published warehouse, exports and pages are unchanged; this run\'s tables stay in ' ~ target.path ~ ' until the next run)', info=true) }}
    {%- elif not run_is_whole() -%}
      {%- do run_query("select student_personas_abandon(" ~ folders ~ ")") -%}
      {{ log('student-personas: this run did not build every node (--select / --exclude, or not `dbt build`), so nothing is published: the published warehouse would mix two runs. Run a full `dbt build` to publish.', info=true) }}
    {%- else -%}
      {%- do run_query('checkpoint') -%}
      {%- set approved = run_query("select student_personas_approve(" ~ folders ~ ")") -%}
      {{ log('student-personas: ' ~ approved.columns[0].values()[0], info=true) }}
    {%- endif -%}
    {{ log(timing_summary(), info=true) }}
  {%- endif -%}
{% endmacro %}

{% macro run_id() -%}
  {#- The id of the dbt invocation that built a table: every mart carries it, so a reader can check that
      what it reads came from one build. -#}
  '{{ invocation_id }}'::varchar
{%- endmacro %}
