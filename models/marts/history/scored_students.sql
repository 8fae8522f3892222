{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='append_new_columns', tags=['scoring'],
          pre_hook="{{ replace_current_batch() }}") }}
{#-
  Students scored with a stored, reviewed persona model (never a refit), one set of rows per scoring run:
  persona, reviewed name, distance and margin, and flags a reviewer needs: how many of the student's values
  lay outside the fitted cohort's range (scaled to the nearest end), were filled as missing or clipped, and
  whether the student already belongs to the fitted cohort. Empty after a fitting build until the first
  scoring run (make score).
  New columns are appended to a table an earlier version built (its earlier rows null); the contract
  still fixes every column's name and type.
-#}

with assignments as (

    select * from {{ ref('persona_history') }}
    where batch_id = {{ sql_string(batch_id()) }} and batch_id <> 'fit'

),

vectors as (

    select student_id, term, values_outside_fitted_range from {{ ref('int_student_feature_vectors') }}

),

preparation_flags as (

    select
        student_id,
        term,
        count(*) filter (where is_imputed) as values_imputed,
        count(*) filter (where is_clipped) as values_clipped
    from {{ ref('int_student_prepared_values') }}
    group by student_id, term

),

fitted_students as (

    select distinct student_id, model_version from {{ ref('persona_history') }}
    where batch_id = 'fit'

),

scored as (

    select
        assignments.batch_id,
        assignments.student_id,
        assignments.term,
        assignments.persona_id,
        assignments.persona_name,
        assignments.subgroup_id,
        assignments.distance_to_centroid,
        assignments.margin_to_next,
        assignments.model_version,
        vectors.values_outside_fitted_range,
        coalesce(preparation_flags.values_imputed, 0) as values_imputed,
        coalesce(preparation_flags.values_clipped, 0) as values_clipped,
        fitted_students.student_id is not null as is_in_fitted_cohort,
        assignments.recorded_at as scored_at
    from assignments
    inner join vectors using (student_id, term)
    left join preparation_flags using (student_id, term)
    left join fitted_students
        on fitted_students.student_id = assignments.student_id
        and fitted_students.model_version = assignments.model_version

)

select *, {{ run_id() }} as run_id from scored
