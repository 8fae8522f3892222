{#- One row per student record with the encoded features as a list in feature_index order: the matrix the
    Python models read in one Arrow transfer. -#}

with features as (

    select * from {{ ref('int_student_features') }}

),

vectors as (

    select
        student_id,
        term,
        is_reference,
        is_fitted,
        list(value order by feature_index) as feature_values,
        count(*) filter (where is_outside_fitted_range) as values_outside_fitted_range
    from features
    group by student_id, term, is_reference, is_fitted

)

select * from vectors
