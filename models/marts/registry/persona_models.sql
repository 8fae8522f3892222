{#- Persona model registry: one row per fitted model version (kept across builds). -#}

with version as (

    select * from {{ ref('int_persona_model_version') }}

)

select *, {{ run_id() }} as run_id from version
