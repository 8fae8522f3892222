{#- The SVD cross-check: each NMF factor's one-to-one matched TruncatedSVD component and their |cosine|. -#}

with matches as (

    select * from {{ ref('int_svd_comparison') }}

),

factors as (

    select factor_id, factor_label from {{ ref('factors') }}

),

compared as (

    select
        matches.factor_id,
        factors.factor_label,
        matches.svd_component,
        matches.abs_cosine_similarity,
        matches.svd_explained_variance_ratio
    from matches
    inner join factors using (factor_id)

)

select *, {{ run_id() }} as run_id from compared
