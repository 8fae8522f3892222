{{ config(tags=['events']) }}
{#-
  One row per event feature of int_student_event_features: its column, origin 'events', the formula in
  words and as the SQL that computes it, a description, and the value a student without events gets (null
  for timing and mix features: missing, filled by the fitted median). Empty without an event log.
-#}
{#- The definitions are read whatever the settings say (they ref the activity types, and a ref dbt
    did not see while parsing fails the model), then kept only with an event log. -#}
{%- set definitions = event_feature_definitions() %}
{%- set features = definitions if has_event_log() else [] %}

{%- if features %}

with features as (

    select * from (values
    {%- for feature in features %}
        ({{ loop.index }}, {{ sql_string(feature.column) }}, {{ sql_string(feature.formula) }},
         {{ sql_string(feature.expression) }}, {{ sql_string(feature.description) }},
         {{ sql_string(feature.get('activity_type')) }}, {{ sql_string(feature.value_without_events) }}){{ "," if not loop.last }}
    {%- endfor %}
    ) as features (feature_position, feature_column, formula, formula_sql, description, activity_type, fill_rule)

)

select
    features.feature_position,
    features.feature_column,
    'events' as origin,
    features.formula,
    features.formula_sql,
    features.description,
    features.activity_type,
    cast(nullif(features.fill_rule, 'missing') as {{ type_double() }}) as value_without_events
from features

{%- else %}

select
    cast(null as integer) as feature_position,
    cast(null as {{ dbt.type_string() }}) as feature_column,
    cast(null as {{ dbt.type_string() }}) as origin,
    cast(null as {{ dbt.type_string() }}) as formula,
    cast(null as {{ dbt.type_string() }}) as formula_sql,
    cast(null as {{ dbt.type_string() }}) as description,
    cast(null as {{ dbt.type_string() }}) as activity_type,
    cast(null as {{ type_double() }}) as value_without_events
where false

{%- endif %}
