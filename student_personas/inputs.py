"""Opening an input file the way a careful analyst would: by its content, never by its name alone.

Institutions export files in every shape: semicolons, Windows code pages, UTF-16 from Excel, gzip files
named ``.csv``, a trailing delimiter on every line, blank lines. DuckDB reads CSV fast but guesses the
dialect from a sample (blank lines fool it), treats lines starting with ``#`` as comments unless told
otherwise, and reads only UTF-8, UTF-16 and strict Latin-1. So the dialect is decided here, from the
bytes:

- format and compression by magic bytes (Parquet, gzip; zip archives and Excel workbooks are refused
  with a message);
- encoding by byte-order mark, else UTF-8 if the sample decodes, else Windows-1252 (whose bytes
  0x80-0x9F hold typographic quotes and the euro sign) or Latin-1. Encodings DuckDB cannot read are
  transcoded once to a UTF-8 copy;
- the delimiter by how consistently each candidate splits the sample's records;
- the header by Python's CSV reader, so duplicate and empty column names are seen (DuckDB would rename
  a second ``GPA`` to ``GPA_1``).

:func:`read_sql` then reads the file with every option explicit (no sniffing, comments off, strict
quoting), so what DuckDB reads is exactly what was checked; :func:`count_records` counts the records
with a second, independent reader so that no row can go missing between the file and the warehouse.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_BYTES = 1 << 20  # how much of the file the dialect is decided from
MAX_LINE_CHARACTERS = 10_000_000  # the longest record DuckDB is told to read (max_line_size)
# Python's CSV reader refuses fields over 131,072 characters by default; the header and the independent
# record count read every field a build reads.
csv.field_size_limit(MAX_LINE_CHARACTERS)
ENCODING_SAMPLE_BYTES = 8 << 20  # how much must decode for a text encoding to be accepted
DELIMITERS = (",", ";", "\t", "|")
# Windows-1252 bytes 0x80-0x9F that Latin-1 maps to invisible control characters.
CP1252_ONLY = frozenset(b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


class InputProblem(ValueError):
    """A file that cannot be read as it is, with a message saying what to do."""


@dataclass(frozen=True)
class InputFile:
    """An input file and exactly how it is read."""

    path: Path  # the file as given
    format: str  # csv | parquet
    compression: str = "none"  # none | gzip
    encoding: str = "utf-8"  # the file's encoding (utf-8, utf-16, cp1252, latin-1, ...)
    delimiter: str = ","
    header: tuple[str, ...] = ()  # column names, in file order, as the warehouse will see them
    trailing_empty_column: bool = False  # every line ends with a delimiter and that last column is empty
    readable_path: Path | None = None  # what DuckDB reads (a UTF-8 copy when the encoding needs one)
    notices: tuple[str, ...] = field(default_factory=tuple)
    skip_lines: int = 0  # blank lines before the header

    @property
    def duckdb_path(self) -> Path:
        return self.readable_path or self.path

    @property
    def duckdb_encoding(self) -> str:
        return "utf-16" if self.encoding == "utf-16" and self.readable_path is None else "utf-8"


def sql_string(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _magic(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4)


def _open_bytes(path: Path, compression: str):
    return gzip.open(path, "rb") if compression == "gzip" else open(path, "rb")


def _wide_encoding_without_bom(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 written without a byte-order mark (some exports do): text never holds NUL bytes, so
    NULs at every second (fourth) position of the sample give the width and the byte order away."""
    head = sample[:4096]
    if len(head) < 16 or head.count(0) < len(head) // 3:
        return None
    zeros = [sum(1 for byte in head[offset::4] if byte == 0) / len(head[offset::4]) for offset in range(4)]
    if min(zeros[1], zeros[2], zeros[3]) > 0.9 and zeros[0] < 0.5:
        return "utf-32-le"
    if min(zeros[0], zeros[1], zeros[2]) > 0.9 and zeros[3] < 0.5:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.9 and even < 0.5:
        return "utf-16-le"
    if even > 0.9 and odd < 0.5:
        return "utf-16-be"
    return None


def _detect_encoding(sample: bytes, complete: bool) -> str:
    """The encoding of a byte sample: BOM, else UTF-16/32 by its NUL bytes, else UTF-8 if it decodes, else
    Windows-1252 or Latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts FF FE
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    wide = _wide_encoding_without_bom(sample)
    if wide:
        return wide
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if any(byte in CP1252_ONLY for byte in set(sample)):
        return "cp1252"
    return "latin-1"


def _decode(sample: bytes, encoding: str) -> str:
    text = sample.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _complete_lines(text: str, complete: bool) -> list[str]:
    lines = text.splitlines()
    if not complete and lines:
        lines = lines[:-1]  # the last line of a sample may be cut short
    return lines


def detect_delimiter(lines: list[str]) -> str:
    """The candidate delimiter that splits the sample's records into the most consistent number of fields
    (more than one); blank lines are ignored. Ties go to the candidate with more fields, then to the
    order of DELIMITERS."""
    records = [line for line in lines if line.strip()]
    if not records:
        return ","
    best, best_key = ",", None
    for position, delimiter in enumerate(DELIMITERS):
        counts = Counter(len(row) for row in csv.reader(records[:2000], delimiter=delimiter))
        fields, agreeing = counts.most_common(1)[0]
        if fields < 2:
            continue
        key = (agreeing / sum(counts.values()), fields, -position)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _header_and_first_rows(lines: list[str], delimiter: str, n_rows: int = 2000) -> tuple[list[str], list[list[str]]]:
    rows = [row for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter) if row]
    if not rows:
        return [], []
    return rows[0], rows[1:1 + n_rows]


def open_input(path: str | Path, label: str, encoding: str = "auto", delimiter: str = "auto",
               transcode_dir: Path | None = None) -> InputFile:
    """Decide how to read `path` (see the module docstring). `label` names the input in messages (e.g.
    "students_path 'x.csv'"). Raises InputProblem with a message saying what to do."""
    path = Path(path)
    if not path.exists():
        raise InputProblem(f"{label}: the file does not exist")
    if path.is_dir():
        raise InputProblem(f"{label}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputProblem(f"{label} is empty (no header and no rows)")
    magic = _magic(path)
    if magic == b"PAR1":
        return _open_parquet(path, label)
    if magic.startswith(b"PK\x03\x04"):
        raise InputProblem(f"{label} is a zip archive or an Excel workbook: export the sheet as CSV (or Parquet)")
    if magic.startswith(b"\x28\xb5\x2f\xfd"):
        raise InputProblem(f"{label} is zstd-compressed: decompress it first (gzip-compressed CSV is read directly)")
    compression = "gzip" if magic.startswith(b"\x1f\x8b") else "none"
    notices = []
    if compression == "gzip" and path.suffix.lower() != ".gz":
        notices.append(f"{label} is gzip-compressed (read as such, whatever its name)")
    with _open_bytes(path, compression) as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES + 1)
    complete = len(sample) <= ENCODING_SAMPLE_BYTES
    sample = sample[:ENCODING_SAMPLE_BYTES]
    detected = _detect_encoding(sample, complete)
    chosen = detected if encoding == "auto" else encoding
    if encoding != "auto" and chosen != detected and not (chosen in ("latin-1", "cp1252") and detected in ("latin-1", "cp1252")):
        notices.append(f"{label}: csv_encoding is {chosen}, but the bytes look like {detected}")
    elif encoding == "auto" and detected not in ("utf-8",):
        notices.append(f"{label} is encoded as {detected} (detected from its bytes; set csv_encoding to override)")
    text_sample = _decode(sample[:SAMPLE_BYTES], chosen)
    lines = _complete_lines(text_sample, complete and len(sample) <= SAMPLE_BYTES)
    if not any(line.strip() for line in lines):
        raise InputProblem(f"{label} has no header (only blank lines)")
    blank = next(index for index, line in enumerate(lines) if line.strip())
    if blank:
        notices.append(f"{label}: {blank} blank line(s) before the header are skipped")
    chosen_delimiter = detect_delimiter(lines) if delimiter == "auto" else delimiter
    header, rows = _header_and_first_rows(lines, chosen_delimiter)
    _refuse_title_line(label, lines[blank:], header, chosen_delimiter, delimiter == "auto")
    if not rows:
        raise InputProblem(f"{label} has a header ({', '.join(header)}) but no data rows")
    header = [name.strip() for name in header]
    trailing = False
    if header and header[-1] == "" and all(len(row) < len(header) or not row[-1].strip() for row in rows):
        header, trailing = header[:-1], True
        notices.append(f"{label}: every line ends with a delimiter; the empty last column is ignored")
    empty = [str(position) for position, name in enumerate(header, start=1) if not name]
    if empty:
        raise InputProblem(f"{label}: column(s) at position {', '.join(empty)} have no name in the header; "
                           "name them or remove them")
    duplicated = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicated:
        raise InputProblem(f"{label}: the header names these columns more than once: {', '.join(duplicated)}. "
                           "Rename the copies so that every column has its own name")
    refuse_case_variants(label, header)
    if len(header) == 1 and delimiter == "auto":
        notices.append(f"{label} has a single column ({header[0][:60]}): no delimiter among "
                       f"{', '.join(repr(d) for d in DELIMITERS)} splits its lines")
    readable = None
    if chosen not in ("utf-8", "utf-16") or (chosen == "utf-16" and compression == "gzip"):
        readable = _transcode(path, compression, chosen, transcode_dir or path.parent, label)
    return InputFile(path=path, format="csv", compression="none" if readable else compression, encoding=chosen,
                     delimiter=chosen_delimiter, header=tuple(header), trailing_empty_column=trailing,
                     readable_path=readable, notices=tuple(notices), skip_lines=blank)


def refuse_case_variants(label: str, header) -> None:
    """Columns whose names differ only in case ('GPA', 'gpa'): the warehouse's SQL names columns without
    case, so one would hide the other."""
    folded: dict[str, list[str]] = {}
    for name in header:
        folded.setdefault(name.lower(), []).append(name)
    clashes = [names for names in folded.values() if len(names) > 1]
    if clashes:
        listed = "; ".join(" and ".join(f"'{name}'" for name in names) for names in clashes)
        raise InputProblem(f"{label}: columns {listed} differ only in case, and the warehouse's SQL reads column "
                           "names without case: rename one of each")


def _refuse_title_line(label: str, lines: list[str], header: list[str], delimiter: str, detected: bool) -> None:
    """A first line that is one field above lines of many (a title an export put above the header)."""
    if len(header) != 1:
        return
    following = [line for line in lines[1:51] if line.strip()]
    widths = Counter(len(row) for row in csv.reader(following, delimiter=delimiter))
    if following and widths.most_common(1)[0][0] > 1:
        names = next(csv.reader(following[:1], delimiter=delimiter))
        raise InputProblem(f"{label}: its first line ('{header[0][:60]}') looks like a title above the header, which "
                           f"seems to be the next line ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}): "
                           "remove the title line")


def _open_parquet(path: Path, label: str) -> InputFile:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        rows = pq.read_metadata(path).num_rows
    except Exception as error:  # noqa: BLE001 - any reader error is a file problem for the user
        raise InputProblem(f"{label}: not a readable Parquet file ({error})") from error
    if rows == 0:
        raise InputProblem(f"{label} has columns ({', '.join(schema.names)}) but no data rows")
    duplicated = sorted(name for name, count in Counter(schema.names).items() if count > 1)
    if duplicated:
        raise InputProblem(f"{label}: these columns appear more than once: {', '.join(duplicated)}")
    refuse_case_variants(label, schema.names)
    import pyarrow as pa

    nested = [field.name for field in schema if pa.types.is_nested(field.type)]
    notices = [f"{label}: column(s) {', '.join(nested)} hold nested values (lists, structs or maps), which are no "
               "student attribute: not read"] if nested else []
    return InputFile(path=path, format="parquet", header=tuple(name for name in schema.names if name not in nested),
                     notices=tuple(notices))


def _transcode(path: Path, compression: str, encoding: str, directory: Path, label: str) -> Path:
    """A UTF-8 copy of a text file in an encoding DuckDB cannot read, streamed (bounded memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{path.stem}.utf8{'.csv' if path.suffix.lower() in ('', '.gz') else path.suffix}"
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        with _open_bytes(path, compression) as raw, open(temporary, "wb") as out:
            reader = codecs.getreader(encoding)(raw, errors="strict")
            writer = codecs.getwriter("utf-8")(out)
            while True:
                chunk = reader.read(1 << 22)
                if not chunk:
                    break
                writer.write(chunk)
        os.replace(temporary, target)
    except UnicodeDecodeError as error:
        raise InputProblem(f"{label}: bytes that are not {encoding} at byte {error.start}; set csv_encoding") from error
    finally:
        if temporary.exists():
            temporary.unlink()
    return target


def read_sql(input_file: InputFile, columns: list[str] | None = None) -> str:
    """The DuckDB table expression that reads the file with every option explicit, every column as text
    (`columns`: a subset, default all)."""
    selected = list(columns or input_file.header)
    if input_file.format == "parquet":
        casts = ", ".join(f"cast({sql_identifier(c)} as varchar) as {sql_identifier(c)}" for c in selected)
        return f"(select {casts} from read_parquet({sql_string(input_file.duckdb_path)}))"
    names = list(input_file.header) + (["__trailing_empty_column__"] if input_file.trailing_empty_column else [])
    declared = "{" + ", ".join(f"{sql_string(name)}: 'VARCHAR'" for name in names) + "}"
    options = [
        "auto_detect = false", "header = true", f"skip = {int(input_file.skip_lines)}",
        f"delim = {sql_string(input_file.delimiter)}",
        "quote = '\"'", "escape = '\"'", "comment = ''", "strict_mode = true", "null_padding = false",
        "ignore_errors = false", f"encoding = {sql_string(input_file.duckdb_encoding)}",
        f"compression = {sql_string('gzip' if input_file.compression == 'gzip' else 'none')}",
        f"columns = {declared}", f"max_line_size = {MAX_LINE_CHARACTERS}",
    ]
    projection = ", ".join(sql_identifier(c) for c in selected)
    return f"(select {projection} from read_csv({sql_string(input_file.duckdb_path)}, {', '.join(options)}))"


def read_error_problem(label: str, error: Exception) -> InputProblem:
    """DuckDB's CSV reader error as one message naming the file, the line and what to try."""
    text = str(error)
    line = re.search(r"[Ll]ine:? (\d+)", text)
    where = f" at line {int(line.group(1)):,}" if line else ""
    first = text.splitlines()[0].split("Error: ", 1)[-1]
    lowered = text.lower()
    if "unterminated quote" in lowered or "quote" in lowered and "unterminated" in lowered:
        hint = "a quote (\") opened there is never closed: close it, or remove the stray quote"
    elif "maximum line size" in lowered or "line size" in lowered:
        hint = f"a record there is longer than {MAX_LINE_CHARACTERS:,} characters (often an unclosed quote)"
    elif "expected number of columns" in lowered:
        hint = ("that line has a different number of fields than the header: a delimiter inside an unquoted "
                "value, a line break inside a value, or a different encoding (set csv_encoding)")
    elif "invalid unicode" in lowered or "utf" in lowered:
        hint = "bytes there are not in the file's encoding: set csv_encoding (utf-8, utf-16, latin-1, cp1252)"
    else:
        hint = "check the quoting, the delimiter (csv_delimiter) and the encoding (csv_encoding) there"
    return InputProblem(f"{label} cannot be read as CSV{where}: {hint} (the reader says: {first.strip()})")


def count_records(input_file: InputFile) -> int:
    """Data records in the file counted by Python's CSV reader: a reader independent of DuckDB that skips
    nothing but empty lines (no comment lines, no sniffing), for checking that every row was loaded."""
    if input_file.format == "parquet":
        import pyarrow.parquet as pq

        return pq.read_metadata(input_file.path).num_rows
    source = input_file.duckdb_path
    encoding = "utf-8-sig" if input_file.readable_path or input_file.encoding == "utf-8" else input_file.encoding
    opener = gzip.open if input_file.compression == "gzip" else open
    with opener(source, "rt", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=input_file.delimiter, quotechar='"', doublequote=True, strict=False)
        records = sum(1 for row in reader if row)
    return max(records - 1, 0)


def remove_transcoded(input_file: InputFile) -> None:
    """Delete the UTF-8 copy made for an encoding DuckDB cannot read (once the file is loaded)."""
    if input_file.readable_path and input_file.readable_path.exists():
        input_file.readable_path.unlink()

