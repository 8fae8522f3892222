"""Which persona-transition counts are withheld when published (primary: 1 to min_cell_size - 1;
secondary: complementary), checked by student_personas.disclosure's integer program."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import disclosure, warehouse

    dbt.config(tags=["scoring"])
    settings = warehouse.settings(dbt.ref("stg_settings"))
    rows = dbt.ref("persona_transitions").order(
        "model_version, step, persona_from, persona_to").to_arrow_table().to_pylist()
    counts, kinds, relations = {}, {}, {}
    for row in rows:
        row_line = f"{row['model_version']}|{row['term_from']}|{row['term_to']}|{row['persona_from']}"
        cell = f"{row_line}|{row['persona_to']}"
        counts[cell], kinds[cell] = row["students"], disclosure.SENSITIVE
        # Shares of the earlier persona are published, so each row's total can be worked out: it counts
        # as public.
        total = f"{row_line}|total"
        counts[total] = counts.get(total, 0) + row["students"]
        kinds[total] = disclosure.PUBLIC
        relations.setdefault(row_line, {total: -1})[cell] = 1
    status = disclosure.suppress_small_cells(counts, kinds, relations, settings["min_cell_size"])
    cells = sorted(cell for cell in counts if kinds[cell] == disclosure.SENSITIVE)
    return pa.table({
        "cell_id": pa.array(cells, pa.string()),
        "suppression": pa.array([status[cell] for cell in cells], pa.string()),
    })
