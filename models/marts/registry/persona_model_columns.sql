{#- Persona model registry: the columns each model version was fitted with (roles, kinds, ranges, missing-value
    and clipping policies, derived-feature formulas, and the levels it knows), so a scoring run reads a new
    file exactly as the fitted one was read. -#}

with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

roles as (

    select * from {{ ref('int_column_roles') }}
    where role in ('id', 'term', 'feature')

),

encoded_levels as (

    select source_column as column_name, list(level order by level_order) as encoded_levels
    from {{ ref('int_feature_encoding') }}
    where is_used and feature_kind = 'one_hot'
    group by source_column

),

recorded as (

    select
        version.model_version,
        roles.column_name,
        roles.column_position,
        roles.origin,
        roles.role,
        roles.kind,
        coalesce(encoded_levels.encoded_levels, roles.allowed_levels) as allowed_levels,
        roles.range_min,
        roles.range_max,
        roles.missing_policy,
        roles.missing_constant,
        roles.clip_method,
        roles.formula,
        roles.event_activity_type
    from roles
    left join encoded_levels using (column_name)
    cross join version

)

select *, {{ run_id() }} as run_id from recorded
