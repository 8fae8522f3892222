{{ config(post_hook="{{ log_inferred_columns() }}") }}
{#-
  The role and kind of every column: the student file's columns and the declared derived features. This
  is the one table the roles flow from; every other model reads it (macro column_roles), never the vars.

  Fitting: roles come from the vars (declared_roles), and an undeclared column is a feature, numeric when
  at least numeric_share_threshold of its present values are numbers. A scoring run loads the roles,
  kinds, ranges, levels and missing-value policies the stored persona model was fitted with instead, so
  the new file is read exactly as the fitted one was, whatever the current vars say.
-#}
{%- set input_columns = input_column_names() -%}
{%- set scoring = is_scoring_run() -%}
{%- set declared = declared_roles() if not scoring else {} -%}
{%- set categorical = configured('categorical_columns') or {} -%}
{%- set ranges = configured('range_rules') or {} -%}
{%- set derived = (configured('derived_features') or {}) if not scoring else {} -%}
{%- set missing = configured('missing_values') -%}
{%- set missing_overrides = missing.get('columns') or {} -%}
{%- set clipping = configured('clip_outliers') -%}
{%- set clip_overrides = clipping.get('columns') or {} -%}
{%- set term_like = input_fact('term_like_columns') or [] -%}
{#- Columns whose names say they record a protected or socioeconomic attribute (the preflight reads the
    names with student_personas.profiling.protected_meaning): column -> what they record. -#}
{%- set protected_like = input_fact('protected_like_columns') or {} -%}
{%- set decimal_separator = input_fact('decimal_separator') -%}

with students as (

    -- Rows that are no student (every cell empty, or the header again; counted in stg_input_files).
    select * from {{ source('inputs', 'students') }}
    where skipped_as is null

),

normalized as materialized (

    -- Materialized: the profiles below read it in batches of columns, and it is computed once.

    select
        {%- for column in input_columns %}
        {{ normalized_text(sql_identifier(column)) }} as {{ sql_identifier(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from students

),

column_profiles as (

    -- Profiled 16 columns per aggregate: one aggregate with a count(distinct) per column of a wide file
    -- (hundreds of columns) takes minutes and gigabytes on any number of rows.
    {%- for batch in input_columns | batch(16) %}
    {%- set batch_index = loop.index0 %}
    select unnest(profiles, recursive := true)
    from (
        select [
            {%- for column in batch %}
            {%- set value = sql_identifier(column) %}
            {
                'column_name': {{ sql_string(column) }},
                'column_position': {{ batch_index * 16 + loop.index }},
                'row_count': count(*),
                'present_count': count({{ value }}),
                'numeric_count': count({{ parsed_number(value, decimal_separator) }}),
                'distinct_count': count(distinct {{ value }}),
                'folded_distinct_count': count(distinct lower({{ value }})),
                'mean_words': avg(length({{ value }}) - length(replace({{ value }}, ' ', '')) + 1)
            }{{ "," if not loop.last }}
            {%- endfor %}
        ] as profiles
        from normalized
    )
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

declarations as (

    -- One row per column with what the vars say about it.
    select *
    from (values
        {%- for column in input_columns %}
        {%- set policy = missing_overrides.get(column) %}
        (
            {{ sql_string(column) }},
            {{ sql_string(declared.get(column)) }},
            {{ 'true' if column in categorical else 'false' }},
            {{ sql_string_list(categorical[column] | map('string') | list) if categorical.get(column) else 'null::varchar[]' }},
            {{ sql_number(ranges[column][0] if column in ranges else none) }}::double,
            {{ sql_number(ranges[column][1] if column in ranges else none) }}::double,
            {{ sql_string(policy | string if policy is not none else none) }},
            {{ sql_string(clip_overrides.get(column)) }},
            {{ 'true' if column in term_like else 'false' }},
            {{ sql_string(protected_like.get(column)) }}
        ){{ "," if not loop.last }}
        {%- endfor %}
    ) as declared (column_name, declared_role, is_declared_categorical, declared_levels, range_min, range_max,
        missing_override, clip_override, looks_like_term, protected_meaning)

),

{%- if scoring %}

stored_columns as (

    -- The stored persona model's columns, as it was fitted.
    select * from {{ source('persona_registry', 'persona_model_columns') }}
    where model_version = {{ sql_string(scoring_model_version()) }}

),
{%- endif %}

input_roles as (

    select
        column_profiles.column_name,
        column_profiles.column_position,
        'input' as origin,
        {%- if scoring %}
        coalesce(stored_columns.role, 'ignored') as role,
        stored_columns.role is not null as is_declared,
        stored_columns.kind as stored_kind,
        stored_columns.allowed_levels,
        stored_columns.range_min,
        stored_columns.range_max,
        stored_columns.missing_policy as stored_missing_policy,
        stored_columns.missing_constant as stored_missing_constant,
        stored_columns.clip_method as stored_clip_method,
        {%- else %}
        case
            when declarations.declared_role is not null then declarations.declared_role
            when {{ 'true' if configured('feature_columns') is not none else 'false' }} then 'ignored'
            when column_profiles.distinct_count = column_profiles.row_count
                and inputs.names_an_id(column_profiles.column_name) then 'identifier'
            -- Text that nearly every row spells differently identifies people (names, e-mails, other ids) or is
            -- free text (notes): never a feature, never listed by value in anything published.
            else coalesce(inputs.identifying_role(
                column_profiles.numeric_count >= {{ setting('numeric_share_threshold') }} * column_profiles.present_count,
                column_profiles.distinct_count, column_profiles.present_count, column_profiles.mean_words,
                {{ setting('max_category_levels') }}), 'feature')
        end as role,
        declarations.declared_role is not null as is_declared,
        case when declarations.is_declared_categorical then 'categorical' end as stored_kind,
        declarations.declared_levels as allowed_levels,
        declarations.range_min,
        declarations.range_max,
        null::varchar as stored_missing_policy,
        null::varchar as stored_missing_constant,
        null::varchar as stored_clip_method,
        {%- endif %}
        null::varchar as formula,
        declarations.missing_override,
        declarations.clip_override,
        declarations.looks_like_term,
        declarations.protected_meaning,
        column_profiles.row_count,
        column_profiles.present_count,
        column_profiles.numeric_count,
        column_profiles.distinct_count,
        column_profiles.folded_distinct_count,
        column_profiles.mean_words
    from column_profiles
    inner join declarations using (column_name)
    {%- if scoring %}
    left join stored_columns using (column_name)
    {%- endif %}

),

derived_roles as (

    -- Features computed from other columns (var derived_features, or the stored model's when scoring).
    {%- if scoring %}
    select
        column_name,
        {{ input_columns | length }} + row_number() over (order by column_position) as column_position,
        origin,
        role,
        true as is_declared,
        kind as stored_kind,
        allowed_levels,
        range_min,
        range_max,
        missing_policy as stored_missing_policy,
        missing_constant as stored_missing_constant,
        clip_method as stored_clip_method,
        formula,
        null::varchar as missing_override,
        null::varchar as clip_override,
        false as looks_like_term,
        null::bigint as row_count,
        null::bigint as present_count,
        null::bigint as numeric_count,
        null::bigint as distinct_count,
        null::bigint as folded_distinct_count,
        null::double as mean_words
    from stored_columns
    where origin = 'derived'
    {%- else %}
    select *
    from (values
        {%- for name, expression in derived.items() %}
        (
            {{ sql_string(name) }}, {{ input_columns | length + loop.index }}, 'derived', 'feature', true,
            'numeric', null::varchar[], null::double, null::double, null::varchar, null::varchar, null::varchar,
            {{ sql_string(expression) }}, {{ sql_string(missing_overrides.get(name) | string if missing_overrides.get(name) is not none else none) }},
            {{ sql_string(clip_overrides.get(name)) }}, false, null::bigint, null::bigint, null::bigint, null::bigint,
            null::bigint, null::double
        ){{ "," if not loop.last }}
        {%- else %}
        (null::varchar, null::bigint, null, null, null, null, null::varchar[], null::double, null::double,
         null::varchar, null::varchar, null::varchar, null::varchar, null::varchar, null::varchar, null::boolean,
         null::bigint, null::bigint, null::bigint, null::bigint, null::bigint, null::double)
        {%- endfor %}
    ) as derived (column_name, column_position, origin, role, is_declared, stored_kind, allowed_levels, range_min,
        range_max, stored_missing_policy, stored_missing_constant, stored_clip_method, formula, missing_override,
        clip_override, looks_like_term, row_count, present_count, numeric_count, distinct_count,
        folded_distinct_count, mean_words)
    where column_name is not null
    {%- endif %}

),

all_roles as (

    select * from input_roles
    union all by name
    select * from derived_roles

),

kinds as (

    select
        *,
        case
            when role not in ('feature', 'protected', 'label_source') then null
            when stored_kind is not null then stored_kind
            when range_min is not null or range_max is not null then 'numeric'
            -- A protected attribute is grouped as a number only when it has many values (an age); a 0/1 or
            -- 1-5 code keeps its levels.
            when role = 'protected' and distinct_count <= 10 then 'categorical'
            when present_count > 0
                and numeric_count >= {{ setting('numeric_share_threshold') }} * present_count then 'numeric'
            else 'categorical'
        end as kind
    from all_roles

),

policies as (

    -- How a missing feature value is filled and whether extreme values are clipped (learned values are
    -- in int_feature_preparation).
    select
        *,
        case
            when role <> 'feature' then null
            when stored_missing_policy is not null then stored_missing_policy
            when missing_override in ('reject', 'median', 'mean', 'mode', 'level') then missing_override
            when missing_override is not null then 'constant'
            when kind = 'numeric' then {{ sql_string(missing.get('numeric', 'median') if missing.get('numeric', 'median') is string else 'constant') }}
            else {{ sql_string(missing.get('categorical', 'level') if missing.get('categorical', 'level') in ['reject', 'mode', 'level'] else 'constant') }}
        end as missing_policy,
        case
            when role <> 'feature' then null
            when stored_missing_policy is not null then stored_missing_constant
            when missing_override is not null and missing_override not in ('reject', 'median', 'mean', 'mode', 'level')
                then missing_override
            when kind = 'numeric' then {{ sql_string(missing.get('numeric') if missing.get('numeric') is number else none) }}
            else {{ sql_string(missing.get('categorical') if missing.get('categorical') not in ['reject', 'mode', 'level'] else none) }}
        end as missing_constant,
        case
            when role <> 'feature' or kind <> 'numeric' then null
            when stored_clip_method is not null then stored_clip_method
            else coalesce(clip_override, {{ sql_string(clipping.get('method', 'quantile')) }})
        end as clip_method
    from kinds

),

explained as (

    select
        column_name,
        column_position,
        origin,
        role,
        kind,
        is_declared,
        allowed_levels,
        range_min,
        range_max,
        missing_policy,
        missing_constant,
        clip_method,
        formula,
        row_count,
        present_count,
        numeric_count,
        distinct_count,
        folded_distinct_count,
        mean_words,
        role in ('feature', 'protected', 'label') and kind is distinct from 'numeric'
            and folded_distinct_count < distinct_count as has_case_variants,
        looks_like_term and role = 'feature' as looks_like_term,
        case when role = 'feature' then protected_meaning end as protected_meaning,
        concat_ws('; ',
            case
                when origin = 'derived' then 'derived feature: ' || formula
                when {{ 'true' if scoring else 'false' }} and role = 'ignored' then 'not a column of the stored persona model; not used'
                when {{ 'true' if scoring else 'false' }} then 'as in the stored persona model: ' || role
                when role = 'ignored' and is_declared then 'declared ignored'
                when role = 'ignored' and {{ 'true' if configured('feature_columns') is not none else 'false' }}
                    then 'not listed in feature_columns; not used'
                when role = 'identifier' and numeric_count >= present_count then 'looks like an identifier (every '
                    || 'value is distinct and the name ends in id or key): not a feature (declare it as id_column, or '
                    || 'list it in feature_columns to use it)'
                when role = 'identifier' then format('identifying text: {} distinct values in {} present cells (names, '
                    || 'e-mails or ids tell who a student is): never a feature and never published by value '
                    || '(declare it as id_column, or in excluded_columns to say so)', distinct_count, present_count)
                when role = 'free_text' then format('free text: {} distinct values of {:.1f} words on average '
                    || '(notes): never a feature and never published by value', distinct_count, mean_words)
                when role not in ('feature', 'protected', 'label_source') then 'declared ' || role
                when is_declared and stored_kind = 'categorical' then 'declared ' || role || ', categorical'
                when kind = 'numeric' then format('{} {}, numeric: {} of {} present values are numbers',
                    case when is_declared then 'declared' else 'inferred' end, role, numeric_count, present_count)
                else format('{} {}, categorical: {} of {} present values are numbers',
                    case when is_declared then 'declared' else 'inferred' end, role, numeric_count, present_count)
            end,
            case when looks_like_term and role = 'feature' then 'looks like a term or presentation code: later '
                || 'terms would hold values the model never saw (declare it as term_column or excluded)' end,
            case when protected_meaning is not null and role = 'feature' then 'its name says it records '
                || protected_meaning || ': as a feature it shapes the personas (declare it in protected_columns to '
                || 'audit it instead)' end,
            case when role = 'label_source' then 'read by label_expression, so never a feature' end
        ) as role_note
    from policies

)

select * from explained
