{% macro record_in_registry(relation, columns, condition=none) %}
  {#- The rows of `relation` (only `columns`, filtered by `condition`) stamped with this build's persona
      model version, for the append-only registry tables in models/marts/registry. -#}
with version as (

    select model_version from {{ ref('int_persona_model_version') }}

),

fitted as (

    select * from {{ relation }}
    {%- if condition %}
    where {{ condition }}
    {%- endif %}

),

recorded as (

    select
        version.model_version,
        {%- for column in columns %}
        fitted.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from fitted
    cross join version

)

select *, {{ run_id() }} as run_id from recorded
{% endmacro %}
