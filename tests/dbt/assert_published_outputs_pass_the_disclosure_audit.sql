{{ config(store_failures=true) }}
-- Every published table together lets no reader read or work out a count from 1 to min_cell_size - 1 of
-- students by label or protected group (student_personas.disclosure_audit: published small counts,
-- derived values of withheld counts, and withheld counts narrowed by integer programming over every
-- published number). Each row returned is one finding, with what it means and what to do; dbt prints the
-- query that lists them.
select * from {{ ref('disclosure_audit') }}
