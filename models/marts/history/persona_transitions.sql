{{ config(tags=['scoring']) }}
{#-
  How students move between personas from one term to the next, per persona model version: for every pair
  of consecutive terms (in time order, macro term_order_key) and every pair of personas, the students who
  were in the first persona in the earlier term and in the second in the later one, and their share of the
  first persona. A student scored more than once for a term counts once, with the latest assignment. Raw
  counts; publish persona_transitions_published instead.
-#}

with history as (

    select * from {{ ref('persona_history') }}

),

latest as (

    -- One assignment per model version, student and term: the latest batch's.
    select *
    from history
    qualify row_number() over (
        partition by model_version, student_id, term order by recorded_at desc, batch_id desc) = 1

),

ordered_terms as (

    select model_version, term, dense_rank() over (partition by model_version order by {{ term_order_key('term') }}) as term_index
    from (select distinct model_version, term from latest)

),

placed as (

    select latest.*, ordered_terms.term_index
    from latest
    inner join ordered_terms using (model_version, term)

),

term_pairs as (

    select earlier.model_version, earlier.term as term_from, later.term as term_to, earlier.term_index
    from ordered_terms as earlier
    inner join ordered_terms as later
        on later.model_version = earlier.model_version and later.term_index = earlier.term_index + 1

),

personas as (

    select model_version, persona_id, any_value(persona_name) as persona_name
    from latest
    group by model_version, persona_id

),

steps as (

    select
        earlier.model_version,
        earlier.term as term_from,
        later.term as term_to,
        earlier.persona_id as persona_from,
        later.persona_id as persona_to
    from placed as earlier
    inner join placed as later
        on later.model_version = earlier.model_version
        and later.student_id = earlier.student_id
        and later.term_index = earlier.term_index + 1

),

counted as (

    select model_version, term_from, term_to, persona_from, persona_to, count(*) as students
    from steps
    group by all

),

grid as (

    select
        term_pairs.model_version,
        term_pairs.term_index,
        term_pairs.term_from,
        term_pairs.term_to,
        from_personas.persona_id as persona_from,
        from_personas.persona_name as persona_from_name,
        to_personas.persona_id as persona_to,
        to_personas.persona_name as persona_to_name,
        coalesce(counted.students, 0) as students
    from term_pairs
    inner join personas as from_personas on from_personas.model_version = term_pairs.model_version
    inner join personas as to_personas on to_personas.model_version = term_pairs.model_version
    left join counted
        on counted.model_version = term_pairs.model_version
        and counted.term_from = term_pairs.term_from
        and counted.term_to = term_pairs.term_to
        and counted.persona_from = from_personas.persona_id
        and counted.persona_to = to_personas.persona_id

),

shares as (

    select
        *,
        sum(students) over (partition by model_version, term_from, term_to, persona_from)::bigint as students_from,
        students::double / nullif(sum(students) over (partition by model_version, term_from, term_to, persona_from), 0)
            as share_of_from
    from grid

)

select
    model_version,
    term_index as step,
    term_from,
    term_to,
    persona_from,
    persona_from_name,
    persona_to,
    persona_to_name,
    students::bigint as students,
    students_from,
    share_of_from,
    {{ run_id() }} as run_id
from shares
