{#- The factor loadings every student record is projected onto: fitted in this build (int_factor_components)
    or, in a scoring run, the stored persona model's. -#}

{%- if is_scoring_run() %}

with stored as (

    select * from {{ source('persona_registry', 'persona_model_loadings') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

)

select factor_id, feature_index, feature, loading from stored

{%- else %}

with fitted as (

    select * from {{ ref('int_factor_components') }}

)

select factor_id, feature_index, feature, loading from fitted

{%- endif %}
