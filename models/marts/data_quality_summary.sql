{#-
  The data-quality tripwire as a table: volumes, rejections by check, duplicates, constant columns,
  excluded features, missing values per column, range violations per rule, the label's prevalence
  with a Wilson 95% interval, and feature columns that may encode the outcome (single-feature ROC-AUC
  beyond outcome_proxy_auc, from feature_label_association; the AUC itself stays in that table). One tidy
  row per check (and column, where the check is per column).
-#}
{%- set label_column = var('label_column', none) -%}
{%- set range_rules = var('range_rules', {}) or {} -%}

with students_text as (

    select * from {{ ref('stg_students_text') }}

),

students as (

    select * from {{ ref('stg_students') }}

),

column_roles as (

    select * from {{ ref('stg_column_roles') }}

),

checks as (

    select * from {{ ref('stg_student_checks') }}

),

encoding as (

    select * from {{ ref('feature_encoding') }}

),

label_association as (

    select * from {{ ref('feature_label_association') }}

),

volumes as (

    select
        (select count(*) from students_text) as input_rows,
        (select count(*) from students) as clean_rows

),

volume_checks as (

    select 'input_rows' as check_name, null as column_name, 'rows read from the input' as detail,
        input_rows as count, input_rows as denominator
    from volumes
    union all
    select 'clean_rows', null, 'rows that passed every check (stg_students)', clean_rows, input_rows
    from volumes
    union all
    select 'rejected_rows', null, 'rows quarantined in student_rejects', input_rows - clean_rows, input_rows
    from volumes

),

rejection_checks as (

    select
        'rejected_by_check' as check_name,
        checks.column_name,
        checks.check_name as detail,
        count(distinct checks.source_row_number) as count,
        volumes.input_rows as denominator
    from checks
    cross join volumes
    group by checks.column_name, checks.check_name, volumes.input_rows

),

duplicate_checks as (

    select
        'duplicate_rows' as check_name,
        null as column_name,
        'rows identical to an earlier row' as detail,
        count(*) filter (where checks.check_name = 'duplicate_row') as count,
        (select input_rows from volumes) as denominator
    from checks
    union all
    select
        'duplicate_ids',
        {{ sql_string(var('id_column')) }},
        'ids that appear in more than one row',
        count(distinct students_text.{{ sql_identifier(var('id_column')) }}),
        (select input_rows from volumes)
    from checks
    inner join students_text using (source_row_number)
    where checks.check_name in ('duplicate_row', 'conflicting_duplicate_id')

),

column_checks as (

    select
        'constant_column' as check_name,
        column_name,
        format('{} distinct value(s); role {}', distinct_count, role) as detail,
        distinct_count as count,
        null::bigint as denominator
    from column_roles
    where distinct_count <= 1
    union all
    select
        'missing_values',
        column_roles.column_name,
        'empty or missing-token cells',
        volumes.input_rows - column_roles.present_count,
        volumes.input_rows
    from column_roles
    cross join volumes
    union all
    select
        'excluded_feature',
        source_column,
        coalesce(level || ': ', '') || exclusion_reason,
        n_students,
        null
    from encoding
    where not is_used
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

range_checks as (

    {%- for column, bounds in range_rules.items() %}
    {%- set number = 'try_cast(' ~ sql_identifier(column) ~ ' as double)' %}
    select
        'range_violation' as check_name,
        {{ sql_string(column) }} as column_name,
        {{ sql_string('outside [' ~ ('%g' % bounds[0] if bounds[0] is not none else '-inf') ~ ', '
            ~ ('%g' % bounds[1] if bounds[1] is not none else 'inf') ~ ']') }} as detail,
        count(*) filter (where isfinite({{ number }}) and (false
            {%- if bounds[0] is not none %} or {{ number }} < {{ bounds[0] }}{% endif %}
            {%- if bounds[1] is not none %} or {{ number }} > {{ bounds[1] }}{% endif %})) as count,
        count(*) as denominator
    from students_text
    {{ "union all" if not loop.last }}
    {%- else %}
    select null::varchar as check_name, null::varchar as column_name, null::varchar as detail,
        null::bigint as count, null::bigint as denominator
    where false
    {%- endfor %}

),

label_checks as (

    {%- if label_column %}
    select
        'label_prevalence' as check_name,
        {{ sql_string(label_column) }} as column_name,
        'positives among clean rows, Wilson 95% interval' as detail,
        sum({{ sql_identifier(label_column) }}) as count,
        count(*) as denominator
    from students
    {%- else %}
    select null::varchar as check_name, null::varchar as column_name, null::varchar as detail,
        null::bigint as count, null::bigint as denominator
    where false
    {%- endif %}

),

outcome_proxy_checks as (

    select
        'outcome_proxy' as check_name,
        source_column as column_name,
        format('{}: single-feature ROC-AUC {} {:.2f} ({}): may encode the outcome', feature,
            case when roc_auc >= proxy_threshold then 'at least' else 'at most' end,
            case when roc_auc >= proxy_threshold then proxy_threshold else 1 - proxy_threshold end,
            direction) as detail,
        null::bigint as count,
        null::bigint as denominator
    from label_association
    where is_outcome_proxy

),

all_checks as (

    select * from volume_checks
    union all select * from rejection_checks
    union all select * from duplicate_checks
    union all select * from column_checks
    union all select * from range_checks
    union all select * from label_checks
    union all select * from outcome_proxy_checks

),

with_rates as (

    select
        check_name,
        column_name,
        detail,
        count::bigint as count,
        denominator,
        count::double / nullif(denominator, 0) as rate,
        case when check_name = 'label_prevalence' then {{ wilson_lower('count', 'denominator') }} end as ci_lower,
        case when check_name = 'label_prevalence' then {{ wilson_upper('count', 'denominator') }} end as ci_upper
    from all_checks

)

select *, {{ run_id() }} as run_id from with_rates
