-- Queries of the page "Student lookup" (students.html.j2). STAFF ONLY: the page embeds student-level data
-- (ids, placements, reasons, similar students, peer profiles, actions) for at most
-- settings.lookup_max_students students: every student, or beyond that a seeded sample. It never reads a
-- label, a protected attribute or the context tier.

-- name: scope
-- How many students there are and how many the page embeds.
select
    count(*) as n_students,
    least(count(*), {{ settings.lookup_max_students }}) as n_embedded,
    count(*) > {{ settings.lookup_max_students }} as is_sampled,
    {{ settings.lookup_max_students }} as lookup_max_students,
    (select coalesce(max(neighbour_rank), 0) from {{ ref('students_like_me') }}) as like_me_k
from {{ ref('student_reasons') }}

-- name: embedded_students
-- The students the page embeds: all of them up to the cap, else a seeded sample (ordered by a hash of id
-- and seed, so the same students on every build of the same input).
select student_id
from {{ ref('student_reasons') }}
order by hash(student_id || ':' || {{ settings.sample_seed }}), student_id
limit {{ settings.lookup_max_students }}

-- name: example_ids
-- A few embedded ids to try, in id order.
select student_id from {{ query('embedded_students') }} order by student_id limit 5

-- name: personas
select persona_id, persona_name from {{ ref('persona_summary') }} order by persona_id

-- name: peer_columns
-- The peer-profile columns with the cohort mean of each (the same for every student).
select source_column, any_value(cohort_mean) as cohort_mean,
    row_number() over (order by min(source_column)) - 1 as column_index
from {{ ref('peer_profiles') }}
group by source_column

-- name: actions
-- Every action a student on this page is offered, once, with its rationale.
select action, any_value(rationale) as rationale, row_number() over (order by action) - 1 as action_index
from {{ ref('student_actions') }}
semi join {{ query('embedded_students') }} using (student_id)
group by action

-- name: features
-- The feature columns named in reasons and actions, indexed for the payload.
select feature, row_number() over (order by feature) - 1 as feature_index
from (select distinct feature from {{ ref('student_explanations') }} where part = 'feature')

-- name: reason_texts
-- Every reason phrase shown for an embedded student, once (reasons repeat across students).
select reason, row_number() over (order by reason) - 1 as reason_index
from (
    select distinct unnest(top_reasons) as reason
    from {{ ref('student_reasons') }}
    semi join {{ query('embedded_students') }} using (student_id)
)

-- name: payload
-- The lookup data as one JSON document: personas, peer columns, actions, and per embedded student
-- [persona, next persona, sentence, reasons, similar students, peer profile, actions, share of similar
-- students in the own persona], where reasons are [feature index, reason index, contribution, SD],
-- similar students [id, similarity, persona], the peer profile one [own value, peer mean] per peer column
-- and actions [action index, feature index, SD]; texts that repeat across students are listed once. Every '<' is
-- written as its JSON escape \u003c, so no value can close the page's script element.
with students as (

    select reasons.*
    from {{ ref('student_reasons') }} as reasons
    semi join {{ query('embedded_students') }} using (student_id)

),

reasons as (

    select
        explanations.student_id,
        to_json(list(json_array(
            features.feature_index,
            texts.reason_index,
            round(explanations.contribution, 4),
            round(explanations.standardized_value, 2)
        ) order by explanations.rank)) as reasons
    from {{ ref('student_explanations') }} as explanations
    inner join students using (student_id)
    inner join {{ query('features') }} as features using (feature)
    inner join {{ query('reason_texts') }} as texts on texts.reason = students.top_reasons[explanations.rank]
    where explanations.rank <= len(students.top_reasons)
    group by explanations.student_id

),

neighbours as (

    select
        like_me.student_id,
        to_json(list(json_array(like_me.neighbour_id, round(like_me.similarity, 3), like_me.neighbour_persona_id)
            order by like_me.neighbour_rank)) as neighbours
    from {{ ref('students_like_me') }} as like_me
    semi join students using (student_id)
    group by like_me.student_id

),

peers as (

    select
        profiles.student_id,
        to_json(list(json_array(round(profiles.own_value, 2), round(profiles.peer_mean, 2))
            order by columns.column_index)) as peers,
        any_value(round(profiles.share_of_peers_in_own_persona, 3)) as share_in_own_persona
    from {{ ref('peer_profiles') }} as profiles
    inner join {{ query('peer_columns') }} as columns using (source_column)
    semi join students using (student_id)
    group by profiles.student_id

),

actions as (

    select
        student_actions.student_id,
        to_json(list(json_array(catalogue.action_index, features.feature_index,
            round(student_actions.standardized_value, 1)) order by student_actions.priority)) as actions
    from {{ ref('student_actions') }} as student_actions
    inner join {{ query('actions') }} as catalogue using (action)
    inner join {{ query('features') }} as features on features.feature = student_actions.because_feature
    semi join students using (student_id)
    group by student_actions.student_id

),

records as (

    select
        students.student_id,
        json_array(
            students.persona_id,
            students.next_persona_id,
            students.sentence,
            coalesce(reasons.reasons, '[]'::json),
            coalesce(neighbours.neighbours, '[]'::json),
            coalesce(peers.peers, '[]'::json),
            coalesce(actions.actions, '[]'::json),
            peers.share_in_own_persona
        ) as record
    from students
    left join reasons using (student_id)
    left join neighbours using (student_id)
    left join peers using (student_id)
    left join actions using (student_id)

)

-- Assembled as text: parsing a document of tens of MB back into JSON only to print it again doubled the time.
select replace(
    '{"personas":' || (select coalesce(to_json(map(list(persona_id::varchar order by persona_id),
                                                   list(persona_name order by persona_id))), '{}')::varchar
                       from {{ query('personas') }})
    || ',"features":' || (select coalesce(to_json(list(feature order by feature_index)), '[]')::varchar
                          from {{ query('features') }})
    || ',"reasons":' || (select coalesce(to_json(list(reason order by reason_index)), '[]')::varchar
                         from {{ query('reason_texts') }})
    || ',"peer_columns":' || (select coalesce(to_json(list(json_array(source_column, round(cohort_mean, 3))
                                                           order by column_index)), '[]')::varchar
                              from {{ query('peer_columns') }})
    || ',"actions":' || (select coalesce(to_json(list(json_array(action, rationale) order by action_index)), '[]')::varchar
                         from {{ query('actions') }})
    || ',"students":{' || (select coalesce(string_agg(to_json(student_id)::varchar || ':' || record::varchar, ','
                                                      order by student_id), '')
                           from records)
    || '}}',
    '<', '\u003c') as payload

-- name: priorities
-- Personas in the order support could be offered first (persona_priorities; published label numbers only).
select priority_rank, persona_id, persona_name, n_students, action_contrast, share_with_student_actions,
    label_rate, label_rate_status, summary
from {{ ref('persona_priorities') }}
order by priority_rank

-- name: like_me_example
-- The example student of "Students like me": the first student id (in text order) of the largest persona,
-- so the same student on every build of the same input. Only ids and peer-profile columns are shown.
select assignments.student_id, assignments.persona_id, summary.display_name
from {{ ref('persona_assignments') }} as assignments
inner join {{ ref('persona_summary') }} as summary using (persona_id)
order by summary.n_students desc, summary.persona_id, assignments.student_id
limit 1

-- name: like_me_neighbours
-- The example's most similar students (students_like_me: cosine similarity of factor scores), most
-- similar first, with each one's persona.
select
    like_me.neighbour_rank,
    like_me.neighbour_id,
    like_me.similarity,
    like_me.neighbour_persona_id,
    personas.display_name as neighbour_persona,
    case when like_me.neighbour_persona_id = example.persona_id then 'yes' else 'no' end as same_persona
from {{ ref('students_like_me') }} as like_me
inner join {{ query('like_me_example') }} as example using (student_id)
inner join {{ ref('persona_summary') }} as personas on personas.persona_id = like_me.neighbour_persona_id
order by like_me.neighbour_rank

-- name: like_me_sql
-- The queries an analyst can run for the example in any SQL client (the warehouse stores the macros).
select
    format('select * from students_like(''{}'', {});', replace(student_id, '''', ''''''),
        (select count(*) from {{ query('like_me_neighbours') }})) as neighbours_sql,
    format('select * from peer_profiles where student_id = ''{}'';', replace(student_id, '''', '''''')) as profile_sql
from {{ query('like_me_example') }}

-- name: like_me_profile
-- The example's peer profile (peer_profiles) in file order, with the student's value and the peer mean
-- also as standardized differences from the cohort (cohort standard deviation from persona_profiles).
with cohort as (

    select source_column, any_value(cohort_sd) as cohort_sd
    from {{ ref('persona_profiles') }}
    where level is null
    group by source_column

)

select
    profiles.source_column,
    profiles.own_value,
    profiles.peer_mean,
    profiles.cohort_mean,
    (profiles.own_value - profiles.cohort_mean) / nullif(cohort.cohort_sd, 0) as own_difference,
    (profiles.peer_mean - profiles.cohort_mean) / nullif(cohort.cohort_sd, 0) as peer_difference,
    profiles.share_of_peers_in_own_persona
from {{ ref('peer_profiles') }} as profiles
inner join {{ query('like_me_example') }} as example using (student_id)
inner join cohort using (source_column)
inner join (select column_name as source_column, column_position from {{ ref('int_column_roles') }}) as positions
    using (source_column)
order by positions.column_position
