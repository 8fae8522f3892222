"""Small-cell suppression over linked tables, and the disclosure audit, on hand-checkable tables."""

import pytest

from student_personas import disclosure
from student_personas.disclosure import PUBLIC, SENSITIVE, UNPUBLISHED, exposed_cells, suppress_small_cells
from student_personas.disclosure_audit import audit, page_findings, pooled_chi_square


def table(rows: dict[str, list[int]], row_totals_public=True):
    """A persona × group table: cells, row totals (persona sizes: public), column totals (group sizes:
    sensitive) and the cohort (public), with every relation."""
    counts, kinds, relations = {}, {}, {}
    for row, values in rows.items():
        counts[f"size {row}"], kinds[f"size {row}"] = sum(values), PUBLIC if row_totals_public else SENSITIVE
        relations[f"row {row}"] = {f"size {row}": -1}
        for column, value in enumerate(values):
            cell = f"{row}/{column}"
            counts[cell], kinds[cell] = value, SENSITIVE
            relations[f"row {row}"][cell] = 1
            relations.setdefault(f"column {column}", {f"group {column}": -1})[cell] = 1
    for column in range(len(next(iter(rows.values())))):
        counts[f"group {column}"] = sum(values[column] for values in rows.values())
        kinds[f"group {column}"] = SENSITIVE
    counts["cohort"], kinds["cohort"] = sum(counts[f"size {row}"] for row in rows), PUBLIC
    relations["groups"] = {"cohort": -1, **{f"group {column}": 1 for column in range(len(next(iter(rows.values()))))}}
    relations["sizes"] = {"cohort": -1, **{f"size {row}": 1 for row in rows}}
    return counts, kinds, relations


def reader_ranges(counts, relations, status, cells):
    """Each cell's feasible range as a reader of the published cells works it out (integer programming)."""
    equations = disclosure.hidden_system(counts, relations, status)
    hidden = [cell for cell, state in status.items() if state]
    found = {exposure.cell: (exposure.low, exposure.high)
             for exposure in exposed_cells(equations, hidden, cells, 10, max(counts.values()))}
    return {cell: found.get(cell, "full") for cell in cells}


def test_nothing_is_hidden_when_every_cell_is_large_or_zero():
    counts, kinds, relations = table({"a": [20, 0, 31], "b": [15, 12, 40]})
    assert set(suppress_small_cells(counts, kinds, relations, 10).values()) == {None}


def test_a_single_small_cell_is_protected_in_its_row_its_column_and_the_group_sizes():
    counts, kinds, relations = table({"a": [20, 3, 31], "b": [15, 12, 40]})
    status = suppress_small_cells(counts, kinds, relations, 10)
    assert status["a/1"] == "primary"
    for terms in relations.values():
        assert sum(1 for cell in terms if status[cell]) != 1
    assert not any(status[cell] for cell in counts if kinds[cell] == PUBLIC)
    assert reader_ranges(counts, relations, status, ["a/1"]) == {"a/1": "full"}


def test_the_integer_program_narrows_a_cell_that_counting_hidden_cells_per_line_misses():
    """Two hidden cells in every line, yet the small cell is known to be at most 3: the other hidden cell of
    its row is a zero, so the row's hidden cells add up to the row total minus the visible 31, which is 3."""
    counts, kinds, relations = table({"a": [0, 3, 31], "b": [15, 12, 40]})
    status = {cell: None for cell in counts}
    status.update({"a/0": "secondary", "a/1": "primary", "b/0": "secondary", "b/1": "secondary"})
    assert reader_ranges(counts, relations, status, ["a/1"]) == {"a/1": (0, 3)}
    protected = suppress_small_cells(counts, kinds, relations, 10)
    assert reader_ranges(counts, relations, protected, ["a/1"]) == {"a/1": "full"}


def test_shared_totals_link_tables_and_are_protected_jointly():
    """Composition (persona × group) and the label per persona share the persona sizes; the overall number
    of positives is one cell of its own."""
    counts, kinds, relations = table({"p1": [30, 4, 26], "p2": [25, 22, 13], "p3": [40, 35, 5]})
    for persona, positives in {"p1": 2, "p2": 14, "p3": 20}.items():
        size = counts[f"size {persona}"]
        counts[f"pos {persona}"], counts[f"neg {persona}"] = positives, size - positives
        kinds[f"pos {persona}"] = kinds[f"neg {persona}"] = SENSITIVE
        relations[f"label {persona}"] = {f"size {persona}": -1, f"pos {persona}": 1, f"neg {persona}": 1}
    counts["pos"], kinds["pos"] = 36, SENSITIVE
    relations["positives"] = {"pos": -1, "pos p1": 1, "pos p2": 1, "pos p3": 1}
    status = suppress_small_cells(counts, kinds, relations, 10)
    primaries = [cell for cell, state in status.items() if state == "primary"]
    assert sorted(primaries) == ["p1/1", "p3/2", "pos p1"]
    assert set(reader_ranges(counts, relations, status, primaries).values()) == {"full"}


def test_a_total_of_several_small_cells_keeps_its_full_range():
    """With one marker for every withheld count, a reader cannot tell the small cells from the others, so a
    total of four small cells is not known to be at least 4."""
    equations = [({"t": -1, "a": 1, "b": 1, "c": 1, "d": 1}, 0), ({"a": 1, "e": 1}, 20), ({"b": 1, "f": 1}, 20),
                 ({"c": 1, "g": 1}, 20), ({"d": 1, "h": 1}, 20)]
    assert exposed_cells(equations, "tabcdefgh", ["t"], 10, 100) == []


def test_a_public_total_smaller_than_the_threshold_bounds_the_required_range():
    counts = {"size": 5, "pos": 2, "neg": 3}
    kinds = {"size": PUBLIC, "pos": SENSITIVE, "neg": SENSITIVE}
    status = suppress_small_cells(counts, kinds, {"persona": {"size": -1, "pos": 1, "neg": 1}}, 10)
    assert status == {"size": None, "pos": "primary", "neg": "primary"}


def test_unpublished_cells_are_withheld_and_checked_for_what_they_imply():
    """Missing values of a protected column (every input row) = its "(not recorded)" group + rejected rows
    without a value; with no rejected rows that split is 0 and the missing count gives the group away."""
    counts = {"missing": 4, "not recorded": 4, "in rejected": 0, "recorded in rejected": 0, "rejected": 0,
              "recorded": 96, "cohort": 100}
    kinds = {"missing": SENSITIVE, "not recorded": SENSITIVE, "in rejected": UNPUBLISHED,
             "recorded in rejected": UNPUBLISHED, "rejected": PUBLIC, "recorded": SENSITIVE, "cohort": PUBLIC}
    relations = {"missing": {"missing": -1, "not recorded": 1, "in rejected": 1},
                 "rejected": {"rejected": -1, "in rejected": 1, "recorded in rejected": 1},
                 "groups": {"cohort": -1, "not recorded": 1, "recorded": 1}}
    status = suppress_small_cells(counts, kinds, relations, 10)
    assert status["missing"] == status["not recorded"] == "primary"
    assert status["in rejected"] == status["recorded in rejected"] == "secondary"
    assert status["recorded"] == "secondary"  # else the cohort minus it would give the group away


def test_relations_must_refer_to_known_cells_and_hold():
    with pytest.raises(ValueError, match="without a count"):
        suppress_small_cells({"a": 1}, {"a": SENSITIVE}, {"l": {"a": 1, "b": -1}}, 10)
    with pytest.raises(ValueError, match="does not hold"):
        suppress_small_cells({"a": 1, "b": 2}, {"a": SENSITIVE, "b": SENSITIVE}, {"l": {"a": 1, "b": -1}}, 10)


def test_suppression_is_deterministic():
    counts, kinds, relations = table({"a": [20, 3, 31, 7], "b": [15, 12, 40, 2], "c": [11, 11, 11, 11]})
    first = suppress_small_cells(counts, kinds, relations, 10)
    assert suppress_small_cells(dict(reversed(counts.items())), kinds, dict(reversed(relations.items())), 10) == first


# ---- The audit, from published tables as a reader gets them --------------------------------------------

def cohort_tables(status=None):
    """A two-persona cohort with one protected attribute and a label: raw tables, and published ones with
    the counts named in ``status`` withheld (composition cell or group keys; outcome keys 'positives p')."""
    status = status or {}
    composition = {("F", 1): 40, ("M", 1): 37, ("X", 1): 3, ("F", 2): 30, ("M", 2): 35, ("X", 2): 15}
    positives = {1: 12, 2: 25}
    sizes = {1: 80, 2: 80}
    groups = {group: sum(n for (g, _), n in composition.items() if g == group) for group in "FMX"}
    raw_composition = [{"protected_attribute": "G", "group_value": g, "persona_id": p, "n_students": n,
                        "group_total": groups[g]} for (g, p), n in composition.items()]
    shown = lambda key, value: "suppressed" if key in status else str(value)  # noqa: E731
    published_composition = [{
        "protected_attribute": "G", "group_value": row["group_value"], "persona_id": row["persona_id"],
        "n_students": shown((row["group_value"], row["persona_id"]), row["n_students"]),
        "group_total": shown(row["group_value"], row["group_total"]),
        "share_of_persona": None if (row["group_value"], row["persona_id"]) in status
        else row["n_students"] / sizes[row["persona_id"]],
        "cohort_share": None, "share_difference": None, "representation_ratio": None}
        for row in raw_composition]
    raw_outcome = [{"scope": "persona", "persona_id": p, "n_students": sizes[p], "positives": n} for p, n in positives.items()]
    raw_outcome.append({"scope": "all students", "persona_id": None, "n_students": 160, "positives": 37})
    published_outcome = [{**row, "n_students": str(row["n_students"]),
                          "positives": shown(f"positives {row['persona_id']}", row["positives"]),
                          "rate": None if f"positives {row['persona_id']}" in status else row["positives"] / row["n_students"],
                          "ci_lower": None, "ci_upper": None, "fisher_p_value_vs_rest": None} for row in raw_outcome]
    published = {"persona_summary": [{"persona_id": p, "n_students": n} for p, n in sizes.items()],
                 "persona_outcome_context": published_outcome, "fairness_composition": published_composition}
    raw = {"persona_outcome_context": raw_outcome, "fairness_composition": raw_composition,
           "int_column_roles": [{"column_name": "G", "role": "protected"}]}
    return published, raw


def findings(status):
    published, raw = cohort_tables(status)
    return {(finding.kind, finding.cell) for finding in audit(published, raw, 10)}


def test_the_audit_passes_a_protected_table_and_finds_each_kind_of_disclosure():
    protected = {("X", 1): 1, ("X", 2): 1, ("M", 1): 1, ("M", 2): 1}
    assert findings(protected) == set()
    assert ("published_small_count", "composition/G/X/1") in findings({})
    # Row 1 hides only the small cell: persona size minus the visible cells gives it back.
    assert findings({("X", 1): 1, ("X", 2): 1}) >= {("narrowed", "composition/G/X/1")}
    published, raw = cohort_tables(protected)
    published["fairness_composition"][2]["share_of_persona"] = 3 / 80  # rate x n gives 3 back
    kinds = {finding.kind for finding in audit(published, raw, 10)}
    assert kinds == {"derived_value"}
    published, raw = cohort_tables(protected)
    published["fairness_composition"][0]["n_students"] = "41"
    assert {finding.kind for finding in audit(published, raw, 10)} >= {"inconsistent"}


def test_pooled_chi_square_uses_only_published_numbers():
    published, _ = cohort_tables({("X", 1): 1, ("X", 2): 1, ("M", 1): 1, ("M", 2): 1})
    cells = {(row["group_value"], row["persona_id"]): row["n_students"] for row in published["fairness_composition"]}
    chi_square, columns = pooled_chi_square(cells, {1: 80, 2: 80})
    # F kept whole (40, 30); M and X pooled (40, 50): a 2 x 2 table.
    expected = sum((observed - 80 * column / 160) ** 2 / (80 * column / 160)
                   for observed, column in [(40, 70), (30, 70), (40, 90), (50, 90)])
    assert columns == 2 and chi_square == pytest.approx(expected)
    assert pooled_chi_square({key: "suppressed" for key in cells}, {1: 80, 2: 80}) is None


def test_page_findings_catch_a_small_group_count_shown_with_its_name():
    pages = {"bars": '<figure class="chart" aria-label="Counts of Gender"><svg><text>Female</text><text>Nonbinary</text>'
                     '<path d="M 0 3.5"/><text>512 (51%)</text><text>3 (0%)</text></svg></figure>',
             "table": "<table><tr><td>Nonbinary</td><td>3</td></tr></table>",
             "json": '<script>{"data": [{"level": "Nonbinary", "n_students": 3}]}</script>',
             "safe": '<table><tr><td>Nonbinary</td><td>suppressed</td><td>3.1%</td></tr></table>'
                     '<figure aria-label="Composition heatmap"><text>Nonbinary</text><text>3</text></figure>'
                     '<p class="note">Withheld: Nonbinary.</p><path d="M 3 3"/>'}
    found = {finding.cell for finding in page_findings(pages, [("Nonbinary", 3)])}
    assert found == {"bars/Nonbinary", "table/Nonbinary", "json/Nonbinary"}


def test_costs_choose_the_complement_and_costly_complements_are_given_back_where_possible():
    """A small cell in a composition row whose group size also sits in a second table: the cheap complement
    (a count only a parity table shows) is taken before the group size, and a costly complement the rules do
    not need is published again."""
    counts, kinds, relations = table({"a": [20, 3, 31], "b": [15, 12, 40]})
    costs = {cell: 2 for cell in counts}
    costs.update({"group 0": 3, "group 1": 3, "group 2": 3})
    status = suppress_small_cells(counts, kinds, relations, 10, costs, restore_cost=3)
    assert status["a/1"] == "primary"
    assert not any(status[f"group {column}"] for column in range(3))  # row totals and cells protect it
    assert reader_ranges(counts, relations, status, ["a/1"]) == {"a/1": "full"}
    expensive = {cell: (0 if cell.startswith("group") else 2) for cell in counts}
    cheap_groups = suppress_small_cells(counts, kinds, relations, 10, expensive)
    assert any(cheap_groups[f"group {column}"] for column in range(3))  # now the group sizes go first


def test_page_check_reads_chart_data_but_not_sort_orders_or_ids():
    from student_personas.disclosure_audit import page_findings

    spec = ('<script>{"encoding":{"x":{"sort":["Female","Nonbinary"],"axis":{"labelPadding":4}}},'
            '"data":[{"column":"Nonbinary","value":null,"persona_id":4}]}</script>')
    assert page_findings({"page": spec}, [("Nonbinary", 4)]) == []
    leaking = spec.replace('"persona_id":4}', '"persona_id":1},{"level":"Nonbinary","n_students":4}')
    assert [finding.cell for finding in page_findings({"page": leaking}, [("Nonbinary", 4)])] == ["page/Nonbinary"]
    row = "<table><tr><td>Nonbinary</td><td>4</td></tr></table>"
    assert len(page_findings({"page": row}, [("Nonbinary", 4)])) == 1


def test_a_name_in_a_chart_caption_is_read_with_its_caption_not_the_chart_settings():
    from student_personas.disclosure_audit import page_findings

    figure = ('<figure class="chart" aria-label="Counts of Pathway"><script type="application/json">'
              '{"mark":{"dx":3,"step":1},"data":{"values":[{"level":"Main","n":970}]}}</script>'
              '<figcaption>withheld by the small-cell rule: Evening, Exchange</figcaption></figure>')
    assert page_findings({"page": figure}, [("Exchange", 1), ("Evening", 3)]) == []
    leaking = figure.replace("Evening, Exchange", "Exchange 1")
    assert [finding.cell for finding in page_findings({"page": leaking}, [("Exchange", 1)])] == ["page/Exchange"]


def with_label_audit(roc_auc: float, withhold_positives: bool = False):
    """cohort_tables with the overall tiers and one label-signal audit model (all counts of 10 and up)."""
    status = {("X", 1): 1, ("X", 2): 1, ("M", 1): 1, ("M", 2): 1}
    if withhold_positives:
        status.update({"positives None": 1, "positives 1": 1, "positives 2": 1})
    published, raw = cohort_tables(status)
    tiers = [{"scope": "all students", "persona_id": None, "tier": tier, "n_students": n, "scope_students": 160,
              "share": n / 160} for tier, n in (("GREEN", 100), ("AMBER", 40), ("RED", 20))]
    raw["context_tier_counts"] = tiers
    published["context_tier_counts"] = [{**row, "n_students": str(row["n_students"]), "scope_students": "160"}
                                        for row in tiers]
    audit_row = {"model": "m", "roc_auc": roc_auc, "pr_auc": 0.41, "flagged": 20, "true_positives": 10,
                 "false_positives": 10, "false_negatives": 27, "true_negatives": 113, "recall": 10 / 37,
                 "precision": 0.5}
    raw["label_signal_audit"] = [audit_row]
    published["label_signal_audit"] = [{**audit_row, **{column: str(audit_row[column]) for column in (
        "flagged", "true_positives", "false_positives", "false_negatives", "true_negatives")}}]
    return published, raw


def test_the_audit_finds_an_auc_that_could_give_a_withheld_count_back():
    assert audit(*with_label_audit(0.73), 10) == []
    kinds = {(finding.kind, finding.cell) for finding in audit(*with_label_audit(0.7312345), 10)}
    assert kinds == {("derived_value", "label_signal_audit/m")}
    published, raw = with_label_audit(0.73, withhold_positives=True)
    details = [finding.detail for finding in audit(published, raw, 10) if finding.cell == "label_signal_audit/m"]
    assert any("roc_auc is published although the label's positives or negatives are withheld" in d for d in details)


def test_two_overlapping_releases_give_a_small_count_back_as_the_pages_and_readme_say():
    """The documented limit, shown: each release passes the audit on its own (every published group has 10
    students or more), and their difference is the one student who left, with her group."""
    first = cohort_tables({("X", 1): 1, ("X", 2): 1, ("M", 1): 1, ("M", 2): 1})
    assert audit(*first, 10) == []
    groups = {row["group_value"]: int(row["group_total"]) for row in first[0]["fairness_composition"]
              if row["group_total"] != "suppressed"}
    second = dict(groups, F=groups["F"] - 1)  # the same cohort a week later, one student of group F fewer
    assert min(second.values()) >= 10 and groups["F"] - second["F"] == 1  # a count of 1, recomputed
    from conftest import PROJECT_DIR

    stated = "Two releases of overlapping cohorts"
    assert stated in (PROJECT_DIR / "reports" / "personas_context.html.j2").read_text()
    assert stated in (PROJECT_DIR / "reports" / "data_quality.html.j2").read_text()
    assert "One release per cohort: the limit" in (PROJECT_DIR / "README.md").read_text()
