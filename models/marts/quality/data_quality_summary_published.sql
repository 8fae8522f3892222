{{ config(materialized='view') }}
{#- data_quality_summary for publication (the data-quality page and the published exports read this). Counts
    by label or protected group follow small-cell suppression ('suppressed', and no rate or interval derived
    from them): the label's prevalence, rows rejected by a check of a label or protected column, and a
    protected column's missing values, which are published for the fitted cohort only (its "(not recorded)"
    group in the composition tables: a count of rejected rows without a protected value would relate rows
    outside the cohort to a protected attribute). Every other check counts rows or columns and is published
    as it is. -#}

with summary as (

    select * from {{ ref('data_quality_summary') }}

),

sensitive_columns as (

    select column_name, role from {{ ref('int_column_roles') }}
    where role in ('protected', 'label', 'label_source')

),

not_recorded as (

    -- Each protected column's "(not recorded)" group in the fitted cohort (0 students when it has none).
    select column_name, coalesce(groups.group_total, 0) as n_students
    from sensitive_columns
    left join (
        select distinct protected_attribute, group_total from {{ ref('fairness_composition') }}
        where group_value = '(not recorded)'
    ) as groups on groups.protected_attribute = sensitive_columns.column_name
    where sensitive_columns.role = 'protected'

),

cohort as (

    select count(*) as n_students from {{ ref('persona_assignments') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

pooled as (

    -- A protected column's missing values, counted in the fitted cohort.
    select
        summary.check_name,
        summary.column_name,
        case when not_recorded.column_name is not null then 'empty or missing-token cells in the fitted cohort'
            else summary.detail end as detail,
        case when not_recorded.column_name is not null then not_recorded.n_students else summary.count end as count,
        case when not_recorded.column_name is not null then (select n_students from cohort)
            else summary.denominator end as denominator,
        not_recorded.column_name is not null as is_cohort_count,
        summary.rate,
        summary.ci_lower,
        summary.ci_upper,
        summary.run_id
    from summary
    left join not_recorded
        on summary.check_name = 'missing_values' and not_recorded.column_name = summary.column_name

),

published as (

    select
        pooled.check_name,
        pooled.column_name,
        pooled.detail,
        {{ published_count('pooled.count', 'cells.suppression') }} as count,
        pooled.denominator,
        {{ published_value('case when pooled.is_cohort_count then pooled.count::double / nullif(pooled.denominator, 0) '
            ~ 'else pooled.rate end', 'cells.suppression') }} as rate,
        {{ published_value('pooled.ci_lower', 'cells.suppression') }} as ci_lower,
        {{ published_value('pooled.ci_upper', 'cells.suppression') }} as ci_upper,
        cells.suppression is not null as is_suppressed,
        pooled.run_id
    from pooled
    left join suppression as cells
        on cells.cell_id = case
            when pooled.check_name = 'label_prevalence' then {{ cell_key("'label'", "'positive'") }}
            when pooled.is_cohort_count then {{ cell_key("'group'", 'pooled.column_name', "'(not recorded)'") }}
            when pooled.check_name in ('rejected_by_check', 'range_violation')
                and pooled.column_name in (select column_name from sensitive_columns)
                then {{ cell_key("'quality'", 'pooled.check_name', 'pooled.column_name', 'pooled.detail') }}
        end

)

select * from published
