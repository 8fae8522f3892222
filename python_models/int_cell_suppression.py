"""Which published cells are suppressed (primary: 1 to min_cell_size - 1; secondary: complementary)."""


def model(dbt, session):
    import pyarrow as pa

    from student_personas import disclosure, warehouse

    settings = warehouse.settings(dbt.config.get("persona_settings"))
    rows = dbt.ref("int_disclosure_cells").order("table_name, cell_id").to_arrow_table().to_pylist()
    tables: dict[str, tuple[dict, dict]] = {}
    for row in rows:
        counts, lines = tables.setdefault(row["table_name"], ({}, {}))
        counts[row["cell_id"]] = row["cell_count"]
        for line in row["line_ids"]:
            lines.setdefault(line, []).append(row["cell_id"])
    output = {"table_name": [], "cell_id": [], "cell_count": [], "suppression": []}
    for table_name, (counts, lines) in sorted(tables.items()):
        status = disclosure.suppress_small_cells(counts, lines, settings["min_cell_size"])
        for cell_id in sorted(counts):
            output["table_name"].append(table_name)
            output["cell_id"].append(cell_id)
            output["cell_count"].append(counts[cell_id])
            output["suppression"].append(status[cell_id])
    return pa.table(output, schema=pa.schema([
        ("table_name", pa.string()), ("cell_id", pa.string()), ("cell_count", pa.int64()), ("suppression", pa.string())]))
