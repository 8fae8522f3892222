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
  {%- if value is none -%}null{%- else -%}{{ value | float }}{%- endif -%}
{%- endmacro %}
