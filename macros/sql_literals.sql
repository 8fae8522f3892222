{#- Safe SQL literals for values that come from configuration or from the input file's header. -#}

{% macro sql_string(value) -%}
  {%- if value is none -%}null{%- else -%}'{{ value | string | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{% macro sql_identifier(name) -%}
  "{{ name | string | replace('"', '""') }}"
{%- endmacro %}

{% macro sql_string_list(values) -%}
  [{%- for value in values -%}{{ sql_string(value) }}{{ ", " if not loop.last }}{%- endfor -%}]::varchar[]
{%- endmacro %}

{% macro sql_number(value) -%}
  {#- A number as an SQL literal; anything that is not a number is a configuration error (the preflight
      checks every setting first: this guards `dbt compile` and direct use). -#}
  {%- if value is none -%}null
  {%- elif value is number and value is not boolean -%}{{ value | float }}
  {%- else -%}{{ exceptions.raise_compiler_error("student-personas configuration: expected a number, got " ~ value) }}
  {%- endif -%}
{%- endmacro %}

{% macro setting(name) -%}
  {#- A numeric setting (configured) as an SQL literal, checked: settings reach SQL only through this or sql_string. -#}
  {{ sql_number(configured(name)) }}
{%- endmacro %}
