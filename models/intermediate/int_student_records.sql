{#-
  One row per valid student record (student_id, term): the typed columns of stg_students (with the parts
  of a composite id), the student's event features for the term (int_student_event_features; a student
  without events gets the catalog's values without events), the derived features computed from both,
  whether the record belongs to the reference cohort the personas describe (var reference_terms; every
  record when null; a scoring run's records are never reference), whether the event log holds any usable
  event of it (has_recorded_events; null without an event log), and whether the persona model is fitted
  on it (is_fitted: every reference record, or with event_fit_covered_only only those with events; the
  others are then placed by the fitted model, their event features left missing, since the log does not
  cover them, and filled by the fitted medians).
-#}
{%- set roles = column_roles() -%}
{%- set file_columns = roles | selectattr('origin', 'equalto', 'input') | list -%}
{%- set event_features = roles | selectattr('origin', 'equalto', 'events') | list -%}
{%- set derived = roles | selectattr('origin', 'equalto', 'derived') | list -%}
{#- An event log with a term column joins on (student_id, term); one without is a single period and
    joins on student_id (the preflight requires both files to have terms or neither). -#}
{%- set event_key = ['student_id', 'term'] if event_log_layout().get('term') else ['student_id'] -%}
{%- set reference_terms = configured('reference_terms') -%}
{%- set covered_only = configured('event_fit_covered_only') and event_features | length > 0 -%}
{#- The parts of a composite id are kept beside student_id; a single id column is student_id itself. -#}
{%- set kept = [] -%}
{%- for column in file_columns if column.role != 'term' and (column.role != 'id' or columns_with(roles, 'id') | length > 1) -%}
  {%- do kept.append(column) -%}
{%- endfor -%}

with students as (

    select * from {{ ref('stg_students') }}
    where passed_validation

),

event_features as (

    select * from {{ ref('int_student_event_features') }}

),

event_catalog as (

    select * from {{ ref('int_event_feature_catalog') }}

),

with_events as (

    select
        students.*,
        {%- if event_features %}
        event_features.student_id is not null as has_recorded_events
        {%- else %}
        null::boolean as has_recorded_events
        {%- endif %}
        {%- for feature in event_features %}
        {%- set name = sql_identifier(feature.column_name) %},
        {%- if covered_only %}
        event_features.{{ name }}
        {%- else %}
        coalesce(event_features.{{ name }},
            (select value_without_events from event_catalog where feature_column = {{ sql_string(feature.column_name) }}))
        {%- endif %}
            as {{ name }}
        {%- endfor %}
    from students
    left join event_features using ({{ event_key | join(', ') }})

),

records as (

    select
        student_id,
        term,
        {%- if is_scoring_run() %}
        false as is_reference,
        {%- elif reference_terms %}
        term in (select unnest({{ sql_string_list(reference_terms | map('string') | list) }})) as is_reference,
        {%- else %}
        true as is_reference,
        {%- endif %}
        has_recorded_events,
        source_row_number,
        label_value,
        {%- for column in kept + event_features %}
        {{ sql_identifier(column.column_name) }}{{ "," if not loop.last or derived }}
        {%- endfor %}
        {%- for column in derived %}
        -- {{ column.column_name }}: a declared derived feature; a non-finite result counts as missing.
        case when isfinite(cast(({{ column.formula }}) as double)) then cast(({{ column.formula }}) as double) end
            as {{ sql_identifier(column.column_name) }}{{ "," if not loop.last }}
        {%- endfor %}
    from with_events

)

select
    records.*,
    is_reference{{ ' and has_recorded_events' if covered_only }} as is_fitted
from records
