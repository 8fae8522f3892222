{#- The loading of every feature on every factor (each factor's loadings have unit L2 norm). -#}

with components as (

    select * from {{ ref('int_factor_components') }}

),

ranked as (

    select
        factor_id,
        feature_index,
        feature,
        loading,
        row_number() over (partition by factor_id order by loading desc, feature_index) as rank_within_factor
    from components

)

select *, {{ run_id() }} as run_id from ranked
