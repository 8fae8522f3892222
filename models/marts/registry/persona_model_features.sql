{#- Persona model registry: the encoding each model version was fitted with (to encode new students), with
    each feature's fitted mean and standard deviation (to report drift). -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

encoding as (

    select * from {{ ref('int_feature_encoding') }}
    where is_used

)

select
    version.model_version,
    encoding.* exclude (is_used, exclusion_reason),
    {{ run_id() }} as run_id
from encoding
cross join version
