{#- The persona centres in factor space every student record is assigned to: fitted in this build
    (int_persona_centroid_fit) or, in a scoring run, the stored persona model's. Columns factor_1 ... factor_r. -#}

{%- if is_scoring_run() %}
{%- set registry = source('persona_registry', 'persona_model_centroids') -%}
{%- set version = scoring_model_version() -%}
{%- set factor_ids = run_query("select distinct factor_id from " ~ registry ~ " where model_version = "
    ~ sql_string(version) ~ " order by 1").columns[0].values() if execute else [] -%}

with stored as (

    select * from {{ registry }}
    where model_version = {{ sql_string(version) }}

),

wide as (

    select
        persona_id,
        {%- for factor_id in factor_ids %}
        max(centroid_value) filter (where factor_id = {{ factor_id }}) as factor_{{ factor_id }}{{ "," if not loop.last }}
        {%- endfor %}
    from stored
    group by persona_id

)

select * from wide

{%- else %}

with fitted as (

    select * from {{ ref('int_persona_centroid_fit') }}

)

select * from fitted

{%- endif %}
