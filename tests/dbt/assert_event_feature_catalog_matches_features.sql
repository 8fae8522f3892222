{{ config(tags=['events']) }}
-- Every feature in the catalog is a column of int_student_event_features, and every column of it other
-- than the key and the event count is in the catalog. Without an event log the catalog is empty.
{%- set has_events = has_event_log() %}
with

feature_columns as (

    select column_name as feature_column
    from information_schema.columns
    where table_name = 'int_student_event_features'
      and table_schema = '{{ ref("int_student_event_features").schema }}'
      and column_name not in ('student_id', 'term', 'events')
      and {{ 'true' if has_events else 'false' }}

),

catalog as (

    select feature_column from {{ ref('int_event_feature_catalog') }}

)

select coalesce(feature_columns.feature_column, catalog.feature_column) as feature_column,
       case when catalog.feature_column is null then 'not in the catalog' else 'not a column' end as problem
from feature_columns
full outer join catalog using (feature_column)
where feature_columns.feature_column is null or catalog.feature_column is null
