{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', tags=['scoring'],
          pre_hook="{{ replace_current_batch() }}") }}
{#-
  One row per batch and term read: the fitting build's batch 'fit' and every scoring run, with the file, the
  model version, rows in, valid and rejected (with the commonest reasons), values outside the fitted range,
  and a plain sentence on how the batch compares with the fitted cohort (see batch_drift).
-#}
{% if not is_scoring_run() %}
-- depends_on: {{ ref('int_persona_model_version') }}
{% endif %}

with input_files as (

    select * from {{ ref('stg_input_files') }}
    where input_name = 'students'

),

students as (

    select * from {{ ref('stg_students') }}

),

rejects as (

    select * from {{ ref('student_rejects') }}
    where batch_id = {{ sql_string(batch_id()) }}

),

vectors as (

    select * from {{ ref('int_student_feature_vectors') }}

),

drift as (

    select * from {{ ref('batch_drift') }}
    where batch_id = {{ sql_string(batch_id()) }}

),

per_term as (

    select
        students.term,
        count(*) as rows_read,
        count(*) filter (where students.passed_validation) as valid_rows,
        count(*) filter (where not students.passed_validation) as rejected_rows
    from students
    group by students.term

),

reasons as (

    select term, string_agg(format('{} {} ({})', column_name, check_name, n), '; ' order by n desc, column_name) as top_reasons
    from (
        select term, column_name, check_name, count(*) as n,
            row_number() over (partition by term order by count(*) desc, column_name, check_name) as reason_rank
        from rejects
        group by term, column_name, check_name
    )
    where reason_rank <= 3
    group by term

),

outside as (

    select term, count(*) filter (where values_outside_fitted_range > 0) as students_outside_fitted_range
    from vectors
    group by term

),

shifts as (

    select
        term,
        count(*) filter (where is_notable and aspect = 'persona_mix') as notable_persona_shifts,
        count(*) filter (where is_notable and aspect = 'feature_mean') as notable_feature_shifts,
        max(abs(difference)) filter (where aspect = 'persona_mix') as largest_persona_share_change,
        arg_max(item, abs(standardized_difference)) filter (where aspect = 'feature_mean') as most_shifted_feature,
        max(abs(standardized_difference)) filter (where aspect = 'feature_mean') as largest_feature_shift_sd
    from drift
    group by term

),

batches as (

    select
        {{ sql_string(batch_id()) }} as batch_id,
        {{ sql_string('score' if is_scoring_run() else 'fit') }} as batch_kind,
        {{ sql_string(current_model_version()) }} as model_version,
        per_term.term,
        input_files.path as input_path,
        input_files.records_counted,
        per_term.rows_read,
        per_term.valid_rows,
        per_term.rejected_rows,
        reasons.top_reasons,
        coalesce(outside.students_outside_fitted_range, 0) as students_outside_fitted_range,
        coalesce(shifts.notable_persona_shifts, 0) as notable_persona_shifts,
        coalesce(shifts.notable_feature_shifts, 0) as notable_feature_shifts,
        concat_ws(' ',
            format('{:,} of {:,} rows of term {} were placed in personas{}.', per_term.valid_rows, per_term.rows_read,
                per_term.term, case when per_term.rejected_rows > 0 then format(' ({:,} rejected: see student_rejects)',
                    per_term.rejected_rows) else '' end),
            case
                when coalesce(shifts.notable_persona_shifts, 0) = 0 and coalesce(shifts.notable_feature_shifts, 0) = 0
                    then 'The persona mix and the feature means are close to the fitted cohort''s.'
                else format('Compared with the fitted cohort, {} persona share(s) moved by 10 points or more '
                    || '(largest {:.0f} points) and {} feature mean(s) by half a standard deviation or more (largest: '
                    || '{}, {:.1f} SD): the students may have changed since the model was fitted.',
                    coalesce(shifts.notable_persona_shifts, 0), 100 * coalesce(shifts.largest_persona_share_change, 0),
                    coalesce(shifts.notable_feature_shifts, 0), coalesce(shifts.most_shifted_feature, 'none'),
                    coalesce(shifts.largest_feature_shift_sd, 0))
            end,
            case when coalesce(outside.students_outside_fitted_range, 0) > 0 then format(
                '{:,} student(s) have values outside the fitted range (scaled to its nearest end).',
                outside.students_outside_fitted_range) end
        ) as summary,
        current_timestamp::timestamp as recorded_at
    from per_term
    cross join input_files
    left join reasons using (term)
    left join outside using (term)
    left join shifts using (term)

)

select *, {{ run_id() }} as run_id from batches
