"""STAFF ONLY: one caseload CSV per persona (or per var caseload_group_column) in the staff export folder."""


def model(dbt, session):
    import json
    from pathlib import Path

    from student_personas import caseload

    settings = json.loads(dbt.config.get("caseload_settings"))
    table = dbt.ref("student_caseload").order("student_id").to_arrow_table()
    group_column = settings["group_column"]
    return caseload.write_caseloads(
        table, Path(settings["caseload_dir"]),
        grouping=f"one file per value of {group_column}" if group_column else "one file per persona",
        group_header=group_column)
