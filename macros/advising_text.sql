{#- Text for student-level reasons, built in SQL so every student's sentence comes from one query. -#}

{% macro english_list(items) -%}
  {#- ['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'; empty or null -> null. -#}
  case
    when coalesce(len({{ items }}), 0) = 0 then null
    when len({{ items }}) = 1 then ({{ items }})[1]
    else array_to_string(({{ items }})[1:len({{ items }}) - 1], ', ') || ' and ' || ({{ items }})[-1]
  end
{%- endmacro %}

{% macro signed_sd(value) -%}
  {#- A standardized value as '+1.3 SD' / '-0.8 SD' (one decimal; never '-0.0'). -#}
  format('{:+.1f} SD', round({{ value }}, 1) + 0.0)
{%- endmacro %}

{% macro is_near_boundary(margin, distance) -%}
  {#- A student nearly as close to a second persona: its centre less than 10% further away than their own
      (the same rule as the persona page's soft-membership figures). -#}
  (({{ margin }}) < 0.1 * ({{ distance }}))
{%- endmacro %}
