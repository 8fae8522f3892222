"""Which persona-transition counts are suppressed when published (primary: 1 to min_cell_size - 1; secondary: complementary)."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import disclosure, warehouse

    dbt.config(tags=["scoring"])
    settings = warehouse.settings(dbt.config.get("persona_settings"))
    rows = dbt.ref("persona_transitions").order(
        "model_version, step, persona_from, persona_to").to_arrow_table().to_pylist()
    counts, lines = {}, {}
    for row in rows:
        row_line = f"{row['model_version']}|{row['term_from']}|{row['term_to']}|{row['persona_from']}"
        cell = f"{row_line}|{row['persona_to']}"
        counts[cell] = row["students"]
        # Shares of the earlier persona are published, so each row's total can be worked out.
        lines.setdefault(row_line, []).append(cell)
    status = disclosure.suppress_small_cells(counts, lines, settings["min_cell_size"])
    cells = sorted(counts)
    return pa.table({
        "cell_id": pa.array(cells, pa.string()),
        "suppression": pa.array([status[cell] for cell in cells], pa.string()),
    })
