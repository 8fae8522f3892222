"""BI exports: Parquet files and a Tableau Hyper extract, in two folders for two audiences.

- ``published/``: aggregates only, fit for a wide audience. Every count by label or protected group comes
  from a ``*_published`` view, so it has passed small-cell suppression over all published tables at once.
- ``staff_only_student_level/``: one row per student (persona assignments, factor scores, similar
  students, peer profiles) for authorised staff. No file there carries a column derived from the label
  (no persona rate, neighbour positives, context score or tier): such a column would give back the counts
  the published tables withhold (a persona's rate times its students is its number of positives). The
  context indicator stays in the warehouse.

A build writes both folders into a staging folder (student_personas.publish), which replaces the exports
folder only when the whole build succeeds. List columns become comma-separated text, which every BI tool
reads.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa

from student_personas import publish

PUBLISHED, STAFF = "published", "staff_only_student_level"
HYPER_FILES = {PUBLISHED: "student_personas.hyper", STAFF: "student_personas_staff_only.hyper"}
README = {
    PUBLISHED: "Aggregates for a wide audience. Counts by label or protected group passed small-cell "
               "suppression: a withheld count reads 'suppressed'.\n",
    STAFF: "STUDENT-LEVEL DATA, FOR AUTHORISED STAFF ONLY. Do not publish or share these files outside the "
           "staff who may see individual student records. They carry no label-derived column.\n",
}


def bi_friendly(relation):
    """The relation with every LIST or ARRAY column turned into comma-separated text."""
    expressions = []
    for name, column_type in zip(relation.columns, relation.types):
        quoted = '"' + name.replace('"', '""') + '"'
        if str(column_type).endswith("]"):
            expressions.append(f"array_to_string({quoted}, ', ') as {quoted}")
        else:
            expressions.append(quoted)
    return relation.project(", ".join(expressions))


def _hyper_extract(parquet_files: dict[str, Path], destination: Path) -> None:
    from tableauhyperapi import Connection, CreateMode, HyperProcess, Telemetry

    with tempfile.TemporaryDirectory(prefix="hyper-logs-") as log_dir, HyperProcess(
            telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": log_dir}) as hyper:
        with Connection(hyper.endpoint, str(destination), CreateMode.CREATE_AND_REPLACE) as connection:
            connection.execute_command('create schema "Extract"')
            for name, path in parquet_files.items():
                literal = str(path).replace("'", "''")
                connection.execute_command(f'create table "Extract"."{name}" as (select * from external(\'{literal}\'))')


def write_exports(audiences: dict[str, dict], out_dir: Path, with_hyper: bool) -> pa.Table:
    """Write each audience's relations (``{PUBLISHED: {name: relation}, STAFF: {...}}``) as Parquet, and all
    of an audience's tables into one Hyper extract, into the staging folder of ``out_dir``; return a manifest
    with one row per file, at the path it has once the build is published."""
    out_dir = Path(out_dir)
    staging = publish.prepare_output_folder(out_dir)
    manifest = {"audience": [], "export_name": [], "format": [], "path": [], "rows": [], "bytes": []}

    def listed(audience, name, kind, path, rows):
        manifest["audience"].append(audience)
        manifest["export_name"].append(name)
        manifest["format"].append(kind)
        manifest["path"].append(str(out_dir / path.relative_to(staging)))
        manifest["rows"].append(rows)
        manifest["bytes"].append(path.stat().st_size)

    for audience, relations in audiences.items():
        folder = staging / audience
        (folder / "parquet").mkdir(parents=True)
        (folder / "README.txt").write_text(README[audience], encoding="utf-8")
        written = {}
        for name, relation in relations.items():
            path = folder / "parquet" / f"{name}.parquet"
            exported = bi_friendly(relation)
            exported.to_parquet(str(path), compression="zstd")
            rows = exported.aggregate("count(*)").fetchall()[0][0]
            written[name] = (path, rows)
            listed(audience, name, "parquet", path, rows)
        if with_hyper:
            path = folder / HYPER_FILES[audience]
            _hyper_extract({name: file for name, (file, _) in written.items()}, path)
            listed(audience, "all", "hyper", path, sum(rows for _, rows in written.values()))
    return pa.table(manifest, schema=pa.schema([
        ("audience", pa.string()), ("export_name", pa.string()), ("format", pa.string()), ("path", pa.string()),
        ("rows", pa.int64()), ("bytes", pa.int64())]))
