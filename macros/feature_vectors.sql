{% macro feature_vectors(features_relation) %}
  {#- One row per student: the encoded feature values as a list in feature_index order. -#}
with features as (

    select * from {{ features_relation }}

),

vectors as (

    select
        student_id,
        list(value order by feature_index) as feature_values
    from features
    group by student_id

)

select * from vectors
{% endmacro %}
