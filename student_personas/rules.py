"""Rules about what a value or a column looks like, written once for every place that applies them.

The preflight and the profiler (Python, over a scan of the file) and staging (SQL, over the whole file) must
agree on what a number is, which names say "identifier" or "term", and when a text column identifies people:
a column the profiler proposes as a feature that staging then reads as text, or an id staging misses, makes the
vars file and the warehouse disagree. Python uses the constants here; SQL uses DuckDB macros that
:func:`sql_macros` builds from the same constants (the preflight creates them in the ``inputs`` schema of the
warehouse, the profiler and the preflight's own scans in their in-memory databases).
"""

from __future__ import annotations

import re

# A number as the warehouse reads it, strictly, once the thousands separator is removed and a decimal comma
# is a point: an optional sign, digits with at most one point, an optional exponent. DuckDB's own cast would
# also take '1_234', ' 0x10' or 'infinity'.
NUMBER_PATTERN = r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"
INTEGER_PATTERN = r"[+-]?[0-9]+"

# Words in a column's name, compared as whole words in lower case. A name "names an id" when its last word is
# an id word ('Student ID', 'roll_no', 'student_number') or its first word is an identity word
# ('id_student'); 'Number_of_Late_Submissions' does not.
IDENTITY_WORDS = ("id", "identifier", "uuid", "guid")
ID_WORDS = IDENTITY_WORDS + ("key", "number", "no", "code")
STUDENT_WORDS = ("student", "learner", "pupil", "person", "user")
TERM_WORDS = ("term", "semester", "presentation", "session", "intake", "cohort", "academic_?year", "period")

# A text column identifies people (names, e-mails, other ids) when it has more distinct values than a
# category may have levels and at least this share of its present values are distinct; it is free text
# (notes) when its values average at least this many words.
IDENTIFYING_DISTINCT_SHARE = 0.5
FREE_TEXT_MEAN_WORDS = 4


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(words)


ID_NAME_PATTERN = (rf"(^|[^a-z])({_alternatives(ID_WORDS)})$|^({_alternatives(IDENTITY_WORDS)})([^a-z]|$)")
# An identity word anywhere: the ids of students, events or rows, not of courses.
IDENTITY_NAME_PATTERN = rf"(^|[^a-z])({_alternatives(IDENTITY_WORDS)})([^a-z]|$)"
ID_NAME = re.compile(ID_NAME_PATTERN, re.IGNORECASE)
IDENTITY_NAME = re.compile(IDENTITY_NAME_PATTERN, re.IGNORECASE)
STUDENT_NAME = re.compile(f"({_alternatives(STUDENT_WORDS)})", re.IGNORECASE)
TERM_NAME = re.compile(f"({_alternatives(TERM_WORDS)})", re.IGNORECASE)


def may_hold_student_ids(name: str) -> bool:
    """Whether a column's name names an id or a student ('Student ID', 'id_student', 'learner'): the columns
    the profiler tries first as the id."""
    return bool(ID_NAME.search(name) or STUDENT_NAME.search(name))


def sql_macros(schema: str) -> list[str]:
    """The statements that create the rules as DuckDB macros in `schema`:

    - ``is_number(value)``: the text is a number (:data:`NUMBER_PATTERN`);
    - ``is_integer(value)``: the text is a whole number;
    - ``names_an_id(column_name)``: the name names an id (:data:`ID_NAME_PATTERN`);
    - ``identifying_role(is_numeric, distinct_count, present_count, mean_words, max_levels)``: 'identifier',
      'free_text', or null for a column that is neither (see :data:`IDENTIFYING_DISTINCT_SHARE`)."""
    return [
        f"create or replace macro {schema}.is_number(value) as regexp_full_match(value, '{NUMBER_PATTERN}')",
        f"create or replace macro {schema}.is_integer(value) as regexp_full_match(value, '{INTEGER_PATTERN}')",
        f"create or replace macro {schema}.names_an_id(column_name) as "
        f"regexp_matches(lower(column_name), '{ID_NAME_PATTERN}')",
        f"create or replace macro {schema}.identifying_role(is_numeric, distinct_count, present_count, mean_words, "
        f"max_levels) as case when not is_numeric and distinct_count > max_levels "
        f"and distinct_count >= {IDENTIFYING_DISTINCT_SHARE} * present_count "
        f"then case when mean_words >= {FREE_TEXT_MEAN_WORDS} then 'free_text' else 'identifier' end end",
    ]


def register(connection, schema: str = "main") -> None:
    """Create the macros on a DuckDB connection (an in-memory scan's, by default in its main schema)."""
    for statement in sql_macros(schema):
        connection.execute(statement)
