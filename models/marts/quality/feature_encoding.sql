{#- What the encoding learned on the fitted cohort (see int_feature_encoding), with a reason for every
    feature that is not used: kept so new students are encoded identically later. -#}

with encoding as (

    select * from {{ ref('int_feature_encoding') }}

)

select *, {{ run_id() }} as run_id from encoding
