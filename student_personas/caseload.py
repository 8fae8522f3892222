"""Caseload files for advisors: one CSV per caseload group (a persona, or e.g. an advisor), STAFF ONLY.

These files hold student-level data (ids, reasons, actions), so they are written to their own staff
folder, apart from the published exports, with a README saying so. They never hold a label, a protected
attribute or the context tier (the student_caseload mart has none, and a label or protected column cannot
be the grouping column). The folder is rebuilt whole on every build and swapped in by renames, so a file of
a persona or advisor that no longer exists never lingers and a reader never sees half a folder.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

README = "README_STAFF_ONLY.txt"
UTF8_BOM = b"\xef\xbb\xbf"
MAX_FILES = 1000
EXPORTED_COLUMNS = ["student_id", "term", "caseload_group", "persona_id", "persona_name", "sentence", "top_reasons",
                    "top_actions"]

README_TEXT = """STAFF ONLY - student-level data.

Each CSV in this folder is one caseload ({grouping}): every student's id, persona, the sentence and
top reasons for their placement, and the supportive actions the playbook offers them. Share a file
only with the staff who support those students. The files hold no outcome label, no protected
attribute and no context tier. They are rewritten by every `dbt build` (student_caseload mart).
"""


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(...), +cmd|' /C calc'!A0,
# @SUM(1)); OWASP's CSV-injection guidance: prefix such a cell with a single quote, which spreadsheets show
# as text and do not run.
FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(table: pa.Table) -> pa.Table:
    """`table` with every text cell that a spreadsheet would run as a formula prefixed with a single quote."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.if_else(pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False),
                                pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def file_stem(group: str) -> str:
    """A portable file name for a group: ASCII letters, digits and dashes, lowercase, at most 80 chars."""
    ascii_text = unicodedata.normalize("NFKD", group).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
    return stem or "group"


def file_names(groups: list[str]) -> dict[str, str]:
    """A distinct file name per group (in sorted group order, so the same groups get the same names);
    groups whose names would collide ('Dr. Lee', 'Dr Lee') get -2, -3 … suffixes."""
    names, taken = {}, set()
    for group in sorted(groups):
        stem, suffix = file_stem(group), 1
        while (candidate := stem if suffix == 1 else f"{stem}-{suffix}") in taken:
            suffix += 1
        taken.add(candidate)
        names[group] = f"{candidate}.csv"
    return names


def write_caseloads(table: pa.Table, out_dir: Path, grouping: str, group_header: str | None = None,
                    max_files: int = MAX_FILES) -> pa.Table:
    """One CSV per distinct caseload_group of `table` (the student_caseload mart) in `out_dir`, rows in
    student_id order, plus the staff-only README. `group_header` renames the caseload_group column in
    the files (e.g. to the advisor column's own name). Text cells a spreadsheet would run as a formula are
    neutralised (neutralise_formulas). Returns a manifest: one row per file with its group, path and row
    count. Every student lands in exactly one file."""
    missing = [column for column in EXPORTED_COLUMNS if column not in table.column_names]
    if missing:
        raise ValueError(f"caseload table lacks columns {missing}")
    table = table.select(EXPORTED_COLUMNS).sort_by([("caseload_group", "ascending"), ("student_id", "ascending")])
    groups = pc.unique(table.column("caseload_group")).to_pylist()
    if len(groups) > max_files:
        raise ValueError(
            f"caseload grouping '{grouping}' has {len(groups):,} distinct values, more than {max_files:,} files; "
            "group by persona (caseload_group_column: null) or by a column with fewer values")
    names = file_names(groups)
    out_dir = Path(out_dir)
    staging = out_dir.with_name(f".{out_dir.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    manifest = {"caseload_group": [], "file": [], "rows": []}
    try:
        (staging / README).write_text(README_TEXT.format(grouping=grouping), encoding="utf-8")
        boundaries = _group_boundaries(table.column("caseload_group"))
        for start, stop in boundaries:
            part = table.slice(start, stop - start)
            if group_header:
                part = part.rename_columns([group_header if c == "caseload_group" else c for c in part.column_names])
            group = table.column("caseload_group")[start].as_py()
            with open(staging / names[group], "wb") as handle:
                handle.write(UTF8_BOM)  # so that spreadsheet programs read the text as UTF-8
                pacsv.write_csv(neutralise_formulas(part), handle)
            manifest["caseload_group"].append(group)
            manifest["file"].append(str(out_dir / names[group]))
            manifest["rows"].append(stop - start)
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return pa.table(manifest, schema=pa.schema([("caseload_group", pa.string()), ("file", pa.string()),
                                                ("rows", pa.int64())]))


def _group_boundaries(groups: pa.ChunkedArray) -> list[tuple[int, int]]:
    """[start, stop) row ranges of equal consecutive values in a sorted column."""
    values = groups.to_numpy(zero_copy_only=False)
    changes = [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist(), values.size]
    return list(zip(changes[:-1], changes[1:])) if values.size else []


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` with two renames (the old folder is removed afterwards)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
