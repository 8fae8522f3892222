"""Neutral, unique persona names and descriptions; overrides; the deficit-language guard."""

import pytest

from student_personas import naming
from student_personas.naming import Contrast, contrast_phrase, persona_description

PHRASES = {
    "GPA": ["lower GPA", "higher GPA"],
    "Credits_Completed": ["earlier in the program", "further along"],
    "Number_of_Late_Submissions": ["fewer late submissions", "more late submissions"],
}


def contrast(column, difference, level=None, persona=1.0, cohort=0.0):
    return Contrast(column, level, difference, persona, cohort)


@pytest.mark.parametrize("column, readable", [
    ("Study_Hours_per_Week", "study hours per week"), ("AttendanceRate", "attendance rate"),
    ("VisITedResources", "visited resources"), ("GPA", "GPA"), ("GPAScore", "GPA score"),
    ("StudentAbsenceDays", "student absence days"), ("Curricular units 1st sem (grade)", "curricular units 1st sem (grade)"),
])
def test_humanize_column_names(column, readable):
    assert naming.humanize(column) == readable


def test_no_name_has_underscores_raw_codes_or_split_words():
    contrasts = {
        1: [contrast("Course", 1.4, level="9991"), contrast("VisITedResources", 0.9), contrast("walc", 0.5)],
        2: [contrast("Course", 1.2, level="9147"), contrast("Daytime/evening attendance", -1.1, persona=0.1, cohort=0.7)],
    }
    for persona in contrasts[2][1:]:
        object.__setattr__(persona, "binary_values", (0.0, 1.0))
    labels = naming.Labels(columns={"walc": "weekend alcohol use"},
                           levels={("Course", "9147"): "Management", ("Daytime/evening attendance", "0"): "Evening attendance"})
    names = naming.persona_names(contrasts, {}, labels=labels)
    assert names == {1: "Higher visited resources, higher weekend alcohol use",
                     2: "Management more common, Evening attendance more common"}
    for name in names.values():
        assert "_" not in name and "9991" not in name and "vis ited" not in name.lower()
    described = naming.persona_description(contrasts[1], {}, labels=labels)
    assert "course code 9991 more common" in described


def test_deficit_terms_are_found_case_insensitively():
    assert naming.deficit_terms_in("Students AT RISK of failing") == ["risk", "fail"]
    assert naming.deficit_terms_in("Further along, higher GPA") == []


def test_name_uses_the_two_largest_contrasts_in_configured_words():
    names = naming.persona_names({1: [contrast("GPA", 0.9), contrast("Credits_Completed", 1.2),
                                      contrast("Number_of_Late_Submissions", -0.3)]}, PHRASES)
    assert names == {1: "Further along, higher GPA"}


def test_unconfigured_columns_get_a_neutral_fallback_and_levels_read_naturally():
    names = naming.persona_names({
        1: [contrast("Library_Usage_Hours", -0.8)],
        2: [contrast("Past_Academic_Performance", 0.7, level="Above Average")],
    }, PHRASES)
    assert names == {1: "Lower library usage hours", 2: "Past academic performance: Above Average more common"}


def test_small_contrasts_do_not_name_a_persona():
    assert naming.persona_names({1: [contrast("GPA", 0.1)]}, PHRASES) == {1: "Close to the cohort average"}


def test_clashing_names_are_extended_then_numbered():
    names = naming.persona_names({
        1: [contrast("GPA", 1.0), contrast("Credits_Completed", 0.9), contrast("Number_of_Late_Submissions", 0.5)],
        2: [contrast("GPA", 1.1), contrast("Credits_Completed", 0.8), contrast("Number_of_Late_Submissions", -0.4)],
        3: [contrast("GPA", 0.05)],
        4: [contrast("GPA", 0.02)],
    }, PHRASES)
    assert names[1] == "Higher GPA, further along, more late submissions"
    assert names[2] == "Higher GPA, further along, fewer late submissions"
    assert names[3] == "Close to the cohort average (group 1)"
    assert names[4] == "Close to the cohort average (group 2)"
    assert len(set(names.values())) == 4


def test_phrases_with_deficit_language_are_never_used():
    phrases = {"GPA": ["weak GPA", "higher GPA"], "Courses_Failed": ["x", "y"]}
    names = naming.persona_names({1: [contrast("GPA", -2.0), contrast("Credits_Completed", 0.5)],
                                  2: [contrast("Courses_Failed_Total", 0.9)]}, phrases)
    assert names[1] == "Higher credits completed"  # 'weak GPA' skipped
    assert names[2] == "Close to the cohort average"  # fallback 'higher courses failed total' contains 'fail'
    assert all(not naming.deficit_terms_in(name) for name in names.values())


def test_description_and_distinguishing_columns():
    contrasts = [contrast("GPA", 1.21, persona=3.41, cohort=2.75),
                 contrast("Number_of_Late_Submissions", -0.95, persona=1.9, cohort=4.4),
                 contrast("Past_Academic_Performance", 0.5, level="Above Average", persona=0.45, cohort=0.2)]
    assert naming.persona_description(contrasts, PHRASES) == (
        "Compared with the cohort: higher GPA (3.41 vs 2.75); fewer late submissions (1.90 vs 4.40); "
        "past academic performance: Above Average more common (45% vs 20%).")
    assert naming.distinguishing_columns(contrasts) == (
        "GPA +1.21 SD; Number_of_Late_Submissions -0.95 SD; Past_Academic_Performance=Above Average +0.50 SD")
    assert naming.persona_description([contrast("GPA", 0.0)], PHRASES) == "Close to the cohort average on every feature."


def test_overrides_replace_names_and_are_validated():
    generated = {1: "Higher GPA", 2: "Further along"}
    assert naming.apply_overrides(generated, {2: " Steady progress "}) == {1: "Higher GPA", 2: "Steady progress"}
    with pytest.raises(ValueError, match="persona 9, which does not exist"):
        naming.apply_overrides(generated, {9: "x"})
    with pytest.raises(ValueError, match="deficit language"):
        naming.apply_overrides(generated, {1: "Struggling students"})
    with pytest.raises(ValueError, match="must be unique"):
        naming.apply_overrides(generated, {2: "Higher GPA"})


def test_student_value_phrases_use_configured_words_or_neutral_fallbacks():
    phrases = {"Study_Hours_per_Week": ["fewer study hours", "more study hours"], "Gap": ["weak x", "strong x"]}
    assert naming.student_value_phrase("Study_Hours_per_Week", None, True, phrases) == "more study hours"
    assert naming.student_value_phrase("Study_Hours_per_Week", None, False, phrases) == "fewer study hours"
    assert naming.student_value_phrase("LibraryHours", None, True, phrases) == "higher library hours"
    assert naming.student_value_phrase("Gap", None, False, phrases) == "lower gap"  # configured phrase has "weak"
    assert naming.student_value_phrase("Courses_Failed", None, True, {}) == "higher Courses_Failed"
    assert naming.student_value_phrase("Past_Performance", "Above Average", True, {}) == \
        "past performance: Above Average"
    assert naming.student_value_phrase("Poor_Marks", "A", True, {}) == "Poor_Marks: A"


def test_a_two_level_column_reads_as_its_level_and_a_flag_as_yes_or_no():
    lunch = Contrast("lunch", "standard", -0.8, 0.36, 0.64, other_level="free/reduced")
    assert contrast_phrase(lunch, {}) == "lunch: free/reduced more common"
    assert "less common" not in persona_description([lunch], {})
    assert "(64% vs 36%)" in persona_description([lunch], {})
    preparation = Contrast("test preparation course", "completed", -0.6, 0.1, 0.35, other_level="none")
    assert contrast_phrase(preparation, {}) == "test preparation course: none more common"
    flag = Contrast("Scholarship_holder", None, 0.9, 0.8, 0.25, binary_values=(0.0, 1.0))
    assert contrast_phrase(flag, {}) == "scholarship holder: yes more common"
    assert contrast_phrase(Contrast("Scholarship_holder", None, -0.9, 0.05, 0.25, binary_values=(0.0, 1.0)), {}) == \
        "scholarship holder: no more common"
    school = Contrast("school", "GP", 0.7, 0.9, 0.6, other_level="MS")
    assert contrast_phrase(school, {}) == "school code GP more common"
    assert contrast_phrase(Contrast("Gradeid", "G-02", 0.5, 0.4, 0.2), {}) == "gradeid code G-02 more common"


def test_a_persona_mostly_without_events_is_described_as_such_and_named_in_plain_words():
    """Students without events are a state (event_no_recorded_activity = 1), said first in the description
    of a persona made mostly of them, and read as 'no event-log activity' in a name, never as a raw flag."""
    no_activity = Contrast("event_no_recorded_activity", None, 1.4, 0.87, 0.30, binary_values=(0.0, 1.0))
    others = [Contrast("Age", None, 0.5, 24.0, 22.0)]
    description = persona_description([no_activity, *others], {}, 0.2)
    assert description.startswith("Mostly students without recorded activity in the event log (87%, against 30% "
                                  "of the cohort): the log says nothing about how they study. Compared with the cohort: ")
    assert "event-log activity" not in description.split("study. ")[1]  # not said twice
    assert "no event-log activity more common" == contrast_phrase(no_activity, {})
    names = naming.persona_names({1: [no_activity, *others], 2: [Contrast("Age", None, -0.5, 20.0, 22.0)]}, {})
    assert names[1] == "No event-log activity more common, higher age"
    covered = Contrast("event_no_recorded_activity", None, -1.4, 0.05, 0.30, binary_values=(0.0, 1.0))
    assert not persona_description([covered, *others], {}, 0.2).startswith("Mostly")
    assert contrast_phrase(covered, {}) == "event-log activity more common"
