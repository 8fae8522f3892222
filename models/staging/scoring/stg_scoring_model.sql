{#- The stored persona model new students are scored with (var persona_model_version, default the latest). -#}

with registry as (

    select * from {{ ref('persona_models') }}

)

select * from registry
where model_version = {{ sql_string(scoring_model_version()) }}
