{{ config(tags=['events']) }}
-- event_features_filled() on a left join from the student file to the event features of one term: every
-- student gets every feature, a student without events the catalog's value_without_events, a student with
-- events their own value. Rows are returned only on a mismatch.
{#- The definitions are read whatever the settings say (they ref the activity types, and a ref dbt
    did not see while parsing fails the model), then kept only with an event log. -#}
{%- set definitions = event_feature_definitions() %}
{%- set features = definitions if has_event_log() else [] %}

with

students as (

    select distinct student_id from {{ ref('stg_students') }}

),

first_term_features as (

    select * from {{ ref('int_student_event_features') }}
    where term = (select min(term) from {{ ref('int_student_event_features') }})

),

catalog as (

    select * from {{ ref('int_event_feature_catalog') }}

),

filled as (

    select
        students.student_id,
        first_term_features.events is not null as has_events
        {{ event_features_filled('first_term_features') }}
    from students
    left join first_term_features using (student_id)

)

{%- if features %}
{%- for feature in features %}

select filled.student_id, '{{ feature.column }}' as feature_column
from filled
left join first_term_features using (student_id)
where filled.{{ feature.column }} is null
   or (not filled.has_events
       and filled.{{ feature.column }} <> (select value_without_events from catalog
                                            where feature_column = '{{ feature.column }}'))
   or (filled.has_events and filled.{{ feature.column }} <> first_term_features.{{ feature.column }})
{{ "union all" if not loop.last }}
{%- endfor %}
{%- else %}

select student_id, null as feature_column from filled where false
{%- endif %}
