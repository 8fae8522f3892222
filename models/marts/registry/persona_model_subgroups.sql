{#- Persona model registry: each model version's sub-group check per persona, with the two centres (in the
    encoded feature space) of a persona that holds a sub-group, so a scoring run places new students in the
    same sub-groups. -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

checks as (

    select * from {{ ref('int_persona_subgroup_fit') }}

)

select
    version.model_version,
    checks.persona_id,
    checks.has_subgroup,
    checks.split_gap,
    checks.major_centre,
    checks.minor_centre,
    {{ run_id() }} as run_id
from checks
cross join version
