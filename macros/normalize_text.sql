{% macro normalized_text(expression) -%}
  {#-
    Text as the warehouse compares it: Unicode NFC, typographic quotes made plain (exports write
    "Master’s"), whitespace trimmed and collapsed, and the configured missing-value tokens as null.
  -#}
  {%- set tokens = var('missing_value_tokens', ['']) -%}
  {%- set cleaned -%}
    trim(regexp_replace(
      translate(nfc_normalize(cast({{ expression }} as varchar)), '‘’‚‛“”„‟', '''''''''""""'),
      '\s+', ' ', 'g'))
  {%- endset -%}
  case when {{ cleaned }} in ({% for token in tokens %}{{ sql_string(token) }}{{ ", " if not loop.last }}{% endfor %})
       then null else {{ cleaned }} end
{%- endmacro %}
