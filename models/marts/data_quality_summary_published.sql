{{ config(materialized='view') }}
{#- data_quality_summary for publication (the data-quality page and the published exports read this): the
    label's prevalence and the missing values of protected columns (their "(not recorded)" group) are
    counts by label or protected group, so they follow small-cell suppression ('suppressed', and no rate
    or interval derived from them). Every other check counts rows or columns and is published as it is. -#}

with summary as (

    select * from {{ ref('data_quality_summary') }}

),

protected_columns as (

    select column_name from {{ ref('int_column_roles') }}
    where role = 'protected'

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

published as (

    select
        summary.check_name,
        summary.column_name,
        summary.detail,
        {{ published_count('summary.count', 'cells.suppression') }} as count,
        summary.denominator,
        {{ published_value('summary.rate', 'cells.suppression') }} as rate,
        {{ published_value('summary.ci_lower', 'cells.suppression') }} as ci_lower,
        {{ published_value('summary.ci_upper', 'cells.suppression') }} as ci_upper,
        cells.suppression is not null as is_suppressed,
        summary.run_id
    from summary
    left join suppression as cells
        on cells.cell_id = case
            when summary.check_name = 'label_prevalence' then {{ cell_key("'label'", "'positive'") }}
            when summary.check_name = 'missing_values'
                and summary.column_name in (select column_name from protected_columns)
                then {{ cell_key("'missing'", 'summary.column_name') }}
        end

)

select * from published
