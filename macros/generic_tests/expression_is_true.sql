{% test expression_is_true(model, expression, column_name=none) %}
{#- Fails on rows where the boolean expression is not true. -#}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
