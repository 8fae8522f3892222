{% macro playbook_direction(level, standardized_difference, declared_levels) -%}
  {#-
    Whether a group's contrast reads as below or above the cohort for the support playbook. A number: by
    the sign of its standardized difference. A level of an ordered categorical column: below when its
    first declared level is more common in the group than in the cohort, above when its last one is.
    Otherwise (middle levels, unordered categories, no contrast) null: no playbook direction.
  -#}
  case
    when ({{ level }}) is null then case
        when ({{ standardized_difference }}) < 0 then 'below'
        when ({{ standardized_difference }}) > 0 then 'above'
    end
    when ({{ standardized_difference }}) > 0 and ({{ level }}) = ({{ declared_levels }})[1] then 'below'
    when ({{ standardized_difference }}) > 0 and ({{ level }}) = ({{ declared_levels }})[-1] then 'above'
  end
{%- endmacro %}
