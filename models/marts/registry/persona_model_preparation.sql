{#- Persona model registry: how each model version fills missing values and clips extremes (learned values). -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

preparation as (

    select * from {{ ref('int_feature_preparation') }}

)

select version.model_version, preparation.*, {{ run_id() }} as run_id
from preparation
cross join version
