"""STAFF ONLY: one caseload CSV per persona (or per var caseload_group_column) in the staff export folder,
written into the exports' staging folder once bi_exports has prepared it, so it is published with the build."""


def model(dbt, session):
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.compute as pc

    from student_personas import caseload, exports, publish, warehouse

    settings = warehouse.settings(dbt.ref("stg_settings"))
    dbt.ref("bi_exports")  # the exports' staging folder exists once bi_exports has run
    table = dbt.ref("student_caseload").order("student_id, term").to_arrow_table()
    group_column = settings["caseload_group_column"]
    final = Path(settings["exports_dir"])
    staging = publish.staging_folder(final)
    manifest = caseload.write_caseloads(
        table, staging / exports.STAFF / "caseload",
        grouping=f"one file per value of {group_column}" if group_column else "one file per persona",
        group_header=group_column)
    # The manifest names each file where it will be once the build is published.
    published = pc.replace_substring(manifest.column("file"), str(staging), str(final))
    return manifest.set_column(manifest.schema.get_field_index("file"), "file", pa.array(published.to_pylist()))
