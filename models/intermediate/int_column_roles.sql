{#-
  The role and kind of every column the persona model can use, in the order the models write them: the
  student file's columns (stg_column_roles), then the event features (int_event_feature_catalog: numeric
  features, origin 'events'), then the derived features, which may read both. Every model after staging
  reads the roles from here (macro column_roles).

  A scoring run uses the event features the stored persona model was fitted with: a stored event feature
  that the scored event log cannot produce (event vars changed since fitting) stops the run, naming it.
-#}
{%- set scoring = is_scoring_run() %}
{%- set missing = configured('missing_values') %}

with

file_roles as (

    select * from {{ ref('stg_column_roles') }}

),

event_catalog as (

    select * from {{ ref('int_event_feature_catalog') }}

),

{%- if scoring %}

stored_event_features as (

    select column_name, column_position, missing_policy, clip_method, event_activity_type
    from {{ source('persona_registry', 'persona_model_columns') }}
    where model_version = {{ sql_string(scoring_model_version()) }} and origin = 'events'

),

event_features as (

    -- the stored model's event features, in its order
    select
        stored_event_features.column_name,
        stored_event_features.column_position as event_position,
        stored_event_features.missing_policy,
        stored_event_features.clip_method,
        stored_event_features.event_activity_type,
        case
            when event_catalog.feature_column is null then error(
                'student-personas scoring: the stored persona model was fitted with the event feature '
                || stored_event_features.column_name || ', which the event log being scored does not produce '
                || '(the event vars, such as event_windows, differ from the fitting run''s)')
            else event_catalog.formula
        end as formula
    from stored_event_features
    left join event_catalog on event_catalog.feature_column = stored_event_features.column_name

),
{%- else %}

event_features as (

    select
        feature_column as column_name,
        feature_position as event_position,
        -- a student without events has no timing value: it is filled like a missing number, by the fitted
        -- median (or mean), never rejected or set to a constant
        {%- set numeric_missing = missing.get('numeric', 'median') %}
        {{ sql_string(numeric_missing if numeric_missing in ['median', 'mean'] else 'median') }} as missing_policy,
        {%- set clip_overrides = (configured('clip_outliers') or {}).get('columns') or {} %}
        {%- set clip_default = sql_string((configured('clip_outliers') or {}).get('method', 'quantile')) %}
        {%- if clip_overrides %}
        case feature_column
            {%- for column, method in clip_overrides.items() %}
            when {{ sql_string(column) }} then {{ sql_string(method) }}
            {%- endfor %}
            else {{ clip_default }}
        end as clip_method,
        {%- else %}
        {{ clip_default }} as clip_method,
        {%- endif %}
        formula,
        activity_type as event_activity_type
    from event_catalog

),
{%- endif %}

event_roles as (

    select
        column_name,
        'events' as origin,
        'feature' as role,
        'numeric' as kind,
        true as is_declared,
        cast(null as varchar[]) as allowed_levels,
        cast(null as double) as range_min,
        cast(null as double) as range_max,
        missing_policy,
        cast(null as varchar) as missing_constant,
        clip_method,
        formula,
        false as has_case_variants,
        false as looks_like_term,
        cast(null as varchar) as protected_meaning,
        'event feature: ' || formula as role_note,
        event_activity_type,
        event_position
    from event_features

),

ordered as (

    select
        file_roles.* exclude (column_position),
        cast(null as varchar) as event_activity_type,
        case origin when 'input' then 0 when 'events' then 1 else 2 end as origin_rank,
        column_position as rank_within_origin
    from file_roles
    union all by name
    select
        event_roles.* exclude (event_position),
        1 as origin_rank,
        event_position as rank_within_origin
    from event_roles

)

select
    * exclude (origin_rank, rank_within_origin),
    cast(row_number() over (order by origin_rank, rank_within_origin) as bigint) as column_position
from ordered
