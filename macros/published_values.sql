{% macro published_count(count_expression, suppression_expression) -%}
  {#- A count as published: '<N' for primary suppression, 'suppressed' for complementary cells. -#}
  case
    when {{ suppression_expression }} = 'primary' then '<{{ var("min_cell_size") }}'
    when {{ suppression_expression }} = 'secondary' then 'suppressed'
    else cast({{ count_expression }} as varchar)
  end
{%- endmacro %}

{% macro published_value(value_expression) -%}
  {#- A rate or statistic as published: null whenever any count it derives from is suppressed. The
      suppression expressions of those counts follow `value_expression` as further arguments. -#}
  case when {% for expression in varargs %}{{ expression }} is null{{ " and " if not loop.last }}{% endfor %}
    then {{ value_expression }} end
{%- endmacro %}

{% macro label_signal_audit_enabled() -%}
  {#- Whether the opt-in label_signal_audit model is on (var label_signal_audit, as its `enabled` config
      reads it): models that read it when it exists ask this first, since a disabled model cannot be
      ref'd. -#}
  {{ return((var('label_signal_audit') | string | lower) in ['true', '1', 'yes']) }}
{%- endmacro %}
