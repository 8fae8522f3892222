{#-
  The event log: its declaration (vars events_path, event_columns, event_time_format, event_windows,
  event_activity_types_max, event_period_start), how its columns read, and the expressions the event
  models share. Formulas of the event features are defined once, in event_feature_definitions().
-#}

{% macro event_log_layout() %}
  {#-
    How the event log reads, as the preflight (student_personas/events.py) worked it out after checking
    the declaration against the file: the declared columns of each role (student_id a list), the type of
    every column, and how the time column reads. {} without an event log and at parse time.
  -#}
  {%- if not execute or not has_event_log() -%}{{ return({}) }}{%- endif -%}
  {{ return(input_fact('event_layout', 'events') or {}) }}
{% endmacro %}


{% macro event_column_is_text(layout, role) -%}
  {#- True when the role's column is text in the file (every column of a CSV; a composite id is text). -#}
  {%- set columns = layout[role] if role == 'student_id' else ([layout[role]] if layout[role] else []) -%}
  {{ return(columns | length > 1 or (columns | length == 1 and layout.types[columns[0]].split('(')[0] == 'VARCHAR')) }}
{%- endmacro %}


{% macro event_source_value(layout, role) -%}
  {#- The declared column of `role` as the file holds it, or null when the role is not declared. A
      composite student id joins its trimmed parts with '|' and is null when any part is empty. -#}
  {%- set columns = layout[role] if role == 'student_id' else ([layout[role]] if layout[role] else []) -%}
  {%- if not columns -%}
    cast(null as {{ dbt.type_string() }})
  {%- elif columns | length == 1 -%}
    {{ adapter.quote(columns[0]) }}
  {%- else -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
      {%- do parts.append("nullif(trim(cast(" ~ adapter.quote(column) ~ " as " ~ dbt.type_string() ~ ")), '')") -%}
      {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
  {%- endif -%}
{%- endmacro %}


{% macro event_text_value(column, is_text) -%}
  {#- A key column as clean text: trimmed, empty = null (text in the file), or cast to text (a typed
      column, which cannot hold stray spaces). -#}
  {%- if is_text -%}
    nullif(trim({{ column }}), '')
  {%- else -%}
    cast({{ column }} as {{ dbt.type_string() }})
  {%- endif -%}
{%- endmacro %}


{% macro event_value_present(column, is_text) -%}
  {#- True when the file has a value: not null and, for text, not blank. -#}
  {%- if is_text -%}
    (nullif(trim({{ column }}), '') is not null)
  {%- else -%}
    ({{ column }} is not null)
  {%- endif -%}
{%- endmacro %}


{% macro event_as_text(column) -%}
  cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}


{% macro event_time_value(layout, column) -%}
  {#- The event's time as a timestamp (null for day offsets, and when the text does not parse). -#}
  {%- set reading = layout.time_reading -%}
  {%- if reading.kind == 'day_offset' -%}
    cast(null as {{ dbt.type_timestamp() }})
  {%- elif reading.kind in ('epoch_seconds', 'epoch_milliseconds') -%}
    {%- set seconds = event_number(column, reading.native) ~ (" / 1000" if reading.kind == 'epoch_milliseconds' else "") -%}
    {{ dbt.dateadd('second', seconds, "cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")") }}
  {%- elif reading.native -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
  {%- elif reading.format -%}
    try_strptime(trim({{ column }}), {{ sql_string(reading.format) }})
  {%- else -%}
    {{ dbt.safe_cast("trim(" ~ column ~ ")", dbt.type_timestamp()) }}
  {%- endif -%}
{%- endmacro %}


{% macro event_day_number(layout, column, time_expression) -%}
  {#- The event's time in days on one numeric axis: days since 1970-01-01 (fractional) for timestamps and
      Unix times, the offset itself for day offsets. -#}
  {%- set reading = layout.time_reading -%}
  {%- if reading.kind == 'day_offset' -%}
    {{ event_number(column, reading.native) }}
  {%- elif reading.kind == 'epoch_seconds' -%}
    {{ event_number(column, reading.native) }} / 86400.0
  {%- elif reading.kind == 'epoch_milliseconds' -%}
    {{ event_number(column, reading.native) }} / 86400000.0
  {%- else -%}
    {{ dbt.datediff("cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")", time_expression, 'second') }} / 86400.0
  {%- endif -%}
{%- endmacro %}


{% macro is_numeric_type(type_name) -%}
  {#- True for a DuckDB number type name as `describe` reports it (DECIMAL(18,3) included). -#}
  {{ return(type_name.split('(')[0] | upper in ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT',
      'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL']) }}
{%- endmacro %}


{% macro event_number(column, native) -%}
  {#- A column as a double: cast when the file types it as a number, else parsed from text (null when it
      does not parse). -#}
  {%- if native -%}
    cast({{ column }} as {{ type_double() }})
  {%- else -%}
    {{ dbt.safe_cast("nullif(trim(" ~ column ~ "), '')", type_double()) }}
  {%- endif -%}
{%- endmacro %}


{% macro event_period_start_day(layout, term_expression) -%}
  {#- The declared period start in day numbers (see event_day_number) for the event's term: the
      event_period_start var (one value, or one per term value), 0 for day offsets when none is declared,
      else null (the period then starts on the day of the term's first event). -#}
  {%- set start = configured('event_period_start') -%}
  {%- set default = 'cast(' ~ ('0' if layout.time_reading.kind == 'day_offset' else 'null') ~ ' as ' ~ type_double() ~ ')' -%}
  {%- if start is mapping -%}
    case {{ term_expression }}
    {%- for term, value in start.items() %}
        when {{ sql_string(term) }} then {{ event_day_literal(layout, value) }}
    {%- endfor %}
        else {{ default }}
    end
  {%- elif start is not none -%}
    {{ event_day_literal(layout, start) }}
  {%- else -%}
    {{ default }}
  {%- endif -%}
{%- endmacro %}


{% macro event_day_literal(layout, value) -%}
  {#- A declared period start as a day number: the number itself for day offsets, else days since 1970. -#}
  {%- if value is number -%}
    {{ value }}
  {%- else -%}
    {%- set parsed = modules.datetime.datetime.fromisoformat(value | string | trim) -%}
    {{ (parsed.replace(tzinfo=none) - modules.datetime.datetime(1970, 1, 1)).total_seconds() / 86400.0 }}
  {%- endif -%}
{%- endmacro %}


{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
  {#- dbt.type_float() is single precision on DuckDB and Spark; amounts (clicks, seconds) need double. -#}
  {{ return('double') }}
{%- endmacro %}

{% macro bigquery__type_double() -%}
  {{ return('float64') }}
{%- endmacro %}


{% macro duckdb__safe_cast(field, type) -%}
  {#- dbt.safe_cast on DuckDB: null for a value that does not convert (dbt-duckdb falls back to a plain
      cast, which fails the whole query on the first bad value). -#}
  try_cast({{ field }} as {{ type }})
{%- endmacro %}


{% macro normalized_entropy(sum_x_log_x, total, categories) -%}
  {#- Shannon entropy of a distribution over `categories` bins, divided by its maximum ln(categories), from
      the total and the sum of x*ln(x) over the bins: H = ln(T) - sum(x ln x) / T. 1 = spread evenly over all
      bins, 0 = everything in one bin; 0 when there is one bin or nothing to spread. -#}
  case
    when ({{ total }}) > 0 and ({{ categories }}) > 1
      then greatest(0.0, least(1.0, (ln({{ total }}) - ({{ sum_x_log_x }}) / ({{ total }})) / ln({{ categories }})))
    else 0.0
  end
{%- endmacro %}


{% macro weekly_periodicity(sum_cos, sum_sin, total) -%}
  {#- Magnitude of the weekly Fourier component of daily amounts, relative to the total:
      |sum_d A_d exp(-2 pi i d / 7)| / sum_d A_d. 1 = all activity on the same weekday, 0 = no weekday
      preferred. -#}
  case
    when ({{ total }}) > 0
      then least(1.0, sqrt(power({{ sum_cos }}, 2) + power({{ sum_sin }}, 2)) / ({{ total }}))
    else 0.0
  end
{%- endmacro %}


{% macro event_share_columns() %}
  {#- The activity types that get a share feature: [{activity_type, feature_column}] in rank order, from
      int_event_activity_types (capped by event_activity_types_max). [] at parse time. -#}
  {%- set relation = ref('int_event_activity_types') -%}
  {%- if not built(relation) -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query("select activity_type, feature_column from " ~ relation
      ~ " where feature_column is not null order by amount_rank nulls last, feature_column") -%}
  {%- set columns = [] -%}
  {%- for row in result.rows -%}
    {%- do columns.append({'activity_type': row[0], 'feature_column': row[1]}) -%}
  {%- endfor -%}
  {{ return(columns) }}
{% endmacro %}


{% macro event_feature_definitions() %}
  {#-
    Every event feature, defined once: the column of int_student_event_features, its SQL expression over
    the per-student aggregates of that model (CTE student_totals), the formula in words, a description,
    and the value a student without events gets. The feature model selects the expressions; the feature
    catalog publishes the same list. Without an event log the model keeps these columns (and no rows)
    and the catalog lists none of them.

    A student without events is a state, not a filled extreme: `event_no_recorded_activity` is 1 for them
    (0 for the others); counts of activity are 0 (nothing was recorded); timing and mix features (when the
    first event came, how regular or weekday-bound activity is, the shares of activity types) have no value
    ('missing': the feature preparation fills them with the fitted median, like any missing number), so
    they do not make these students an extreme group.
  -#}
  {%- set share_columns = event_share_columns() -%}
  {%- set early_weeks = (configured('event_windows') or {}).get('early_weeks') -%}
  {%- set features = [
      {'column': 'event_no_recorded_activity', 'expression': '0',
       'formula': '1 for a student and term without a usable event, 0 otherwise',
       'description': 'No recorded activity: the event log holds no usable event of the student in the term.',
       'value_without_events': '1'},
      {'column': 'event_total_amount', 'expression': 'total_amount',
       'formula': 'sum of amount over the events of the student and term (1 per event when no amount column is declared)',
       'description': 'Total activity: clicks, minutes or events, as the declared amount column counts them.',
       'value_without_events': '0'},
      {'column': 'event_active_days', 'expression': 'active_days',
       'formula': 'count of distinct days with at least one event',
       'description': 'Days on which the student was active.', 'value_without_events': '0'},
      {'column': 'event_active_week_share', 'expression': 'cast(active_weeks as ' ~ type_double() ~ ') / period_weeks',
       'formula': 'weeks with at least one event / weeks in the period',
       'description': 'Share of the weeks of the period in which the student was active.',
       'value_without_events': '0'},
      {'column': 'event_week_regularity', 'expression': normalized_entropy('week_amount_log_amount', 'total_amount', 'period_weeks'),
       'formula': '(ln(T) - sum_w A_w ln(A_w) / T) / ln(W): Shannon entropy of the weekly amounts A_w (T = their sum) over the W weeks of the period, divided by its maximum; 0 when W = 1',
       'description': 'How evenly activity is spread over the weeks: 1 = the same amount every week, 0 = all in one week.',
       'value_without_events': 'missing'},
      {'column': 'event_weekday_periodicity', 'expression': weekly_periodicity('day_amount_cos', 'day_amount_sin', 'total_amount'),
       'formula': 'sqrt((sum_d A_d cos(2 pi d / 7))^2 + (sum_d A_d sin(2 pi d / 7))^2) / sum_d A_d over the daily amounts A_d (d = day index in the period)',
       'description': 'How strongly activity repeats on the same weekdays: 1 = always the same weekday, 0 = no weekday preferred.',
       'value_without_events': 'missing'},
      {'column': 'event_days_to_first', 'expression': 'first_event_day',
       'formula': 'time of the first event - period start, in days',
       'description': 'Time to first activity in days from the start of the period (none for a student without events).',
       'value_without_events': 'missing'},
  ] -%}
  {%- if early_weeks -%}
    {%- do features.extend([
        {'column': 'event_early_amount', 'expression': 'early_amount',
         'formula': 'sum of amount over the events in the first ' ~ early_weeks ~ ' weeks of the period (week index < ' ~ early_weeks ~ ')',
         'description': 'Activity in the first ' ~ early_weeks ~ ' weeks.', 'value_without_events': '0'},
        {'column': 'event_early_active_days', 'expression': 'early_active_days',
         'formula': 'count of distinct days with an event in the first ' ~ early_weeks ~ ' weeks of the period',
         'description': 'Active days in the first ' ~ early_weeks ~ ' weeks.', 'value_without_events': '0'},
    ]) -%}
  {%- endif -%}
  {%- for share in share_columns -%}
    {%- do features.append(
        {'column': share.feature_column,
         'expression': 'case when total_amount > 0 then ' ~ share.feature_column ~ '_amount / total_amount else 0.0 end',
         'formula': "sum of amount over events of type '" ~ share.activity_type ~ "' / sum of amount over all events",
         'description': "Share of the student's activity that is '" ~ share.activity_type ~ "' (one of the "
             ~ share_columns | length ~ " activity types with the largest total amount).",
         'value_without_events': 'missing',
         'activity_type': share.activity_type}) -%}
  {%- endfor -%}
  {{ return(features) }}
{% endmacro %}


{% macro fail_if_events_unusable() %}
  {#-
    post-hook on int_event_accounting: stop the build when the event log is mostly unusable rather than
    build on what is left: when no event is usable, when more than event_max_rejected_share of the events
    are rejected (with the commonest reasons and an example of each), or when more than
    event_max_unknown_student_share of the usable events belong to students not in the student file
    (with example ids from both files, since this is usually an id written two ways). One SQL statement
    over the accounting tables: it reads the data when it runs, not while dbt compiles.
  -#}
  {%- if has_event_log() %}
{%- set max_rejected = configured('event_max_rejected_share') %}
{%- set max_unknown = configured('event_max_unknown_student_share') %}
with

accounting as (

    select * from {{ this }}

),

commonest_reasons as (

    select string_agg(format('{}: {:,} events ({:.1f}%), e.g. event {}: {}', rejection_check, events,
                             100 * share_of_events, first_event_row_number, first_reason),
                      chr(10) || '    - ' order by events desc, rejection_check) as reasons
    from (select * from {{ ref('int_event_rejections') }} order by events desc, rejection_check limit 5)

),

unknown_ids as (

    select string_agg(student_id, ''', ''' order by events desc, student_id) as ids
    from (select * from {{ ref('int_event_unknown_students') }} order by events desc, student_id limit 3)

),

known_ids as (

    select string_agg(student_id, ''', ''' order by student_id) as ids
    from (select student_id from {{ ref('stg_students') }} order by student_id limit 3)

),

failures as (

    select
        case when events_used = 0 or events_rejected > {{ sql_number(max_rejected) }} * events_in then
            format('{:,} of {:,} events were rejected', events_rejected, events_in)
            || case when events_used = 0 then ' (none is usable)'
                else ', more than the allowed share event_max_rejected_share = '
                    || {{ sql_string(max_rejected | string) }} end
            || '. Commonest reasons:' || chr(10) || '    - ' || coalesce(commonest_reasons.reasons, '')
            || chr(10) || '  Every rejected event is counted in int_event_rejections, with examples in '
            || 'int_event_reject_examples.'
        end as rejected_failure,
        case when events_used > 0
                and events_of_unknown_students > {{ sql_number(max_unknown) }} * events_used then
            format('{:,} of {:,} usable events belong to students who are not in the student file, more than the '
                   || 'allowed share event_max_unknown_student_share = {}. Event log ids look like ''{}''; student '
                   || 'file ids look like ''{}''. Check event_columns.student_id (and that both files write ids the '
                   || 'same way); the students are listed in int_event_unknown_students.',
                   events_of_unknown_students, events_used,
                   {{ sql_string(max_unknown | string) }},
                   coalesce(unknown_ids.ids, ''), coalesce(known_ids.ids, ''))
        end as unknown_failure
    from accounting
    cross join commonest_reasons
    cross join unknown_ids
    cross join known_ids

)

select error('student-personas event log: the events are not usable as they are:' || chr(10) || '  - '
    || concat_ws(chr(10) || '  - ', rejected_failure, unknown_failure))
from failures
where rejected_failure is not null or unknown_failure is not null
  {%- else %}
select 1
  {%- endif %}
{% endmacro %}
