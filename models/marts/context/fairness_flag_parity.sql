{#-
  Does the RED-tier flag of the context indicator treat protected groups alike? For every protected
  attribute and group, against the label: the flag rate (demographic parity), the true and false positive
  rates (equalized odds), and the positive and negative predictive values (predictive value parity), each
  with its counts and a Wilson 95% interval, next to the same metric for all students. Raw counts; publish
  fairness_flag_parity_published instead. Empty when no label is declared.
-#}

with indicator as (

    select student_id, term, tier = 'RED' as is_flagged from {{ ref('student_context_indicator') }}

),

groups as (

    select * from {{ ref('int_student_protected_groups') }}

),

labels as (

    select student_id, term, label_value = 1 as is_positive from {{ ref('int_student_labels') }}

),

outcomes as (

    select groups.protected_attribute, groups.group_value, indicator.is_flagged, labels.is_positive
    from groups
    inner join indicator using (student_id, term)
    inner join labels using (student_id, term)
    union all
    select distinct_attributes.protected_attribute, 'All students', indicator.is_flagged, labels.is_positive
    from indicator
    inner join labels using (student_id, term)
    cross join (select distinct protected_attribute from groups) as distinct_attributes

),

confusion as (

    select
        protected_attribute,
        group_value,
        count(*) as n_students,
        count(*) filter (where is_flagged and is_positive) as true_positives,
        count(*) filter (where is_flagged and not is_positive) as false_positives,
        count(*) filter (where not is_flagged and is_positive) as false_negatives,
        count(*) filter (where not is_flagged and not is_positive) as true_negatives
    from outcomes
    group by protected_attribute, group_value

),

metrics as (

    {%- for definition in parity_metrics() %}
    select protected_attribute, group_value, n_students, '{{ definition.metric }}' as metric,
        {{ definition.numerator }} as numerator, {{ definition.denominator }} as denominator
    from confusion
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

with_intervals as (

    select
        protected_attribute,
        group_value,
        metric,
        n_students,
        numerator,
        denominator,
        numerator::double / nullif(denominator, 0) as rate,
        {{ wilson_lower('numerator', 'denominator') }} as ci_lower,
        {{ wilson_upper('numerator', 'denominator') }} as ci_upper
    from metrics

),

compared as (

    select
        with_intervals.*,
        overall.rate as all_students_rate,
        with_intervals.rate - overall.rate as difference_from_all_students
    from with_intervals
    left join with_intervals as overall
        on overall.protected_attribute = with_intervals.protected_attribute
        and overall.metric = with_intervals.metric
        and overall.group_value = 'All students'

)

select *, {{ run_id() }} as run_id from compared
