"""Plain-language, non-stigmatizing persona names and descriptions.

A persona is named by how it differs from the whole cohort: its largest standardized contrasts, turned
into neutral phrases ("further along, higher GPA", in the persona notebook's style). Names describe; they
never label a student as a deficit ("at risk", "struggling", "weak" ...). Phrases come from configuration
(`column_phrases`), with a neutral fallback built from the column's display label (a codebook label, or
the column name made readable); any phrase containing a deficit term is never used.

A contrast on a level of a category reads as the level ("Evening attendance more common"), using the
codebook's label for a coded level; a persona is never named after a raw integer code (a level "9991"
without a label is left out of names and described as "course code 9991").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Words a persona name or description must never contain (checked case-insensitively on word stems).
DEFICIT_TERMS = (
    "risk", "struggl", "fail", "weak", "poor", "deficien", "deficit", "problem", "trouble", "underperform",
    "low-perform", "low perform", "dropout", "drop out", "lazy", "unmotivated", "disengaged", "bad ",
    "at-risk", "vulnerable", "hopeless",
)


@dataclass(frozen=True)
class Contrast:
    """How one persona differs from the cohort on one feature (a column, or a level of a column).
    `binary_values` holds the two values of a numeric column that only takes two (a 0/1 code), whose
    contrast reads as the value that is more common."""

    source_column: str
    level: str | None
    standardized_difference: float
    persona_mean: float
    cohort_mean: float
    binary_values: tuple[float, float] | None = None
    other_level: str | None = None  # the column's other level when it has exactly two


NO_ACTIVITY_COLUMN = "event_no_recorded_activity"  # the event feature that is 1 for students without events
# Labels of the 0/1 levels of columns the warehouse adds, so a name reads "no event-log activity more common".
BUILT_IN_LEVEL_LABELS = {(NO_ACTIVITY_COLUMN, "1"): "no event-log activity",
                         (NO_ACTIVITY_COLUMN, "0"): "event-log activity"}
MOSTLY_WITHOUT_EVENTS = 0.8  # a persona this share of whose students have no events is described as such


@dataclass(frozen=True)
class Labels:
    """Display labels from the codebook: column -> label, and (column, code) -> label for coded levels."""

    columns: dict[str, str] = field(default_factory=dict)
    levels: dict[tuple[str, str], str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The column's label, or its name made readable."""
        return self.columns.get(name) or humanize(name)

    def level(self, column: str, level: str) -> str | None:
        """The level's label from the codebook, else the warehouse's own for the columns it adds."""
        return self.levels.get((column, level)) or BUILT_IN_LEVEL_LABELS.get((column, level))


NO_LABELS = Labels()


def deficit_terms_in(text: str) -> list[str]:
    """The deficit terms that occur in `text` (empty when the text is acceptable)."""
    lowered = f"{text.lower()} "
    return [term for term in DEFICIT_TERMS if term in lowered]


def humanize(column: str) -> str:
    """A column name made readable: 'Study_Hours_per_Week' -> 'study hours per week', 'AttendanceRate' ->
    'attendance rate', 'VisITedResources' -> 'visited resources', 'GPAScore' -> 'GPA score'. Words split
    where a capitalised word starts (not inside odd capitals), acronyms keep their capitals."""
    text = column.replace("_", " ").replace(".", " ")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", " ", text)
    text = re.sub(r"(?<![A-Za-z])([A-Z]{2,})(?=[A-Z][a-z])", r"\1 ", text)
    words = [word if (len(word) >= 2 and word.isupper()) else word.lower() for word in text.split()]
    return " ".join(words)


def is_raw_code(level: str) -> bool:
    """Whether a level is a bare integer code (only a codebook can say what it means)."""
    return bool(re.fullmatch(r"[+-]?\d+(\.0+)?", str(level).strip()))


def looks_like_code(level: str) -> bool:
    """Whether a level reads as a code rather than a word: an integer, a short run of capitals ('GP', 'MS'),
    or letters and digits mixed ('G-02', 'A1'). Without a codebook label it is shown as 'code GP'."""
    text = str(level).strip()
    return is_raw_code(text) or bool(re.fullmatch(r"[A-Z]{1,3}", text)) or (
        bool(re.search(r"\d", text)) and bool(re.search(r"[A-Za-z]", text)) and len(text) <= 8 and " " not in text)


def _code_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def contrast_phrase(contrast: Contrast, column_phrases: dict[str, list[str]], labels: Labels = NO_LABELS,
                    for_name: bool = True) -> str | None:
    """A neutral phrase for the contrast, or None when only a deficit-laden phrase is available, or (for a
    name) when the contrast is on a raw integer code without a codebook label."""
    above = contrast.standardized_difference > 0
    column = contrast.source_column
    if contrast.level is not None or contrast.binary_values is not None:
        flag = False
        if contrast.level is not None:
            level, rising = contrast.level, above
            if not rising and contrast.other_level is not None:
                # One of two levels less common is the other more common: "lunch: free/reduced", never
                # "lunch: standard less common" (a double negative a reader misreads).
                level, rising = contrast.other_level, True
        else:
            low, high = contrast.binary_values
            level, rising = _code_text(high if above else low), True
            flag = (low, high) == (0, 1) and labels.level(column, level) is None
        label = labels.level(column, level)
        more = "more common" if rising else "less common"
        if label:
            phrase = f"{label} {more}"
        elif flag:
            phrase = f"{labels.column(column)}: {'yes' if level == '1' else 'no'} {more}"  # a 0/1 flag
        elif is_raw_code(level):
            if for_name:
                return None
            phrase = f"{labels.column(column)} code {level} {more}"
        elif looks_like_code(level):
            phrase = f"{labels.column(column)} code {level} {more}"
        else:
            phrase = f"{labels.column(column)}: {level} {more}"
    elif column in column_phrases:
        phrase = column_phrases[column][1 if above else 0]
    else:
        phrase = f"{'higher' if above else 'lower'} {labels.column(column)}"
    return None if deficit_terms_in(phrase) else phrase


def student_value_phrase(source_column: str, level: str | None, above: bool, column_phrases: dict) -> str:
    """How one student's own value reads in a reason: the configured phrase for a number above or below
    the cohort ('more study hours'), else 'higher' / 'lower' and the humanized column name; for a level
    of a categorical column, the column and the level ('past academic performance: Above Average').
    A phrase with deficit language is never used; the fallback is then the column's own name, which is
    the input's data, not our wording (a student's reason must still name the column it is about)."""
    if level is not None:
        phrase = f"{humanize(source_column)}: {level}"
        return phrase if not deficit_terms_in(humanize(source_column)) else f"{source_column}: {level}"
    configured = column_phrases.get(source_column)
    if configured and not deficit_terms_in(configured[1 if above else 0]):
        return configured[1 if above else 0]
    phrase = f"{'higher' if above else 'lower'} {humanize(source_column)}"
    return phrase if not deficit_terms_in(phrase) else f"{'higher' if above else 'lower'} {source_column}"


def usable_phrases(contrasts: list[Contrast], column_phrases: dict, min_contrast: float, labels: Labels = NO_LABELS,
                   for_name: bool = True) -> list[tuple[str, Contrast]]:
    """Phrases for the contrasts of at least `min_contrast` standard deviations, largest first, one per
    source column."""
    seen, phrases = set(), []
    for contrast in sorted(contrasts, key=lambda c: (-abs(c.standardized_difference), c.source_column, c.level or "")):
        if abs(contrast.standardized_difference) < min_contrast or contrast.source_column in seen:
            continue
        phrase = contrast_phrase(contrast, column_phrases, labels, for_name)
        if phrase:
            seen.add(contrast.source_column)
            phrases.append((phrase, contrast))
    return phrases


def persona_names(
    contrasts_by_persona: dict[int, list[Contrast]],
    column_phrases: dict[str, list[str]],
    min_contrast: float = 0.2,
    words: int = 2,
    labels: Labels = NO_LABELS,
) -> dict[int, str]:
    """Unique names: the `words` largest contrasts as phrases, extended by further contrasts while two
    personas share a name, and numbered as a last resort. A persona without any contrast of at least
    `min_contrast` standard deviations is 'Close to the cohort average'."""
    phrases = {p: usable_phrases(c, column_phrases, min_contrast, labels) for p, c in contrasts_by_persona.items()}
    length = {p: words for p in phrases}

    def name_of(persona: int) -> str:
        chosen = [phrase for phrase, _ in phrases[persona][: length[persona]]]
        text = ", ".join(chosen) if chosen else "close to the cohort average"
        return text[0].upper() + text[1:]

    while True:
        names = {p: name_of(p) for p in phrases}
        clashes = [p for p in names if list(names.values()).count(names[p]) > 1]
        extendable = [p for p in clashes if length[p] < len(phrases[p])]
        if not extendable:
            break
        for persona in extendable:
            length[persona] += 1
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    numbered: dict[str, int] = {}
    for persona in sorted(names):
        if names[persona] in repeated:
            base = names[persona]
            numbered[base] = numbered.get(base, 0) + 1
            names[persona] = f"{base} (group {numbered[base]})"
    return names


def _format_value(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def persona_description(contrasts: list[Contrast], column_phrases: dict, min_contrast: float = 0.2, top: int = 3,
                        labels: Labels = NO_LABELS) -> str:
    """One line an advisor can read: the largest contrasts with the persona and cohort values. A persona
    made mostly (MOSTLY_WITHOUT_EVENTS) of students without any recorded event is first said to be so: what
    sets it apart is then the event log's coverage, not how these students study."""
    no_activity = next((c for c in contrasts if c.source_column == NO_ACTIVITY_COLUMN and c.level is None), None)
    coverage = ""
    if no_activity is not None and no_activity.persona_mean >= MOSTLY_WITHOUT_EVENTS:
        coverage = (f"Mostly students without recorded activity in the event log ({no_activity.persona_mean:.0%}, "
                    f"against {no_activity.cohort_mean:.0%} of the cohort): the log says nothing about how they "
                    f"study. ")
        contrasts = [c for c in contrasts if c is not no_activity]
    phrases = usable_phrases(contrasts, column_phrases, min_contrast, labels, for_name=False)[:top]
    if not phrases:
        return coverage + "Close to the cohort average on every feature."
    parts = []
    for phrase, contrast in phrases:
        if contrast.level is None and contrast.binary_values is None:
            parts.append(f"{phrase} ({_format_value(contrast.persona_mean)} vs {_format_value(contrast.cohort_mean)})")
        elif contrast.level is not None:
            flipped = contrast.standardized_difference < 0 and contrast.other_level is not None  # the other level's share
            persona, cohort = ((1 - contrast.persona_mean, 1 - contrast.cohort_mean) if flipped
                               else (contrast.persona_mean, contrast.cohort_mean))
            parts.append(f"{phrase} ({persona:.0%} vs {cohort:.0%})")
        else:
            low, high = contrast.binary_values
            share = lambda mean: (mean - low) / (high - low) if contrast.standardized_difference > 0 \
                else (high - mean) / (high - low)  # noqa: E731 - share of the value that rises
            parts.append(f"{phrase} ({share(contrast.persona_mean):.0%} vs {share(contrast.cohort_mean):.0%})")
    return coverage + "Compared with the cohort: " + "; ".join(parts) + "."


def distinguishing_columns(contrasts: list[Contrast], min_contrast: float = 0.2, top: int = 3) -> str:
    """The most distinguishing features with their standardized differences, e.g.
    'GPA +1.21 SD; Number_of_Late_Submissions -0.95 SD'."""
    chosen = sorted((c for c in contrasts if abs(c.standardized_difference) >= min_contrast),
                    key=lambda c: (-abs(c.standardized_difference), c.source_column, c.level or ""))[:top]
    return "; ".join(
        f"{c.source_column}{'=' + c.level if c.level is not None else ''} {c.standardized_difference:+.2f} SD"
        for c in chosen)


def apply_overrides(generated: dict[int, str], overrides: dict[int, str]) -> dict[int, str]:
    """Generated names with an analyst's overrides applied. Overrides must name existing personas, stay
    free of deficit terms and keep names unique; a violation is an error that names the persona."""
    names = dict(generated)
    for persona, name in overrides.items():
        if persona not in names:
            raise ValueError(f"persona_name_overrides names persona {persona}, which does not exist "
                             f"(personas: {sorted(names)})")
        terms = deficit_terms_in(name)
        if terms:
            raise ValueError(f"persona_name_overrides: the name {name!r} for persona {persona} uses deficit "
                             f"language ({', '.join(terms)}); persona names describe, they do not label")
        names[persona] = name.strip()
    duplicated = sorted({n for n in names.values() if list(names.values()).count(n) > 1})
    if duplicated:
        raise ValueError(f"persona names must be unique; after overrides these repeat: {duplicated}")
    return names
