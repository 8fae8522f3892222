{#- The two centres (in the encoded feature space) of every persona that holds a sub-group, which its
    students are placed between: fitted in this build (int_persona_subgroup_fit) or, in a scoring run, the
    stored persona model's. Personas without a sub-group have no row. -#}

{%- if is_scoring_run() %}
{%- set registry = source('persona_registry', 'persona_model_subgroups') -%}
{%- set registry_exists = (adapter.get_relation(database=registry.database, schema=registry.schema,
    identifier=registry.identifier) is not none) if execute else true %}
{%- if execute -%}
  {%- set stored_rows = run_query("select count(*) from " ~ registry ~ " where model_version = "
      ~ sql_string(scoring_model_version())).columns[0].values()[0] if registry_exists else 0 -%}
  {%- if stored_rows == 0 -%}
    {{ log("student-personas scoring: model version " ~ scoring_model_version() ~ " was stored without its "
        ~ "sub-group check (fitted before sub-groups were recorded); no scored student is placed in a "
        ~ "sub-group. Refit to check its personas for sub-groups.", info=true) }}
  {%- endif -%}
{%- endif %}

{%- if registry_exists %}

with stored as (

    select * from {{ registry }}
    where model_version = {{ sql_string(scoring_model_version()) }}

)

{%- else %}

-- The warehouse's models were stored before the registry recorded sub-groups: no sub-groups to place in.
with stored as (

    select null::integer as persona_id, false as has_subgroup, null::double[] as major_centre,
        null::double[] as minor_centre
    where false

)

{%- endif %}

{%- else %}

with stored as (

    select * from {{ ref('int_persona_subgroup_fit') }}

)

{%- endif %}

select persona_id, major_centre, minor_centre
from stored
where has_subgroup
