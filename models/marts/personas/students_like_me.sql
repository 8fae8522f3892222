{#-
  "Students like me": for every student, the students_like_me_k most similar other students by cosine
  similarity of their factor scores, most similar first, with the neighbour's persona. Exact search, ties
  broken by the lower student_id; a student is never their own neighbour.
-#}

with neighbours as (

    select * from {{ ref('int_student_neighbours') }}
    where neighbour_rank <= {{ configured('students_like_me_k') }}

),

student_rows as (

    select * from {{ ref('int_student_rows') }}

),

assignments as (

    select student_id, term, persona_id from {{ ref('int_persona_assignments') }}
    where is_reference

),

named as (

    select
        students.student_id,
        students.term,
        neighbours.neighbour_rank,
        peers.student_id as neighbour_id,
        peers.term as neighbour_term,
        neighbours.similarity,
        assignments.persona_id as neighbour_persona_id
    from neighbours
    inner join student_rows as students on students.student_row = neighbours.student_row
    inner join student_rows as peers on peers.student_row = neighbours.neighbour_row
    inner join assignments on assignments.student_id = peers.student_id and assignments.term = peers.term

)

select *, {{ run_id() }} as run_id from named
