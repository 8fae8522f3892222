"""The rules of student_personas/rules.py say the same in Python and in the SQL macros built from them."""

import duckdb
import pytest

from student_personas import rules


@pytest.fixture(scope="module")
def connection():
    with duckdb.connect() as connection:
        rules.register(connection)
        yield connection


NUMBERS = {"3": True, "-2.5": True, "+.5": True, "1e3": True, "7.": True, "1_234": False, "0x10": False,
           "infinity": False, "nan": False, "1.2.3": False, "": False, "abc": False, " 4": False}


@pytest.mark.parametrize("text, expected", NUMBERS.items())
def test_is_number_is_strict(connection, text, expected):
    assert connection.execute("select is_number(?)", [text]).fetchone()[0] is expected


NAMES = {"Student_ID": True, "student id": True, "id_student": True, "roll_no": True, "Student_Number": True,
         "record key": True, "StudentID": False, "Number_of_Late_Submissions": False, "code_module": False,
         "Gender": False, "Idle_minutes": False, "guid": True}


@pytest.mark.parametrize("name, expected", NAMES.items())
def test_names_an_id_agrees_between_python_and_sql(connection, name, expected):
    assert bool(rules.ID_NAME.search(name)) is expected
    assert connection.execute("select names_an_id(?)", [name]).fetchone()[0] is expected


@pytest.mark.parametrize("is_numeric, distinct, present, mean_words, expected", [
    (False, 900, 1000, 2.0, "identifier"),   # names, e-mails
    (False, 900, 1000, 12.0, "free_text"),   # notes
    (True, 1000, 1000, 1.0, None),           # a continuous measure is never identifying
    (False, 40, 1000, 1.0, None),            # a category
    (False, 300, 1000, 1.0, None),           # many levels but repeated: a category too wide, not an identifier
])
def test_identifying_role(connection, is_numeric, distinct, present, mean_words, expected):
    assert connection.execute("select identifying_role(?, ?, ?, ?, 50)",
                              [is_numeric, distinct, present, mean_words]).fetchone()[0] == expected


def test_the_warehouse_gets_the_macros_in_its_inputs_schema():
    with duckdb.connect() as connection:
        connection.execute("create schema inputs")
        for statement in rules.sql_macros("inputs"):
            connection.execute(statement)
        assert connection.execute("select inputs.is_number('9.9'), inputs.names_an_id('Student_ID')").fetchone() == (
            True, True)
