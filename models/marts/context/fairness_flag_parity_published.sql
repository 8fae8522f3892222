{{ config(materialized='view') }}
{#- fairness_flag_parity for publication: a metric is shown only when neither its numerator nor its
    denominator is withheld; a withheld count reads 'suppressed'. -#}

with parity as (

    select * from {{ ref('fairness_flag_parity') }}

),

suppression as (

    select cell_id, suppression from {{ ref('cell_suppression') }}

),

metric_cells as (

    select * from (values
        {%- for definition in parity_metrics() %}
        ('{{ definition.metric }}', '{{ definition.numerator_cell }}', '{{ definition.denominator_cell }}')
        {{- ',' if not loop.last }}
        {%- endfor %}
    ) as cells (metric, numerator_cell, denominator_cell)

),

published as (

    select
        parity.protected_attribute,
        parity.group_value,
        parity.metric,
        {{ published_count('parity.numerator', 'numerator.suppression') }} as numerator,
        {{ published_count('parity.denominator', 'denominator.suppression') }} as denominator,
        {{ published_value('parity.rate', 'numerator.suppression', 'denominator.suppression') }} as rate,
        {{ published_value('parity.ci_lower', 'numerator.suppression', 'denominator.suppression') }} as ci_lower,
        {{ published_value('parity.ci_upper', 'numerator.suppression', 'denominator.suppression') }} as ci_upper,
        {{ published_value('parity.difference_from_all_students', 'numerator.suppression', 'denominator.suppression',
            'overall_numerator.suppression', 'overall_denominator.suppression') }} as difference_from_all_students,
        coalesce(numerator.suppression, denominator.suppression) is not null as is_suppressed,
        parity.run_id
    from parity
    inner join metric_cells using (metric)
    left join suppression as numerator
        on numerator.cell_id = {{ parity_cell_key('parity.protected_attribute', 'parity.group_value',
            'metric_cells.numerator_cell') }}
    left join suppression as denominator
        on denominator.cell_id = {{ parity_cell_key('parity.protected_attribute', 'parity.group_value',
            'metric_cells.denominator_cell') }}
    left join suppression as overall_numerator
        on overall_numerator.cell_id = {{ parity_cell_key('parity.protected_attribute', "'All students'",
            'metric_cells.numerator_cell') }}
    left join suppression as overall_denominator
        on overall_denominator.cell_id = {{ parity_cell_key('parity.protected_attribute', "'All students'",
            'metric_cells.denominator_cell') }}

)

select * from published
