{#- The persona centres in factor space every student record is assigned to: fitted in this build
    (int_persona_centroid_fit) or, in a scoring run, the stored persona model's. Columns factor_1 ... factor_r. -#}

{%- if is_scoring_run() %}

with stored as (

    select * from {{ source('persona_registry', 'persona_model_centroids') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

),

wide as (

    pivot (select persona_id, 'factor_' || factor_id as factor_column, centroid_value from stored)
    on factor_column
    using first(centroid_value)

)

select * from wide order by persona_id

{%- else %}

with fitted as (

    select * from {{ ref('int_persona_centroid_fit') }}

)

select * from fitted

{%- endif %}
