{% macro column_roles(relation=none, levels_column='declared_levels', levels_source='declared') %}
  {#-
    The rows of a column-roles relation (default stg_column_roles) as a list of dicts in file order, for
    models that generate one expression per column. Calling it makes the caller depend on that relation.
    `levels_column` holds each categorical column's allowed levels; `levels_source` says where they come
    from ('declared' in the vars, or 'model': the levels a stored persona model was fitted on).
    [] at parse time.
  -#}
  {%- set relation = relation if relation is not none else ref('stg_column_roles') -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query(
      "select column_name, role, kind, range_min, range_max, to_json(" ~ levels_column ~ ") from " ~ relation
      ~ " order by column_position") -%}
  {%- set roles = [] -%}
  {%- for row in result.rows -%}
    {%- do roles.append({
        'column_name': row[0],
        'role': row[1],
        'kind': row[2],
        'range_min': (row[3] | float) if row[3] is not none else none,
        'range_max': (row[4] | float) if row[4] is not none else none,
        'allowed_levels': fromjson(row[5]) if row[5] is not none else none,
        'levels_source': levels_source,
    }) -%}
  {%- endfor -%}
  {{ return(roles) }}
{% endmacro %}


{% macro columns_with(roles, role, kind=none) %}
  {#- Names of the columns in `roles` with this role (and kind). -#}
  {%- set names = [] -%}
  {%- for column in roles if column.role == role and (kind is none or column.kind == kind) -%}
    {%- do names.append(column.column_name) -%}
  {%- endfor -%}
  {{ return(names) }}
{% endmacro %}
