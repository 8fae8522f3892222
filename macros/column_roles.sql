{% macro declared_roles() %}
  {#-
    Column -> role, from the vars: the one place the role vars are read (stg_column_roles turns them into
    a table that every other model reads). Conflicting declarations are reported by the preflight.
  -#}
  {%- set roles = {} -%}
  {%- set id_columns = configured('id_column') -%}
  {%- set declarations = [
      ('id', [id_columns] if id_columns is string else (id_columns or [])),
      ('term', [configured('term_column')] if configured('term_column') else []),
      ('label', [configured('label_column')] if configured('label_column') else []),
      ('label_source', input_fact('label_source_columns') or []),
      ('protected', configured('protected_columns') or []),
      ('excluded', configured('excluded_columns') or []),
      ('feature', (configured('categorical_columns') or {}).keys() | list),
      ('feature', configured('feature_columns') or []),
  ] -%}
  {%- for role, columns in declarations -%}
    {%- for column in columns if column not in roles -%}
      {%- do roles.update({column: role}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(roles) }}
{% endmacro %}


{% macro column_roles(relation=none) %}
  {#-
    The rows of int_column_roles (the student file's columns, the event features and the derived
    features; `relation` = ref('stg_column_roles') for the file's columns alone, as stg_students needs) as
    a list of dicts in position order, for models that write one expression per column. Calling it makes
    the caller depend on that model. [] at parse time.
  -#}
  {%- set relation = relation if relation is not none else ref('int_column_roles') -%}
  {%- if not built(relation) -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query(
      "select column_name, role, kind, origin, range_min, range_max, to_json(allowed_levels), missing_policy, "
      ~ "clip_method, has_case_variants, formula, column_position from " ~ relation ~ " order by column_position") -%}
  {%- set roles = [] -%}
  {%- for row in result.rows -%}
    {%- do roles.append({
        'column_name': row[0], 'role': row[1], 'kind': row[2], 'origin': row[3],
        'range_min': (row[4] | float) if row[4] is not none else none,
        'range_max': (row[5] | float) if row[5] is not none else none,
        'allowed_levels': fromjson(row[6]) if row[6] is not none else none,
        'missing_policy': row[7], 'clip_method': row[8], 'has_case_variants': row[9], 'formula': row[10],
        'column_position': row[11],
    }) -%}
  {%- endfor -%}
  {{ return(roles) }}
{% endmacro %}


{% macro columns_with(roles, role, kind=none, origin=none) %}
  {#- Names of the columns in `roles` with this role (and kind, and origin). -#}
  {%- set names = [] -%}
  {%- for column in roles if column.role == role and (kind is none or column.kind == kind)
        and (origin is none or column.origin == origin) -%}
    {%- do names.append(column.column_name) -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}


{% macro input_column_names() %}
  {#- The student file's columns in file order (without the row number the loader adds). -#}
  {%- if not built(source('inputs', 'students')) -%}{{ return([]) }}{%- endif -%}
  {%- set names = [] -%}
  {%- for column in adapter.get_columns_in_relation(source('inputs', 'students'))
        if column.name not in ('source_row_number', 'skipped_as') -%}
    {%- do names.append(column.name) -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}
