{#- Persona model registry: each model version's persona centres in factor space (long form). -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

centroids as (

    unpivot {{ ref('int_persona_centroid_fit') }}
    on columns('^factor_\d+$')
    into name factor_column value centroid_value

),

recorded as (

    select
        version.model_version,
        centroids.persona_id::integer as persona_id,
        cast(regexp_extract(centroids.factor_column, '\d+$') as integer) as factor_id,
        centroids.centroid_value
    from centroids
    cross join version

)

select *, {{ run_id() }} as run_id from recorded
