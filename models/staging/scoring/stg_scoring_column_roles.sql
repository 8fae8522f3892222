{#-
  Roles of the columns of the file to score, taken from the stored model (not inferred from the new
  file): the id and the model's feature columns, with the model's kinds, range rules and categorical
  levels. Every other column is ignored (labels and protected attributes are not needed to score).
-#}
{%- set scoring_input = ref('stg_scoring_input') -%}
{%- set input_columns = [] -%}
{%- if execute -%}
  {%- for column in adapter.get_columns_in_relation(scoring_input) if column.name != 'source_row_number' -%}
    {%- do input_columns.append(column.name) -%}
  {%- endfor -%}
{%- endif -%}

with model as (

    select model_version from {{ ref('stg_scoring_model') }}

),

model_columns as (

    select * from {{ ref('persona_model_columns') }}
    semi join model using (model_version)

),

model_levels as (

    select source_column as column_name, list(level order by level_order) as model_levels
    from {{ ref('persona_model_features') }}
    semi join model using (model_version)
    where feature_kind = 'one_hot'
    group by source_column

),

input_columns as (

    select * from (values
        {%- for column in input_columns %}
        ({{ sql_string(column) }}, {{ loop.index }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as columns (column_name, column_position)

),

roles as (

    select
        input_columns.column_name,
        input_columns.column_position,
        case when model_columns.role in ('id', 'feature') then model_columns.role else 'ignored' end as role,
        case when model_columns.role = 'feature' then model_columns.kind end as kind,
        case when model_columns.role = 'feature' then model_columns.range_min end as range_min,
        case when model_columns.role = 'feature' then model_columns.range_max end as range_max,
        model_levels.model_levels
    from input_columns
    left join model_columns using (column_name)
    left join model_levels using (column_name)

)

select * from roles
