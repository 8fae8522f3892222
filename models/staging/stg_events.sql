{{ config(materialized='view', tags=['events']) }}
{#-
  Every event of the log, renamed, typed and checked: one row per input row, with the first failed check
  and every reason (null when the event is usable). A view: event logs can hold 10^8 rows, and each model
  that reads this streams the file once instead of copying it into the warehouse.
  Without an event log (events_path null) it has the same columns and no rows.
-#}
{%- set events = source('inputs', 'events') -%}
{%- set layout = event_log_layout() -%}

{%- if not layout %}

select
    cast(null as bigint) as event_row_number,
    cast(null as {{ dbt.type_string() }}) as student_id,
    cast(null as {{ dbt.type_string() }}) as term,
    cast(null as {{ dbt.type_timestamp() }}) as event_time,
    cast(null as {{ type_double() }}) as day_number,
    cast(null as {{ dbt.type_string() }}) as activity_type,
    cast(null as {{ type_double() }}) as amount,
    cast(null as {{ type_double() }}) as period_start_day,
    cast(null as {{ dbt.type_string() }}) as source_student_id,
    cast(null as {{ dbt.type_string() }}) as source_time,
    cast(null as {{ dbt.type_string() }}) as source_activity,
    cast(null as {{ dbt.type_string() }}) as source_amount,
    cast(null as {{ dbt.type_string() }}) as source_term,
    cast(null as {{ dbt.type_string() }}) as rejection_check,
    cast(null as {{ dbt.type_string() }}) as rejection_reason
limit 0

{%- else %}
{%- set period_weeks = (configured('event_windows') or {}).get('period_weeks') %}
{%- set time_column = layout.time %}
{%- set amount_column = layout.amount %}
{%- set text_time = event_column_is_text(layout, 'time') %}
{%- set text_amount = event_column_is_text(layout, 'amount') %}
{#- Checks in order; rejection_check is the first that fails, rejection_reason lists every failure. The
    values in the reasons are cast to text only for the rejected events. -#}
{%- set checks = [
    ('missing_student_id', 'student_id is null',
     sql_string(layout.student_id | join(', ') ~ ' is missing')),
    ('missing_time', 'not ' ~ event_value_present('source_time', text_time),
     sql_string(time_column ~ ' is missing')),
    ('unparseable_time', event_value_present('source_time', text_time) ~ ' and day_number is null',
     dbt.concat([sql_string(time_column ~ " is '"), event_as_text('source_time'),
                 sql_string("', not a time like the rest of the column (" ~ layout.time_reading.description ~ ")")])),
    ('before_period_start', 'day_number < period_start_day',
     dbt.concat([sql_string(time_column ~ " is '"), event_as_text('source_time'), sql_string("', before the start of the period")])),
] %}
{%- if period_weeks %}
{%- do checks.extend([
    ('no_period_start', 'day_number is not null and period_start_day is null',
     dbt.concat([sql_string("term '"), 'term', sql_string("' has no entry in event_period_start")])),
    ('after_period_end', 'day_number >= period_start_day + ' ~ period_weeks * 7,
     dbt.concat([sql_string(time_column ~ " is '"), event_as_text('source_time'),
                 sql_string("', after the end of the period (" ~ period_weeks ~ " weeks)")])),
]) %}
{%- endif %}
{%- if amount_column %}
{%- do checks.extend([
    ('missing_amount', 'not ' ~ event_value_present('source_amount', text_amount),
     sql_string(amount_column ~ ' is missing')),
    ('non_numeric_amount', event_value_present('source_amount', text_amount) ~ ' and amount is null',
     dbt.concat([sql_string(amount_column ~ " is '"), event_as_text('source_amount'), sql_string("', which is not a number")])),
    ('non_finite_amount', 'not isfinite(amount)',
     dbt.concat([sql_string(amount_column ~ " is '"), event_as_text('source_amount'), sql_string("', which is not a finite number")])),
    ('negative_amount', 'amount < 0',
     dbt.concat([sql_string(amount_column ~ " is "), event_as_text('source_amount'), sql_string(", below 0")])),
]) %}
{%- endif %}
{%- if layout.activity %}
{%- do checks.append(('missing_activity', 'activity_type is null', sql_string(layout.activity ~ ' is missing'))) %}
{%- endif %}
{%- if layout.term %}
{%- do checks.append(('missing_term', 'term is null', sql_string(layout.term ~ ' is missing'))) %}
{%- endif %}

with

source as (

    select * from {{ events }}

),

numbered as (

    -- the n-th event of the file is row n (the header is not counted)
    select
        {% if 'file_row_number' in layout.types -%}
        file_row_number + 1 as event_row_number,
        {%- else -%}
        row_number() over () as event_row_number,
        {%- endif %}
        *
    from source

),

renamed as (

    -- the declared columns under the warehouse's names, as the file holds them (types included)
    select
        event_row_number,
        {{ event_source_value(layout, 'student_id') }} as source_student_id,
        {{ event_source_value(layout, 'time') }} as source_time,
        {{ event_source_value(layout, 'activity') }} as source_activity,
        {{ event_source_value(layout, 'amount') }} as source_amount,
        {{ event_source_value(layout, 'term') }} as source_term
    from numbered

),

typed as (

    select
        *,
        {{ event_text_value('source_student_id', event_column_is_text(layout, 'student_id')) }} as student_id,
        {% if layout.term -%}
        {{ event_text_value('source_term', event_column_is_text(layout, 'term')) }}
        {%- else -%}
        'all'
        {%- endif %} as term,
        {{ event_time_value(layout, 'source_time') }} as event_time,
        {% if amount_column -%}
        {{ event_number('source_amount', not text_amount) }}
        {%- else -%}
        cast(1 as {{ type_double() }})
        {%- endif %} as amount,
        {{ event_text_value('source_activity', event_column_is_text(layout, 'activity')) }} as activity_type
    from renamed

),

timed as (

    select
        *,
        {{ event_day_number(layout, 'source_time', 'event_time') }} as day_number,
        {{ event_period_start_day(layout, 'term') }} as period_start_day
    from typed

),

validated as (

    select
        *,
        case
        {%- for check, condition, reason in checks %}
            when {{ condition }} then '{{ check }}'
        {%- endfor %}
        end as rejection_check
    from timed

)

select
    event_row_number,
    student_id,
    term,
    event_time,
    day_number,
    activity_type,
    amount,
    period_start_day,
    source_student_id,
    source_time,
    source_activity,
    source_amount,
    source_term,
    rejection_check,
    case
        when rejection_check is not null then concat_ws('; '
        {%- for check, condition, reason in checks %},
            case when {{ condition }} then {{ reason }} end
        {%- endfor %})
    end as rejection_reason
from validated

{%- endif %}
