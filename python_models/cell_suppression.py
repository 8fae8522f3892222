"""Which cells of the published outputs are withheld: primary (1 to min_cell_size - 1) and complementary
cells, over every published table at once (student_personas.disclosure)."""


# Complementary cells of this cost and up (group sizes, overall label counts) are given back afterwards where
# the rules still hold: on the reference file that restores one group size for 0.3 s; restoring from cost 2
# (composition cells too) gave back 4 more cells for 1.2 s more, and was left out.
RESTORE_COST = 3


def model(dbt, session):
    import pyarrow as pa

    from student_personas import disclosure, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    rows = dbt.ref("disclosure_cells").order("cell_id").to_arrow_table().to_pylist()
    counts = {row["cell_id"]: row["cell_count"] for row in rows}
    kinds = {row["cell_id"]: row["cell_kind"] for row in rows}
    costs = {row["cell_id"]: row["complement_cost"] for row in rows}
    relations: dict[str, dict[str, int]] = {}
    for row in rows:
        for term in row["terms"]:
            relations.setdefault(term["relation"], {})[row["cell_id"]] = term["coefficient"]
    status = disclosure.suppress_small_cells(counts, kinds, relations, settings["min_cell_size"], costs,
                                             restore_cost=RESTORE_COST)
    return pa.table({
        "cell_id": list(counts),
        "cell_count": pa.array(list(counts.values()), pa.int64()),
        "cell_kind": list(kinds.values()),
        "suppression": [status[cell] for cell in counts],
    }, schema=pa.schema([("cell_id", pa.string()), ("cell_count", pa.int64()), ("cell_kind", pa.string()),
                         ("suppression", pa.string())]))
