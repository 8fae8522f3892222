{#- Every model-selection metric in one table: the NMF rank sweep and the K-Means k sweep. -#}

with rank_sweep as (

    select * from {{ ref('int_factor_rank_selection') }}

),

k_sweep as (

    select * from {{ ref('int_persona_k_selection') }}

),

unioned as (

    select * from rank_sweep
    union all
    select * from k_sweep

)

select *, {{ run_id() }} as run_id from unioned
