{#- Persona model registry: each model version's personas, with the names advisors reviewed. -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

personas as (

    select * from {{ ref('persona_summary') }}

)

select version.model_version, personas.persona_id, personas.persona_name, personas.n_students, personas.share,
    personas.is_stable, {{ run_id() }} as run_id
from personas
cross join version
