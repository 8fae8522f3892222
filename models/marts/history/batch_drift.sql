{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail', tags=['scoring'],
          pre_hook="{{ replace_current_batch() }}") }}
{#-
  How each batch's records compare with the cohort the persona model was fitted on, per term: the persona
  mix (share of records per persona against the fitted shares) and every feature's mean (in fitted-cohort
  standard deviations; for a level of a category, its share). Kept for every batch: a fitting build's
  batch 'fit' compares each term with the reference cohort, each scoring run its own records.
  is_notable marks a persona share 10 points or more away, or a feature mean half a standard deviation or
  more away: a sign that the students have changed since the model was fitted.
-#}
{% if not is_scoring_run() %}
-- depends_on: {{ ref('int_persona_model_version') }}
{% endif %}
{%- set version = current_model_version() -%}

with fitted_features as (

    {%- if is_scoring_run() %}
    select * from {{ source('persona_registry', 'persona_model_features') }}
    where model_version = {{ sql_string(version) }}
    {%- else %}
    select * from {{ ref('int_feature_encoding') }}
    where is_used
    {%- endif %}

),

fitted_personas as (

    {%- if is_scoring_run() %}
    select persona_id, persona_name, share from {{ source('persona_registry', 'persona_model_personas') }}
    where model_version = {{ sql_string(version) }}
    {%- else %}
    select persona_id, any_value(names.persona_name) as persona_name, count(*) / sum(count(*)) over () as share
    from {{ ref('int_persona_assignments') }}
    inner join {{ ref('int_persona_names') }} as names using (persona_id)
    where is_reference
    group by persona_id
    {%- endif %}

),

prepared_values as (

    select * from {{ ref('int_student_prepared_values') }}

),

assignments as (

    select * from {{ ref('int_persona_assignments') }}

),

term_sizes as (

    select term, count(*) as n_students from assignments group by term

),

batch_features as (

    select
        prepared_values.term,
        fitted_features.feature,
        count(*) as n_students,
        -- exact_mean: a floating-point avg sums in whatever order DuckDB's threads finish, so identical builds
        -- differed at the 14th decimal.
        {{ exact_mean("case when fitted_features.feature_kind = 'one_hot' then (prepared_values.level = "
            ~ "fitted_features.level)::double else prepared_values.value end") }} as batch_value
    from prepared_values
    inner join fitted_features
        on (fitted_features.feature_kind = 'numeric' and fitted_features.feature = prepared_values.feature_column)
        or (fitted_features.feature_kind = 'one_hot' and fitted_features.source_column = prepared_values.feature_column)
    group by prepared_values.term, fitted_features.feature

),

feature_drift as (

    select
        batch_features.term,
        'feature_mean' as aspect,
        fitted_features.feature as item,
        batch_features.n_students,
        fitted_features.mean_value as fitted_value,
        batch_features.batch_value,
        batch_features.batch_value - fitted_features.mean_value as difference,
        {{ standardized_difference('batch_features.batch_value', 'fitted_features.mean_value', 'fitted_features.sd_value') }}
            as standardized_difference
    from batch_features
    inner join fitted_features using (feature)

),

persona_mix as (

    select
        term_sizes.term,
        'persona_mix' as aspect,
        fitted_personas.persona_name as item,
        term_sizes.n_students,
        fitted_personas.share as fitted_value,
        coalesce(count(assignments.student_id), 0)::double / term_sizes.n_students as batch_value
    from term_sizes
    cross join fitted_personas
    left join assignments
        on assignments.term = term_sizes.term and assignments.persona_id = fitted_personas.persona_id
    group by term_sizes.term, fitted_personas.persona_name, fitted_personas.share, term_sizes.n_students

),

all_drift as (

    select * from feature_drift
    union all
    select term, aspect, item, n_students, fitted_value, batch_value, batch_value - fitted_value, null::double
    from persona_mix

)

select
    {{ sql_string(batch_id()) }} as batch_id,
    {{ sql_string(version) }} as model_version,
    term,
    aspect,
    item,
    n_students,
    fitted_value,
    batch_value,
    difference,
    standardized_difference,
    case aspect
        when 'persona_mix' then abs(difference) >= 0.10
        else abs(standardized_difference) >= 0.5
    end as is_notable,
    {{ run_id() }} as run_id
from all_drift
