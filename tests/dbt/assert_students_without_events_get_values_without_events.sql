{{ config(tags=['events']) }}
-- Every student record of int_student_records gets every event feature as int_student_event_features has
-- it when the log holds events of the record, else the catalog's value_without_events (null: missing, for
-- timing and mix features; every feature null with event_fit_covered_only). Rows only on a mismatch.
{%- set definitions = event_feature_definitions() %}
{%- set features = definitions if has_event_log() else [] %}
{%- set covered_only = configured('event_fit_covered_only') %}
{%- set event_key = ['student_id', 'term'] if event_log_layout().get('term') else ['student_id'] %}

with

records as (

    select * from {{ ref('int_student_records') }}

),

event_features as (

    select * from {{ ref('int_student_event_features') }}

),

catalog as (

    select * from {{ ref('int_event_feature_catalog') }}

)

{%- if features %}
{%- for feature in features %}

select records.student_id, records.term, '{{ feature.column }}' as feature_column
from records
left join event_features using ({{ event_key | join(', ') }})
where records.has_recorded_events is distinct from (event_features.student_id is not null)
   or (records.has_recorded_events
       and records.{{ feature.column }} is distinct from event_features.{{ feature.column }})
   or (not records.has_recorded_events
       and records.{{ feature.column }} is distinct from
       {%- if covered_only %} null
       {%- else %} (select value_without_events from catalog where feature_column = '{{ feature.column }}')
       {%- endif %})
{{ "union all" if not loop.last }}
{%- endfor %}
{%- else %}

select student_id, term, null as feature_column from records where false
{%- endif %}
