{#-
  Statistics that are formulas live here once. Each is checked against hand-computed values by the
  singular tests in tests/dbt/ and by dbt unit tests on the models that use them.
-#}

{% macro wilson_bound(successes, trials, side, z=1.96) -%}
  {#-
    One bound of the Wilson score interval for a binomial proportion successes/trials. Unlike the
    normal approximation it stays inside [0, 1] and is honest for rare outcomes (a 1.8% label).
    Null when trials = 0.
  -#}
  case when ({{ trials }}) > 0 then {{ 'greatest(0.0, ' if side == 'lower' else 'least(1.0, ' }}(
      ({{ successes }})::double / ({{ trials }})
      + ({{ z }}) ^ 2 / (2.0 * ({{ trials }}))
      {{ '-' if side == 'lower' else '+' }} ({{ z }}) * sqrt(
          ({{ successes }})::double / ({{ trials }}) * (1 - ({{ successes }})::double / ({{ trials }})) / ({{ trials }})
          + ({{ z }}) ^ 2 / (4.0 * ({{ trials }}) ^ 2))
  ) / (1 + ({{ z }}) ^ 2 / ({{ trials }}))) end
{%- endmacro %}

{% macro wilson_lower(successes, trials, z=1.96) -%}
  {{ wilson_bound(successes, trials, 'lower', z) }}
{%- endmacro %}

{% macro wilson_upper(successes, trials, z=1.96) -%}
  {{ wilson_bound(successes, trials, 'upper', z) }}
{%- endmacro %}

{% macro min_max_scale(value, min_value, max_value) -%}
  {#- Min-max scaling to [0, 1] (values outside the learned range are clipped, e.g. when scoring new students). -#}
  least(1.0, greatest(0.0, (({{ value }}) - ({{ min_value }})) / nullif(({{ max_value }}) - ({{ min_value }}), 0)))
{%- endmacro %}
