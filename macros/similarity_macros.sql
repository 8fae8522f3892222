{% macro create_similarity_macros() %}
  {#-
    post-hook on student_factor_vectors: table macros stored in the warehouse file, so any SQL client
    (DBeaver, Tableau custom SQL, the duckdb CLI) can ask for similar students without dbt or Python:

      select * from students_like('17', 10);                  -- the 10 students most like student '17'
      select * from students_like('17', 10, '2024-T2');       -- ... as they were in term '2024-T2'
      select * from students_near_vector([0.2, 0.0, 0.9, 0.1], 10);  -- nearest to a hypothetical profile

    Cosine similarity with DuckDB's array_cosine_similarity over FLOAT[r] vectors, a full scan (no index,
    no experimental extension); ties go to the lower student_id, as in students_like_me. The vectors are
    single precision, so similarities agree with students_like_me to about 1e-6.
  -#}
  {%- set dimensions = run_query("select max(len(factor_vector)) from " ~ this).columns[0].values()[0] if execute else 1 -%}
  create or replace macro students_like(target_student, k, target_term := null) as table
      with target as (
          select student_id, term, factor_vector from {{ this }}
          where student_id = cast(target_student as varchar)
              and (target_term is null or term = cast(target_term as varchar))
          order by term desc
          limit 1
      )
      select
          vectors.student_id,
          vectors.term,
          array_cosine_similarity(vectors.factor_vector, target.factor_vector) as similarity
      from {{ this }} as vectors, target
      where not (vectors.student_id = target.student_id and vectors.term = target.term)
      order by similarity desc nulls last, vectors.student_id, vectors.term
      limit k;
  create or replace macro students_near_vector(factor_values, k) as table
      select
          student_id,
          term,
          array_cosine_similarity(factor_vector, cast(factor_values as float[{{ dimensions }}])) as similarity
      from {{ this }}
      order by similarity desc nulls last, student_id, term
      limit k
{% endmacro %}
