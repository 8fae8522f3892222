{#- Every fitted student record's factor scores, one plain numeric column per factor (factor_1 is the largest). -#}

with scores as (

    select * from {{ ref('int_student_factor_scores') }}
    where is_reference

)

select * exclude (is_reference), {{ run_id() }} as run_id from scores
