{#- Persona model registry: the factor loadings of each model version (to score new students). -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

loadings as (

    select * from {{ ref('int_factor_components') }}

)

select version.model_version, loadings.factor_id, loadings.feature_index, loadings.feature, loadings.loading,
    {{ run_id() }} as run_id
from loadings
cross join version
