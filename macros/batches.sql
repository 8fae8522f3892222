{#-
  Batches. A fitting build's records form the batch 'fit'; each scoring run (make score) is its own batch,
  'score-' + a fingerprint of the scored file's rows, the stored model version and the term label, so
  scoring the same file with the same model again replaces its rows, and anything else is added beside
  them. Tables that keep every batch (student_rejects, persona_history, scored_students, scoring_batches)
  replace only the current batch's rows.
-#}

{% macro batch_id() %}
  {%- if not execute or not is_scoring_run() -%}{{ return('fit') }}{%- endif -%}
  {%- set fingerprint = run_query("select bit_xor(hash(students)) from " ~ source('inputs', 'students') ~ " as students").columns[0].values()[0] -%}
  {{ return('score-' ~ local_md5(scoring_model_version() ~ '|' ~ fingerprint ~ '|' ~ default_term_label())[:12]) }}
{% endmacro %}


{% macro replace_current_batch(by_model_version=false) %}
  {#- pre-hook of a table that keeps every batch: remove the rows of the batch this run writes (and, for
      persona_history, of this run's model version only, so each fitted version keeps its own rows). -#}
  {%- if execute -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is not none -%}
      delete from {{ this }} where batch_id = {{ sql_string(batch_id()) }}
      {%- if by_model_version %} and model_version = {{ sql_string(current_model_version()) }}{% endif %}
    {%- endif -%}
  {%- endif -%}
{% endmacro %}


{% macro current_model_version() %}
  {#- The persona model version this run's assignments come from: the one fitted in this build, or the
      stored one a scoring run loads. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- if is_scoring_run() -%}{{ return(scoring_model_version()) }}{%- endif -%}
  {%- if not built(ref('int_persona_model_version')) -%}{{ return('') }}{%- endif -%}
  {{ return(run_query("select model_version from " ~ ref('int_persona_model_version')).columns[0].values()[0]) }}
{% endmacro %}
