{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns', tags=['scoring'],
          pre_hook="{{ replace_current_batch(by_model_version=true) }}") }}
{#-
  Every persona assignment ever made, kept across builds: each fitting build's records (batch 'fit', one
  set per model version, all terms) and each scoring run's (batch 'score-...'). Nothing is overwritten: a
  new batch or model version adds rows; only rerunning the same batch with the same model replaces its own.
  New columns are appended to a table an earlier version built (its earlier rows null); the contract
  still fixes every column's name and type.
-#}
{% if not is_scoring_run() %}
-- depends_on: {{ ref('int_persona_model_version') }}
{% endif %}
{%- set version = current_model_version() -%}

with assignments as (

    select * from {{ ref('int_persona_assignments') }}

),

names as (

    {%- if is_scoring_run() %}
    select persona_id, persona_name from {{ source('persona_registry', 'persona_model_personas') }}
    where model_version = {{ sql_string(version) }}
    {%- else %}
    select persona_id, persona_name from {{ ref('int_persona_names') }}
    {%- endif %}

),

subgroups as (

    select student_id, term, subgroup_id from {{ ref('int_student_subgroups') }}

),

history as (

    select
        {{ sql_string(batch_id()) }} as batch_id,
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        names.persona_name,
        subgroups.subgroup_id,
        assignments.distance_to_centroid,
        assignments.margin_to_next,
        assignments.is_reference as is_fitted_record,
        {{ sql_string(version) }} as model_version,
        current_timestamp::timestamp as recorded_at
    from assignments
    inner join names using (persona_id)
    left join subgroups using (student_id, term)

)

select *, {{ run_id() }} as run_id from history
