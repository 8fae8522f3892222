{% macro published_count(count_expression, suppression_expression) -%}
  {#- A count as published: 'suppressed' when small-cell suppression withholds it, whether it is small itself
      (primary) or would reveal a small one (complementary). One marker for both: a marker that said "1 to 9"
      would tell a reader that the cell is not zero, and a total over several such cells is then at least
      their number. -#}
  case when {{ suppression_expression }} is not null then 'suppressed' else cast({{ count_expression }} as varchar) end
{%- endmacro %}

{% macro published_value(value_expression) -%}
  {#- A rate or statistic as published: null whenever any count it derives from is suppressed. The
      suppression expressions of those counts follow `value_expression` as further arguments. -#}
  case when {% for expression in varargs %}{{ expression }} is null{{ " and " if not loop.last }}{% endfor %}
    then {{ value_expression }} end
{%- endmacro %}

{% macro cell_key() -%}
  {#- The id of one cell of the disclosure system (disclosure_cells): its parts as a JSON array of text, so
      no value (a group named "a|b") can make two cells share an id. -#}
  to_json([{% for part in varargs %}({{ part }})::varchar{{ ", " if not loop.last }}{% endfor %}])::varchar
{%- endmacro %}

{% macro parity_cell_key(protected_attribute, group_value, cell_name) -%}
  {#- The disclosure cell of one confusion count of fairness_flag_parity. The counts for all students are
      the cells other tables publish too: the cohort, the label's positives and negatives, the RED tier. -#}
  case
    when {{ group_value }} = 'All students' then case {{ cell_name }}
        when 'n' then {{ cell_key("'cohort'") }}
        when 'positives' then {{ cell_key("'label'", "'positive'") }}
        when 'negatives' then {{ cell_key("'label'", "'negative'") }}
        when 'flagged' then {{ cell_key("'tier'", "'RED'") }}
        else {{ cell_key("'flag'", cell_name) }}
    end
    else case {{ cell_name }}
        when 'n' then {{ cell_key("'group'", protected_attribute, group_value) }}
        when 'positives' then {{ cell_key("'label'", "'positive'", protected_attribute, group_value) }}
        when 'negatives' then {{ cell_key("'label'", "'negative'", protected_attribute, group_value) }}
        else {{ cell_key("'parity'", protected_attribute, group_value, cell_name) }}
    end
  end
{%- endmacro %}
