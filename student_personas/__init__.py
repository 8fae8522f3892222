"""student-personas: the tested maths and glue behind the dbt + DuckDB persona warehouse."""
