{#- The stored model's encoding (min, max, levels, weights), shaped like feature_encoding: new students are
    encoded exactly as the fitted cohort was, with values outside the fitted range clipped to [0, 1]. -#}

with model as (

    select model_version from {{ ref('stg_scoring_model') }}

),

stored as (

    select * from {{ ref('persona_model_features') }}
    semi join model using (model_version)

)

select
    feature_index,
    feature,
    feature_kind,
    source_column,
    level,
    level_order,
    min_value,
    max_value,
    weight,
    true as is_used
from stored
