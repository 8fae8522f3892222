{#-
  Statistics that are formulas live here once. Each is checked against hand-computed values by the
  singular tests in tests/dbt/ and by dbt unit tests on the models that use them.
-#}

{% macro wilson_bound(successes, trials, side, z=1.96) -%}
  {#-
    One bound of the Wilson score interval for a binomial proportion successes/trials. Unlike the
    normal approximation it stays inside [0, 1] and is honest for rare outcomes (a 1.8% label).
    Null when trials = 0; exactly 0 (lower, no successes) and 1 (upper, all successes) at the extremes,
    where the floating-point formula would give 1 - 2e-16.
  -#}
  case
    when ({{ trials }}) <= 0 then null
    when ({{ successes }}) = {{ '0' if side == 'lower' else '(' ~ trials ~ ')' }} then {{ '0.0' if side == 'lower' else '1.0' }}
    else {{ 'greatest(0.0, ' if side == 'lower' else 'least(1.0, ' }}(
      ({{ successes }})::double / ({{ trials }})
      + ({{ z }}) ^ 2 / (2.0 * ({{ trials }}))
      {{ '-' if side == 'lower' else '+' }} ({{ z }}) * sqrt(
          ({{ successes }})::double / ({{ trials }}) * (1 - ({{ successes }})::double / ({{ trials }})) / ({{ trials }})
          + ({{ z }}) ^ 2 / (4.0 * ({{ trials }}) ^ 2))
  ) / (1 + ({{ z }}) ^ 2 / ({{ trials }})))
  end
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

{% macro standardized_difference(group_mean, cohort_mean, cohort_sd) -%}
  {#- How far a group's mean sits from the cohort's, in cohort standard deviations (null when constant). -#}
  (({{ group_mean }}) - ({{ cohort_mean }})) / nullif({{ cohort_sd }}, 0)
{%- endmacro %}

{#-
  Order-independent aggregates. DuckDB aggregates doubles in parallel and combines partial sums in
  whatever order threads finish, so a double avg or variance can differ in its last bit between two
  builds of the same input. Summing in exact decimal arithmetic (values rounded to 12 decimal places)
  makes every build give identical numbers.
-#}
{% macro exact_sum(expression) -%}
  sum(cast({{ expression }} as decimal(38, 12)))
{%- endmacro %}

{% macro exact_mean(expression) -%}
  (cast({{ exact_sum(expression) }} as double) / nullif(count({{ expression }}), 0))
{%- endmacro %}

{% macro exact_var_pop(expression) -%}
  greatest(0.0, (
      cast({{ exact_sum('(' ~ expression ~ ') * (' ~ expression ~ ')') }} as double)
      - cast({{ exact_sum(expression) }} as double) ^ 2 / nullif(count({{ expression }}), 0)
  ) / nullif(count({{ expression }}), 0))
{%- endmacro %}

{% macro cramers_v(chi_square, n, n_rows, n_columns) -%}
  {#- Cramér's V = sqrt(χ² / n / (min(rows, columns) - 1)): association strength in a contingency table, 0-1. -#}
  sqrt(({{ chi_square }}) / nullif({{ n }}, 0) / nullif(least({{ n_rows }}, {{ n_columns }}) - 1, 0))
{%- endmacro %}

{% macro cramers_v_corrected(chi_square, n, n_rows, n_columns) -%}
  {#-
    Bias-corrected Cramér's V (Bergsma 2013): plain V is biased upwards in small samples and large
    tables; φ² is reduced by its expectation under independence, (r-1)(c-1)/(n-1), and the table
    dimensions are corrected likewise, r~ = r - (r-1)²/(n-1).
  -#}
  sqrt(greatest(0.0,
      ({{ chi_square }}) / ({{ n }}) - (({{ n_rows }}) - 1) * (({{ n_columns }}) - 1) / (({{ n }}) - 1.0))
    / nullif(least(
        ({{ n_rows }}) - (({{ n_rows }}) - 1) ^ 2 / (({{ n }}) - 1.0),
        ({{ n_columns }}) - (({{ n_columns }}) - 1) ^ 2 / (({{ n }}) - 1.0)) - 1, 0))
{%- endmacro %}

{% macro context_tier_thresholds(base_rate) -%}
  {#-
    The context indicator's AMBER and RED thresholds, as two SQL expressions. Fixed when vars
    context_amber_at / context_red_at are set; otherwise relative to the label's base rate in the cohort:
    AMBER from context_amber_ratio x the rate, RED from context_red_ratio x the rate, each capped a quarter
    and half of the way from the rate to certainty, so that the tiers stay meaningful at any base rate (a
    1.8% label: AMBER 2.7%, RED 3.6%; a 30% label: 45% and 60%; a 60% label: 70% and 80%).
  -#}
  {%- if configured('context_amber_at') is not none -%}
    {{ return([setting('context_amber_at'), setting('context_red_at')]) }}
  {%- endif -%}
  {{ return([
      'least(' ~ setting('context_amber_ratio') ~ ' * (' ~ base_rate ~ '), (' ~ base_rate ~ ') + (1 - (' ~ base_rate ~ ')) / 4)',
      'least(' ~ setting('context_red_ratio') ~ ' * (' ~ base_rate ~ '), (' ~ base_rate ~ ') + (1 - (' ~ base_rate ~ ')) / 2)',
  ]) }}
{%- endmacro %}

{% macro chi_square_term(observed, row_total, column_total, n) -%}
  {#- One cell's share of Pearson's chi-square: (observed - expected)² / expected, expected from the margins. -#}
  (({{ observed }}) - ({{ row_total }}) * ({{ column_total }}) / ({{ n }})::double) ^ 2
    / (({{ row_total }}) * ({{ column_total }}) / ({{ n }})::double)
{%- endmacro %}

{% macro variance_matching_weight(reference_variance, block_variance) -%}
  {#-
    The weight that gives a block of encoded features (one column's one-hot indicators, or a discrete
    number) at most the reference variance: min(1, sqrt(reference / block variance)). Never above 1, so a
    block is only ever damped; 1 when either variance is unknown or the block is constant.
  -#}
  coalesce(least(1.0, sqrt(({{ reference_variance }}) / nullif({{ block_variance }}, 0))), 1.0)
{%- endmacro %}

{% macro auc_from_rank_sum(positive_rank_sum, n_positive, n_negative) -%}
  {#-
    ROC-AUC from the rank-sum (Mann-Whitney) identity: with every value ranked among all students (ties
    at their mid-rank) and R the sum of the positives' ranks, AUC = (R - n₊(n₊ + 1)/2) / (n₊ n₋), the
    probability that a random positive has a higher value than a random negative (ties counted half).
    Null when either class is empty.
  -#}
  ((({{ positive_rank_sum }}) - ({{ n_positive }}) * (({{ n_positive }}) + 1) / 2.0)
    / nullif(({{ n_positive }})::double * ({{ n_negative }}), 0))
{%- endmacro %}

{% macro nearer_second_centre(vector, first_centre, second_centre) -%}
  {#- Whether a vector lies strictly nearer the second of two centres (Euclidean; a tie goes to the first),
      as K-Means places a point between two centres. -#}
  (list_distance({{ vector }}, {{ second_centre }}) < list_distance({{ vector }}, {{ first_centre }}))
{%- endmacro %}


{% macro grid_cell(value, low, high, cells) -%}
  {#- The 0-based cell of `value` among `cells` equal-width cells over [low, high]; the maximum falls in the
      last cell, and a constant column (low = high) in the first. -#}
  coalesce(least(floor(({{ value }} - {{ low }}) / nullif({{ high }} - {{ low }}, 0) * {{ cells }}), {{ cells }} - 1), 0)
{%- endmacro %}
