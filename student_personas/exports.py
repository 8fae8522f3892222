"""BI exports: Parquet files and one Tableau Hyper extract of the analyst-facing tables.

Only safe tables are exported: the marts without small cells, and the *_published views for everything
that counts students by label or protected group (the raw counts stay in the warehouse). List columns
become comma-separated text, which every BI tool reads. Files are written to a staging folder and moved
into place one by one with an atomic rename, so a reader never opens a half-written file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa

HYPER_FILE = "student_personas.hyper"


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


def _hyper_extract(parquet_files: dict[str, Path], destination: Path, log_dir: Path) -> None:
    from tableauhyperapi import Connection, CreateMode, HyperProcess, Telemetry

    with HyperProcess(telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU,
                      parameters={"log_dir": str(log_dir)}) as hyper:
        with Connection(hyper.endpoint, str(destination), CreateMode.CREATE_AND_REPLACE) as connection:
            connection.execute_command('create schema "Extract"')
            for name, path in parquet_files.items():
                literal = str(path).replace("'", "''")
                connection.execute_command(f'create table "Extract"."{name}" as (select * from external(\'{literal}\'))')


def _narrowest(audiences: dict) -> str | None:
    """The audience of a file holding tables of all these audiences: staff when any is for staff."""
    values = set(audiences.values())
    return "staff" if "staff" in values else (values.pop() if len(values) == 1 else None)


def write_exports(relations: dict, out_dir: Path, with_hyper: bool, audiences: dict | None = None) -> pa.Table:
    """Write every relation as Parquet (and all of them into one Hyper extract) under `out_dir`; return a
    manifest with one row per file, with its audience (``audiences[name]``, e.g. "published" or "staff";
    null when not given; the Hyper extract, which holds every table, is for the narrowest audience any of
    its tables has, "staff" when there is one)."""
    audiences = audiences or {}
    out_dir = Path(out_dir)
    staging = out_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "parquet").mkdir(parents=True)
    manifest = {"export_name": [], "format": [], "path": [], "rows": [], "bytes": [], "audience": []}
    try:
        staged = {}
        for name, relation in relations.items():
            path = staging / "parquet" / f"{name}.parquet"
            exported = bi_friendly(relation)
            exported.to_parquet(str(path), compression="zstd")
            staged[name] = (path, exported.aggregate("count(*)").fetchall()[0][0])
        if with_hyper:
            _hyper_extract({name: path for name, (path, _) in staged.items()}, staging / HYPER_FILE, staging)
        (out_dir / "parquet").mkdir(parents=True, exist_ok=True)
        for name, (path, rows) in staged.items():
            final = out_dir / "parquet" / path.name
            os.replace(path, final)
            manifest["export_name"].append(name)
            manifest["format"].append("parquet")
            manifest["path"].append(str(final))
            manifest["rows"].append(rows)
            manifest["bytes"].append(final.stat().st_size)
            manifest["audience"].append(audiences.get(name))
        if with_hyper:
            final = out_dir / HYPER_FILE
            os.replace(staging / HYPER_FILE, final)
            manifest["export_name"].append("all")
            manifest["format"].append("hyper")
            manifest["path"].append(str(final))
            manifest["rows"].append(sum(rows for _, rows in staged.values()))
            manifest["bytes"].append(final.stat().st_size)
            manifest["audience"].append(_narrowest(audiences))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return pa.table(manifest, schema=pa.schema([("export_name", pa.string()), ("format", pa.string()),
                                                ("path", pa.string()), ("rows", pa.int64()), ("bytes", pa.int64()),
                                                ("audience", pa.string())]))
