{#-
  The data-quality tripwire of the fitted cohort as a table: volumes (records in the file, valid and
  rejected rows), rejections by check and column, duplicates, constant and ignored columns, merged case
  variants, missing values per column and the cells filled and clipped by the declared policies, excluded
  features, term-like features, the label's prevalence with a Wilson 95% interval, and feature columns that
  may encode the outcome (single-feature ROC-AUC beyond outcome_proxy_auc, from feature_label_association;
  the AUC itself stays in that table). With an event log: the student records without any usable event
  (they are a state, event_no_recorded_activity, not a filled extreme), the rejected events by reason and
  each term's event period in weeks. One tidy row per check (and column, where the check is per column).
-#}

with input_files as (

    select * from {{ ref('stg_input_files') }}
    where input_name = 'students'

),

students as (

    select * from {{ ref('stg_students') }}

),

column_roles as (

    select * from {{ ref('int_column_roles') }}

),

prepared_values as (

    select * from {{ ref('int_student_prepared_values') }}
    where is_reference

),

encoding as (

    select * from {{ ref('int_feature_encoding') }}

),

labels as (

    select * from {{ ref('int_student_labels') }}

),

failures as (

    select source_row_number, unnest(validation_failures, recursive := true) from students

),

label_association as (

    select * from {{ ref('feature_label_association') }}

),

records as (

    select * from {{ ref('int_student_records') }}
    where is_reference

),

event_rejections as (

    select * from {{ ref('int_event_rejections') }}

),

event_periods as (

    select * from {{ ref('int_event_periods') }}

),

event_coverage as (

    -- measured by the preflight (student_personas.events.coverage): per value of the term and module-like
    -- columns, the student records with an event
    select
        columns.key as column_name,
        levels.value ->> 0 as level,
        cast(levels.value ->> 2 as bigint) as covered,
        cast(levels.value ->> 1 as bigint) as records
    from {{ ref('stg_input_files') }} as files,
        json_each(files.facts -> 'coverage' -> 'by') as columns,
        json_each(columns.value) as levels
    where files.input_name = 'events'

),

volumes as (

    select
        (select records_counted from input_files) as input_rows,
        (select coalesce(empty_rows, 0) from input_files) as empty_rows,
        (select coalesce(repeated_header_rows, 0) from input_files) as repeated_header_rows,
        count(*) filter (where passed_validation) as clean_rows,
        count(*) filter (where not passed_validation) as rejected_rows
    from students

),

volume_checks as (

    select 'input_rows' as check_name, null as column_name,
        'data records in the file (counted by an independent reader)' as detail, input_rows as count,
        input_rows as denominator
    from volumes
    union all
    select 'clean_rows', null, 'rows that passed every check', clean_rows, input_rows
    from volumes
    union all
    select 'rejected_rows', null, 'rows quarantined in student_rejects', rejected_rows, input_rows
    from volumes
    union all
    select 'empty_rows', null, 'rows with every cell empty: no student, skipped', empty_rows, input_rows
    from volumes
    where empty_rows > 0
    union all
    select 'repeated_header_rows', null, 'rows that repeat the header: no student, skipped', repeated_header_rows,
        input_rows
    from volumes
    where repeated_header_rows > 0

),

rejection_checks as (

    select
        'rejected_by_check' as check_name,
        failures.column_name,
        failures.check_name as detail,
        count(distinct failures.source_row_number) as count,
        any_value(volumes.input_rows) as denominator
    from failures
    cross join volumes
    group by failures.column_name, failures.check_name

),

duplicate_checks as (

    select
        'duplicate_rows' as check_name,
        null as column_name,
        'rows identical to an earlier row' as detail,
        count(*) filter (where check_name = 'duplicate_row') as count,
        (select input_rows from volumes) as denominator
    from failures
    union all
    select
        'duplicate_ids',
        null,
        'ids that appear in more than one row',
        count(distinct students.student_id),
        (select input_rows from volumes)
    from failures
    inner join students using (source_row_number)
    where failures.check_name in ('duplicate_row', 'conflicting_duplicate_id')

),

column_checks as (

    select
        'constant_column' as check_name,
        column_name,
        format('{} distinct value(s); role {}', distinct_count, role) as detail,
        distinct_count as count,
        null::bigint as denominator
    from column_roles
    where origin = 'input' and distinct_count <= 1
    union all
    select
        'ignored_column',
        column_name,
        role_note,
        null,
        null
    from column_roles
    where role in ('ignored', 'identifier', 'free_text') and not is_declared
    union all
    select
        'merged_case_variants',
        column_name,
        format('{} spellings read as {} values (case ignored)', distinct_count, folded_distinct_count),
        distinct_count - folded_distinct_count,
        distinct_count
    from column_roles
    where has_case_variants
    union all
    select
        'missing_values',
        column_name,
        'empty or missing-token cells',
        row_count - present_count,
        row_count
    from column_roles
    where origin = 'input'
    union all
    select
        'term_like_feature',
        column_name,
        role_note,
        null,
        null
    from column_roles
    where looks_like_term
    union all
    -- a feature whose name says it records a protected or socioeconomic attribute: it shapes the personas,
    -- so the fairness tables cannot treat it as context (the role note says how to declare it)
    select
        'protected_like_feature',
        column_name,
        'its name says it records ' || protected_meaning,
        null,
        null
    from column_roles
    where protected_meaning is not null
    union all
    -- One row per column and reason: a column left out for its levels (too many, or one) is never listed
    -- level by level, since its levels are the file's values (names, if a name column got this far). Only a
    -- declared level that no record holds is named: it is the configuration's own text.
    select
        'excluded_feature',
        source_column,
        coalesce(declared_level || ': ', '') || exclusion_reason,
        sum(n_students),
        null
    from (
        select *, case when exclusion_reason = 'declared level not present in the fitted records' then level end
            as declared_level
        from encoding
        where not is_used
    )
    group by source_column, declared_level, exclusion_reason
    union all
    select
        'feature_count',
        null,
        format('{} numeric + {} one-hot features used', count(*) filter (where feature_kind = 'numeric'),
            count(*) filter (where feature_kind = 'one_hot')),
        count(*),
        null
    from encoding
    where is_used

),

preparation_checks as (

    select
        'imputed_values' as check_name,
        source_column as column_name,
        'missing cells filled by the missing-value policy' as detail,
        count(*) filter (where is_imputed) as count,
        count(*) as denominator
    from prepared_values
    where feature_column = source_column
    group by source_column
    having count(*) filter (where is_imputed) > 0
    union all
    select
        'clipped_values',
        source_column,
        'values clipped to the fitted bounds (var clip_outliers)',
        count(*) filter (where is_clipped),
        count(*)
    from prepared_values
    where feature_column = source_column
    group by source_column
    having count(*) filter (where is_clipped) > 0

),

range_checks as (

    select
        'range_violation' as check_name,
        column_name,
        format('outside [{}, {}]', coalesce(range_min::varchar, '-inf'), coalesce(range_max::varchar, 'inf')) as detail,
        (select count(distinct source_row_number) from failures
         where failures.column_name = column_roles.column_name
            and failures.check_name in ('below_minimum', 'above_maximum')) as count,
        row_count as denominator
    from column_roles
    where range_min is not null or range_max is not null

),

label_checks as (

    select
        'label_prevalence' as check_name,
        {{ sql_string(label_display_name()) }} as column_name,
        'positives among valid rows, Wilson 95% interval' as detail,
        sum(label_value) as count,
        count(*) as denominator
    from labels
    having count(*) > 0

),

outcome_proxy_checks as (

    select
        'outcome_proxy' as check_name,
        source_column as column_name,
        -- "may record the outcome" only where the evidence says so; an ordinary engagement measure beyond
        -- outcome_proxy_auc is "associated with" it
        case proxy_kind
            when 'earlier_measurement' then format(
                '{}: an earlier measurement of the label''s column: may record the outcome itself', feature)
            when 'may_record' then format('{}: single-feature ROC-AUC {} {:.2f} ({}): may record the outcome itself',
                feature, case when roc_auc >= 0.5 then 'at least' else 'at most' end,
                case when roc_auc >= 0.5 then {{ configured('outcome_record_auc') }}
                    else 1 - {{ configured('outcome_record_auc') }} end, direction)
            else format('{}: single-feature ROC-AUC {} {:.2f} ({}): associated with the outcome', feature,
                case when roc_auc >= proxy_threshold then 'at least' else 'at most' end,
                case when roc_auc >= proxy_threshold then proxy_threshold else 1 - proxy_threshold end, direction)
        end as detail,
        null::bigint as count,
        null::bigint as denominator
    from label_association
    where is_outcome_proxy

),

event_checks as (

    -- has_recorded_events is null without an event log: then there is no row
    select 'students_without_events' as check_name, null as column_name,
        'student records with no usable event in the event log (event_no_recorded_activity = 1)' as detail,
        count(*) filter (where not has_recorded_events) as count, count(*) as denominator
    from records
    having count(has_recorded_events) > 0
    union all
    select 'events_rejected', null, rejection_check, events,
        cast(round(events / share_of_events) as bigint)
    from event_rejections
    union all
    select 'event_period_weeks', term, 'weeks in the period days and weeks are counted from', period_weeks, null
    from event_periods
    union all
    -- never by a protected or label column: that would publish counts by group (the preflight leaves them
    -- out too; this holds when roles change without a new preflight)
    select 'event_coverage', column_name, coalesce(level, '(not recorded)'), covered, records
    from event_coverage
    where column_name not in (
        select column_name from column_roles where role in ('protected', 'label', 'label_source'))

),

all_checks as (

    select * from volume_checks
    union all select * from rejection_checks
    union all select * from duplicate_checks
    union all select * from column_checks
    union all select * from preparation_checks
    union all select * from range_checks
    union all select * from label_checks
    union all select * from outcome_proxy_checks
    union all select * from event_checks

),

with_rates as (

    select
        check_name,
        column_name,
        detail,
        count::bigint as count,
        denominator::bigint as denominator,
        count::double / nullif(denominator, 0) as rate,
        case when check_name = 'label_prevalence' then {{ wilson_lower('count', 'denominator') }} end as ci_lower,
        case when check_name = 'label_prevalence' then {{ wilson_upper('count', 'denominator') }} end as ci_upper
    from all_checks

)

select *, {{ run_id() }} as run_id from with_rates
