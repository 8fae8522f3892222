{#- One row per student with the encoded features as a list in feature_index order: the matrix the
    Python models read in one Arrow transfer. -#}

with features as (

    select * from {{ ref('student_features') }}

),

vectors as (

    select
        student_id,
        list(value order by feature_index) as feature_values
    from features
    group by student_id

)

select * from vectors
