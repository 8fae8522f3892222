{#- Other clusterers on the same factor scores next to the K-Means personas: where the methods agree. -#}

with comparison as (

    select * from {{ ref('int_clustering_comparison') }}

)

select *, {{ run_id() }} as run_id from comparison
