{{ config(tags=['events']) }}
{#-
  The activity types of the used events, ranked by total amount. The event_activity_types_max largest
  get a share feature (event_share_<type>, named from the type's text; a rank suffix keeps names unique);
  a scoring run uses the stored persona model's types instead.
-#}
{%- set types_max = configured('event_activity_types_max') %}

with

used_events as (

    select * from {{ ref('int_event_log_summary') }}
    where rejection_check is null and activity_type is not null

),

types as (

    select
        activity_type,
        cast(sum(events) as {{ dbt.type_bigint() }}) as events,
        sum(amount) as amount
    from used_events
    group by activity_type

),

ranked as (

    select
        *,
        row_number() over (order by amount desc, events desc, activity_type) as amount_rank,
        amount / nullif(sum(amount) over (), 0) as amount_share,
        'event_share_' || coalesce(
            nullif(left(trim(regexp_replace(lower(activity_type), '[^a-z0-9]+', '_', 'g'), '_'), 40), ''),
            'type'
        ) as name_stem
    from types

),

named as (

    select
        *,
        case
            when count(*) over (partition by name_stem) > 1 or name_stem = 'event_share_type'
                then name_stem || '_' || amount_rank
            else name_stem
        end as share_column
    from ranked
    where amount_rank <= {{ types_max }}

)

{%- if is_scoring_run() %},

stored_shares as (

    -- a scoring run computes the shares the stored persona model was fitted with, whatever the new log's
    -- commonest types are (a stored type absent from the new log gets a share of 0)
    select event_activity_type as activity_type, column_name as feature_column
    from {{ source('persona_registry', 'persona_model_columns') }}
    where model_version = {{ sql_string(scoring_model_version()) }} and event_activity_type is not null

)

select
    coalesce(ranked.activity_type, stored_shares.activity_type) as activity_type,
    coalesce(ranked.events, 0) as events,
    coalesce(ranked.amount, 0) as amount,
    coalesce(ranked.amount_share, 0) as amount_share,
    ranked.amount_rank,
    stored_shares.feature_column
from ranked
full outer join stored_shares using (activity_type)

{%- else %}

select
    ranked.activity_type,
    ranked.events,
    ranked.amount,
    ranked.amount_share,
    ranked.amount_rank,
    named.share_column as feature_column
from ranked
left join named using (activity_type)

{%- endif %}
