"""The disclosure audit: what a reader of the published outputs can work out about small counts.

It reads the published tables as a reader gets them (the ``*_published`` views, or the Parquet files of the
published exports) together with the raw tables staff hold (only to know which counts are small in
truth), and reports every way a count from 1 to ``min_cell_size - 1`` of students by label or protected
group can be read or recomputed:

- ``published_small_count``: a small count printed as a number;
- ``inconsistent``: a published number that differs from the warehouse, or two tables publishing one count
  differently (the audit would be meaningless);
- ``derived_value``: a rate, share, interval, p-value or statistic published although a count it is
  computed from is withheld (rate x n gives the count back);
- ``narrowed``: by integer programming over every published number of every table at once and the exact
  relations between them (scipy's ``milp``), a withheld small count that cannot be every value from 1 to
  min_cell_size - 1 (or a public total's size, when that is smaller);
- ``page_small_count`` (:func:`page_findings`): a page printing a small group's count next to its name.

The relations are written here from what each published table means, independently of the cell system that
suppression uses (``disclosure_cells``), so the audit checks that system rather than repeating it.
"""

from __future__ import annotations

import math
import re
from html import escape as html_escape
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from student_personas.disclosure import exposed_cells

WITHHELD = "suppressed"
ALL_STUDENTS = "All students"
NOT_RECORDED = "(not recorded)"
CONFUSION = ("tp", "fp", "fn", "tn")


# What a finding means and what to do: suppression and the audit read one system of cells
# (disclosure_cells), so on any input a finding is a bug in the suppression, never the data's fault.
WHAT_TO_DO = (
    "Nothing was published (the last good build stays). This is a bug in small-cell suppression "
    "(models/marts/disclosure/disclosure_cells.sql and the *_published view of the table named in the cell): "
    "the published tables do not withhold what the audit can read or work out. Report it with this row; "
    "raising min_cell_size does not help.")


@dataclass(frozen=True)
class Finding:
    kind: str
    cell: str
    detail: str

    def as_row(self) -> dict:
        return {"finding": self.kind, "cell": self.cell, "detail": self.detail, "what_to_do": WHAT_TO_DO}


@dataclass
class ReaderSystem:
    """Counts as a reader sees them: published numbers, withheld ones, and relations (total = sum)."""

    min_cell_size: int
    published: dict[tuple, int] = field(default_factory=dict)
    withheld: set[tuple] = field(default_factory=set)
    truth: dict[tuple, int] = field(default_factory=dict)
    public: set[tuple] = field(default_factory=set)
    relations: list[tuple[tuple, list[tuple]]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def show(self, key: tuple, text, true_value, where: str) -> None:
        """A count as a table publishes it (a number, or the withheld marker), with its true value."""
        if true_value is None:
            return
        true_value = int(true_value)
        self.know(key, true_value)
        if text is None or text == WITHHELD:
            self.withheld.add(key)
            return
        value = int(text)
        if value != true_value:
            self.findings.append(Finding("inconsistent", label(key), f"{where} publishes {value}, the warehouse holds {true_value}"))
        if key in self.published and self.published[key] != value:
            self.findings.append(Finding("inconsistent", label(key), f"published as {self.published[key]} and {value}"))
        self.published[key] = value

    def know(self, key: tuple, true_value) -> None:
        if true_value is not None:
            self.truth.setdefault(key, int(true_value))

    def relate(self, total: tuple, members: Sequence[tuple]) -> None:
        self.relations.append((total, list(members)))

    def derived(self, value, counts: Sequence, cell: str, what: str) -> None:
        """A published derived value must be null when any count it is computed from is withheld."""
        if value is not None and not (isinstance(value, float) and math.isnan(value)) and WITHHELD in counts:
            self.findings.append(Finding("derived_value", cell, f"{what} is published although a count it uses is withheld"))

    def solve(self) -> None:
        m = self.min_cell_size
        for key, value in self.published.items():
            if key not in self.public and 0 < value < m:
                self.findings.append(Finding("published_small_count", label(key), f"published as {value}"))
        unknown = {key for key in self.truth if key not in self.published}
        equations = []
        for total, members in self.relations:
            terms: dict[tuple, int] = {}
            constant = 0
            for key, coefficient in [(total, -1)] + [(member, 1) for member in members]:
                if key in self.published:
                    constant -= coefficient * self.published[key]
                elif key in unknown:
                    terms[key] = terms.get(key, 0) + coefficient
                else:
                    raise ValueError(f"disclosure audit: {label(key)} is in a relation but no table holds it")
            if terms:
                equations.append(({label(key): coefficient for key, coefficient in terms.items() if coefficient},
                                  constant))
        bounds = {}
        for total, members in self.relations:
            if total in self.public and total in self.published:
                for member in members:
                    bounds[label(member)] = min(bounds.get(label(member), self.published[total]), self.published[total])
        targets = [label(key) for key in sorted(unknown, key=label)
                   if key not in self.public and 0 < self.truth[key] < m]
        upper = max([1, *self.truth.values()])
        truth = {label(key): value for key, value in self.truth.items()}
        try:
            exposures = exposed_cells(equations, [label(key) for key in unknown], targets, m, upper, bounds)
        except ValueError as error:  # published numbers that no counts satisfy: reported, not solved
            self.findings.append(Finding("inconsistent", "all tables", str(error)))
            return
        for exposure in exposures:
            self.findings.append(Finding("narrowed", exposure.cell, exposure.describe(truth[exposure.cell])))


def label(key: tuple) -> str:
    return "/".join(str(part) for part in key)


def rows_of(table) -> list[dict]:
    """Rows of a pyarrow table, a DuckDB relation or a list of dicts."""
    if table is None:
        return []
    if isinstance(table, list):
        return table
    if hasattr(table, "to_arrow_table"):
        table = table.to_arrow_table()
    return table.to_pylist()


def audit(published: Mapping[str, object], raw: Mapping[str, object], min_cell_size: int) -> list[Finding]:
    """Every finding about the published tables.

    ``published``: persona_summary, persona_outcome_context, fairness_composition, fairness_flag_parity,
    context_tier_counts, label_signal_audit, data_quality_summary, fairness_association (the published
    variants: names without ``_published``). ``raw``: the same tables as the warehouse holds them (not
    persona_summary) and int_column_roles (which columns are protected), used only for the true values."""
    system = ReaderSystem(min_cell_size)
    get = lambda name: rows_of(published.get(name))  # noqa: E731
    raw_rows = lambda name: rows_of(raw.get(name))  # noqa: E731

    # Personas and the cohort: published as they are.
    sizes = {row["persona_id"]: int(row["n_students"]) for row in get("persona_summary")}
    cohort = sum(sizes.values())
    system.public |= {("cohort",), *[("persona", persona) for persona in sizes]}
    system.show(("cohort",), cohort, cohort, "persona_summary")
    for persona, size in sizes.items():
        system.show(("persona", persona), size, size, "persona_summary")
    system.relate(("cohort",), [("persona", persona) for persona in sizes])

    _outcome(system, get("persona_outcome_context"), raw_rows("persona_outcome_context"), sizes)
    _composition(system, get("fairness_composition"), raw_rows("fairness_composition"), sizes)
    _tiers(system, get("context_tier_counts"), raw_rows("context_tier_counts"), sizes)
    _parity(system, get("fairness_flag_parity"), raw_rows("fairness_flag_parity"))
    _label_audit(system, get("label_signal_audit"), raw_rows("label_signal_audit"))
    roles = raw_rows("int_column_roles")
    sensitive = {"protected": {row["column_name"] for row in roles if row["role"] == "protected"},
                 "any": {row["column_name"] for row in roles if row["role"] in ("protected", "label", "label_source")}}
    _quality(system, get("data_quality_summary"), raw_rows("data_quality_summary"), sensitive)
    _association(system, get("fairness_association"), get("fairness_composition"), sizes)
    system.solve()
    return system.findings


def _outcome(system: ReaderSystem, rows, raw_rows, sizes) -> None:
    truth = {row["persona_id"]: row for row in raw_rows}
    overall = next((row for row in rows if row["scope"] == "all students"), None)
    for row in rows:
        persona = row["persona_id"]
        raw_row = truth.get(persona) or {}
        key = ("positives", persona) if persona is not None else ("positives",)
        system.show(key, row["positives"], raw_row.get("positives"), "persona_outcome_context")
        if persona is not None:
            system.show(("persona", persona), row["n_students"], raw_row.get("n_students"), "persona_outcome_context")
            system.know(("negatives", persona), raw_row["n_students"] - raw_row["positives"])
            system.relate(("persona", persona), [("positives", persona), ("negatives", persona)])
        else:
            system.show(("cohort",), row["n_students"], raw_row.get("n_students"), "persona_outcome_context")
        cell = f"persona_outcome_context/{persona if persona is not None else 'all students'}"
        counts = [row["positives"], row["n_students"]]
        for column in ("rate", "ci_lower", "ci_upper"):
            system.derived(row[column], counts, cell, column)
        system.derived(row["fisher_p_value_vs_rest"], counts + [overall["positives"] if overall else None], cell,
                       "fisher_p_value_vs_rest")
    if rows:
        personas = [row["persona_id"] for row in rows if row["persona_id"] is not None]
        system.relate(("positives",), [("positives", persona) for persona in personas])
        system.relate(("negatives",), [("negatives", persona) for persona in personas])
        system.know(("negatives",), sum(row["n_students"] - row["positives"] for row in raw_rows if row["persona_id"] is not None))
        system.relate(("cohort",), [("positives",), ("negatives",)])


def _composition(system: ReaderSystem, rows, raw_rows, sizes) -> None:
    truth = {(row["protected_attribute"], row["group_value"], row["persona_id"]): row for row in raw_rows}
    members: dict[tuple, list[tuple]] = {}
    for row in rows:
        attribute, group, persona = row["protected_attribute"], row["group_value"], row["persona_id"]
        raw_row = truth[(attribute, group, persona)]
        cell = ("composition", attribute, group, persona)
        system.show(cell, row["n_students"], raw_row["n_students"], "fairness_composition")
        system.show(("group", attribute, group), row["group_total"], raw_row["group_total"], "fairness_composition")
        members.setdefault(("persona", persona, attribute), []).append(cell)
        members.setdefault(("group", attribute, group), []).append(cell)
        where = f"fairness_composition/{attribute}/{group}/{persona}"
        system.derived(row["share_of_persona"], [row["n_students"]], where, "share_of_persona")
        system.derived(row["cohort_share"], [row["group_total"]], where, "cohort_share")
        for column in ("share_difference", "representation_ratio"):
            system.derived(row[column], [row["n_students"], row["group_total"]], where, column)
    groups: dict[str, set] = {}
    for (kind, first, second), cells in members.items():
        if kind == "persona":
            system.relate(("persona", first), cells)
        else:
            system.relate(("group", first, second), cells)
            groups.setdefault(first, set()).add(("group", first, second))
    for attribute, keys in groups.items():
        system.relate(("cohort",), sorted(keys, key=label))


def _tiers(system: ReaderSystem, rows, raw_rows, sizes) -> None:
    truth = {(row["scope"], row["persona_id"], row["tier"]): row for row in raw_rows}
    per_persona: dict = {}
    per_tier: dict = {}
    for row in rows:
        raw_row = truth[(row["scope"], row["persona_id"], row["tier"])]
        if row["scope"] == "all students":
            key = ("tier", row["tier"])
            system.show(("cohort",), row["scope_students"], raw_row["scope_students"], "context_tier_counts")
        else:
            key = ("tier", row["tier"], row["persona_id"])
            system.show(("persona", row["persona_id"]), row["scope_students"], raw_row["scope_students"], "context_tier_counts")
            per_persona.setdefault(row["persona_id"], []).append(key)
            per_tier.setdefault(row["tier"], []).append(key)
        system.show(key, row["n_students"], raw_row["n_students"], "context_tier_counts")
        system.derived(row["share"], [row["n_students"]], f"context_tier_counts/{label(key)}", "share")
    for persona, keys in per_persona.items():
        system.relate(("persona", persona), keys)
    for tier, keys in per_tier.items():
        system.relate(("tier", tier), keys)
    tiers = sorted({row["tier"] for row in rows})
    if tiers:
        system.relate(("cohort",), [("tier", tier) for tier in tiers])
        system.relate(("flag", "not_flagged"), [("tier", tier) for tier in tiers if tier != "RED"])
        system.know(("flag", "not_flagged"), sum(row["n_students"] for row in raw_rows
                                                  if row["scope"] == "all students" and row["tier"] != "RED"))


# Each parity metric's numerator and denominator, as counts of the group's confusion table.
PARITY_METRICS = {
    "flag_rate": ("flagged", "n"),
    "true_positive_rate": ("tp", "positives"),
    "false_positive_rate": ("fp", "negatives"),
    "positive_predictive_value": ("tp", "flagged"),
    "negative_predictive_value": ("tn", "not_flagged"),
}


def _parity_key(attribute: str, group: str, name: str) -> tuple:
    """A parity count as the cell a reader knows from other tables where it is one."""
    if group == ALL_STUDENTS:
        return {"n": ("cohort",), "positives": ("positives",), "negatives": ("negatives",),
                "flagged": ("tier", "RED"), "not_flagged": ("flag", "not_flagged")}.get(name, ("flag", name))
    if name == "n":
        return ("group", attribute, group)
    return ("parity", attribute, group, name)


def _parity(system: ReaderSystem, rows, raw_rows) -> None:
    truth = {(row["protected_attribute"], row["group_value"], row["metric"]): row for row in raw_rows}
    groups: dict[str, set] = {}
    for row in rows:
        attribute, group, metric = row["protected_attribute"], row["group_value"], row["metric"]
        raw_row = truth[(attribute, group, metric)]
        numerator, denominator = PARITY_METRICS[metric]
        system.show(_parity_key(attribute, group, numerator), row["numerator"], raw_row["numerator"], "fairness_flag_parity")
        system.show(_parity_key(attribute, group, denominator), row["denominator"], raw_row["denominator"], "fairness_flag_parity")
        if metric == "true_positive_rate":
            system.know(_parity_key(attribute, group, "fn"), raw_row["denominator"] - raw_row["numerator"])
        where = f"fairness_flag_parity/{attribute}/{group}/{metric}"
        for column in ("rate", "ci_lower", "ci_upper"):
            system.derived(row[column], [row["numerator"], row["denominator"]], where, column)
        overall = next((other for other in rows if other["protected_attribute"] == attribute
                        and other["group_value"] == ALL_STUDENTS and other["metric"] == metric), row)
        system.derived(row["difference_from_all_students"], [row["numerator"], row["denominator"],
                       overall["numerator"], overall["denominator"]], where, "difference_from_all_students")
        groups.setdefault(attribute, set()).add(group)
    for attribute, values in groups.items():
        for group in values:
            key = lambda name: _parity_key(attribute, group, name)  # noqa: E731
            system.relate(key("flagged"), [key("tp"), key("fp")])
            system.relate(key("not_flagged"), [key("fn"), key("tn")])
            system.relate(key("positives"), [key("tp"), key("fn")])
            system.relate(key("negatives"), [key("fp"), key("tn")])
            system.relate(key("n"), [key("flagged"), key("not_flagged")])
        for name in CONFUSION:
            system.relate(_parity_key(attribute, ALL_STUDENTS, name),
                          [_parity_key(attribute, group, name) for group in sorted(values) if group != ALL_STUDENTS])


def _label_audit(system: ReaderSystem, rows, raw_rows) -> None:
    truth = {row["model"]: row for row in raw_rows}
    columns = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives", "tn": "true_negatives"}
    for row in rows:
        model, raw_row = row["model"], truth[row["model"]]
        key = lambda name: ("audit", model, name)  # noqa: E731
        system.show(("tier", "RED"), row["flagged"], raw_row["flagged"], "label_signal_audit")
        for name, column in columns.items():
            system.show(key(name), row[column], raw_row[column], "label_signal_audit")
        system.relate(("tier", "RED"), [key("tp"), key("fp")])
        system.relate(("flag", "not_flagged"), [key("fn"), key("tn")])
        system.relate(("positives",), [key("tp"), key("fn")])
        system.relate(("negatives",), [key("fp"), key("tn")])
        label_withheld = ("positives",) in system.withheld or ("negatives",) in system.withheld
        for column in ("roc_auc", "pr_auc"):
            value = row.get(column)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if label_withheld:
                system.findings.append(Finding("derived_value", f"label_signal_audit/{model}", f"{column} is published "
                                               "although the label's positives or negatives are withheld"))
            elif round(value, 2) != value:
                system.findings.append(Finding("derived_value", f"label_signal_audit/{model}", f"{column} {value!r} is "
                                               "published at full precision: it counts pairs of positives and "
                                               "negatives, so it may give their numbers back"))
        system.derived(row["recall"], [row["true_positives"], row["false_negatives"]], f"label_signal_audit/{model}", "recall")
        system.derived(row["precision"], [row["true_positives"], row["false_positives"]], f"label_signal_audit/{model}",
                       "precision")


QUALITY_CHECKS_BY_COLUMN = ("rejected_by_check", "range_violation")


def _quality(system: ReaderSystem, rows, raw_rows, sensitive: dict[str, set[str]]) -> None:
    """The data-quality counts by label or protected group: the label's prevalence (the cohort's positives),
    a protected column's missing values in the fitted cohort (its "(not recorded)" group: the published
    count must be that group's, whatever the table says), and rows rejected by a check of a label or
    protected column (no relation to any other count: a row can fail several checks)."""
    truth = {(row["check_name"], row["column_name"], row["detail"]): row for row in raw_rows}
    for row in rows:
        where = f"data_quality_summary/{row['check_name']}/{row['column_name']}"
        if row["check_name"] == "label_prevalence":
            raw_row = truth[(row["check_name"], row["column_name"], row["detail"])]
            system.show(("positives",), row["count"], raw_row["count"], "data_quality_summary")
            system.show(("cohort",), row["denominator"], raw_row["denominator"], "data_quality_summary")
        elif row["check_name"] == "missing_values" and row["column_name"] in sensitive.get("protected", set()):
            group = ("group", row["column_name"], NOT_RECORDED)
            system.show(group, row["count"], system.truth.get(group, 0), "data_quality_summary")
            if row["denominator"] != system.truth.get(("cohort",)):
                system.findings.append(Finding(
                    "inconsistent", where, "a protected column's missing values must be counted in the fitted "
                    "cohort (its '(not recorded)' group), not over other rows"))
        elif row["check_name"] in QUALITY_CHECKS_BY_COLUMN and row["column_name"] in sensitive.get("any", set()):
            raw_row = truth[(row["check_name"], row["column_name"], row["detail"])]
            system.show(("quality", row["check_name"], row["column_name"], row["detail"]), row["count"],
                        raw_row["count"], "data_quality_summary")
        else:
            continue
        for column in ("rate", "ci_lower", "ci_upper"):
            system.derived(row.get(column), [row["count"], row["denominator"]], where, column)


def _association(system: ReaderSystem, rows, composition, sizes) -> None:
    """The association statistics must be computable from the published composition (groups with a
    withheld cell pooled): then they tell a reader nothing the cells do not."""
    tables: dict[str, dict] = {}
    for row in composition:
        tables.setdefault(row["protected_attribute"], {})[(row["group_value"], row["persona_id"])] = row["n_students"]
    for row in rows:
        attribute = row["protected_attribute"]
        expected = pooled_chi_square(tables.get(attribute, {}), sizes, WITHHELD)
        value = row["chi_square"]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if expected is None or not math.isclose(value, expected[0], rel_tol=1e-6, abs_tol=1e-9):
            system.findings.append(Finding(
                "derived_value", f"fairness_association/{attribute}",
                f"chi_square {value} is not the statistic of the published cells ({expected and expected[0]})"))


def pooled_chi_square(cells: Mapping[tuple, str], sizes: Mapping, marker: str = WITHHELD) -> tuple[float, int] | None:
    """Pearson's chi-square of a published persona x group table (``cells``: (group, persona) -> published
    count) with every group that has a withheld cell pooled into one column, whose counts are the persona
    sizes minus the visible cells; and the number of columns. None when fewer than two columns remain."""
    groups = sorted({group for group, _ in cells})
    personas = sorted({persona for _, persona in cells})
    pooled = {group for (group, _), text in cells.items() if text == marker}
    columns = [[int(cells[(group, persona)]) for persona in personas] for group in groups if group not in pooled]
    if pooled:
        columns.append([int(sizes[persona]) - sum(column[row] for column in columns) for row, persona in enumerate(personas)])
    if len(columns) < 2 or len(personas) < 2:
        return None
    n = sum(sum(column) for column in columns)
    row_totals = [sum(column[row] for column in columns) for row in range(len(personas))]
    chi_square = 0.0
    for column in columns:
        column_total = sum(column)
        for row, observed in enumerate(column):
            expected = row_totals[row] * column_total / n
            if expected > 0:
                chi_square += (observed - expected) ** 2 / expected
    return chi_square, len(columns)


NUMBER = re.compile(r"(?<![\d.,])(\d+)(?![\d.,%])")
TAG = re.compile(r"<[^>]*>")
ID_FIELD = re.compile(r'"\w*_id"\s*:\s*\d+')
CONTEXT_TAGS = ("tr", "li", "p", "figcaption", "figure")  # the smallest one around a name is its context


def _enclosing(html: str, position: int) -> str:
    """The smallest table row, list item, paragraph, bar chart of counts or JSON object around ``position``:
    what a reader sees together with the text there (a table row, a bar's label and its value, a chart
    datum). Other figures (heatmaps, interval charts) label their axes with persona numbers and ticks, so
    they are not read as one context."""
    contexts = []
    for tag in CONTEXT_TAGS:
        openings = [match.start() for match in re.finditer(rf"<{tag}[\s>]", html[max(0, position - 200_000):position])]
        start = max(0, position - 200_000) + openings[-1] if openings else -1
        end = html.find(f"</{tag}>", position)
        if start >= 0 and end >= 0 and html.rfind(f"</{tag}>", start, position) < 0:
            if tag == "figure" and 'aria-label="Counts of' not in html[start:start + 300]:
                continue
            contexts.append(html[start:end])
    depth, start = 0, -1
    # A JSON string value ("key": "Nonbinary"): the object around it is one datum. A name in a list (a
    # chart's sort order or domain) belongs to no datum.
    quoted = position > 1 and html[position - 1] == '"' and html[:position - 1].rstrip().endswith(":")
    for index in range(position - 1, max(-1, position - 2000) if quoted else position - 1, -1):
        if html[index] == "}":
            depth += 1
        elif html[index] == "{":
            if depth == 0:
                start = index
                break
            depth -= 1
    if start >= 0:
        end = html.find("}", position)
        if end >= 0:
            contexts.append(html[start:end + 1])
    return min(contexts, key=len) if contexts else ""


def page_findings(pages: Mapping[str, str], small_counts: Sequence[tuple[str, int]]) -> list[Finding]:
    """Pages that show a small count together with the name it counts: in one table row, list item,
    paragraph, chart (a bar "Nonbinary" with its value label "3") or chart datum ({"level": "Nonbinary",
    "n_students": 3}). ``small_counts`` are (name, true count) pairs of small groups."""
    findings = []
    for page, html in pages.items():
        for name, count in small_counts:
            for match in re.finditer(re.escape(html_escape(name)), html):
                # Ids in a chart datum ("persona_id": 4) are not counts.
                context = ID_FIELD.sub(" ", TAG.sub(" ", _enclosing(html, match.start())))
                if any(int(number) == count for number in NUMBER.findall(context)):
                    findings.append(Finding("page_small_count", f"{page}/{name}",
                                            f"shows {count} with {name!r}: {' '.join(context.split())[:120]!r}"))
                    break
    return findings
