"""Read any supported export file as a stream of raw records with row numbers.

A file holds one or more *parts*: a CSV, JSON or JSONL file is one part; an
Excel workbook has one part per sheet (MediaCrawler writes ``Contents``,
``Comments`` and ``Creators``); a MediaCrawler SQLite store has one part per
table (``xhs_note``, ``xhs_note_comment`` ...).  :func:`iter_parts` yields,
for each part, a :class:`FileInfo` and an iterator of ``(row, record)`` pairs,
where *record* is a ``dict`` of column name to value as the file holds it (no
type guessing: ids stay strings) or, for a row that cannot be read, a
:class:`BadRecord` saying why.  Bad rows are yielded, not raised, so that the
loader can either stop with a precise error or skip them (``--skip-bad-rows``)
and go on reading.

Rows are numbered as a person opening the file would count them: the header
is row 1 of a CSV or sheet, so the first record is row 2 (a record with
newlines inside quoted fields is still one row); JSONL rows are line numbers;
JSON array rows are 1-based element positions; SQLite rows are 1-based
positions in the table.

Everything streams: memory stays bounded whatever the file size (a JSON array
is parsed element by element).  ``orjson`` is used for JSON when installed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dazi.errors import InputError

if TYPE_CHECKING:
    import pyarrow.parquet

_loads: Callable[[bytes | str], Any]

try:  # orjson parses JSON several times faster than the standard library
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - exercised when orjson is absent
    orjson = None  # type: ignore[assignment]
    _loads = json.loads
    _JSONError = (ValueError,)

__all__ = [
    "FORMATS",
    "BadRecord",
    "FileInfo",
    "check_zip_size",
    "JsonlBlock",
    "detect_format",
    "iter_parts",
    "iter_raw_records",
    "jsonl_blocks",
    "jsonl_spans",
    "parse_jsonl_block",
    "parse_jsonl_blocks",
    "read_span",
    "split_jsonl_block",
    "truncated_last_line",
]

#: Formats this module reads, as :attr:`FileInfo.format` names them.
FORMATS: tuple[str, ...] = (
    "csv",
    "tsv",
    "xlsx",
    "json",
    "jsonl",
    "jsonl.zst",
    "jsonl.gz",
    "sqlite",
    "parquet",
)

# Rows with fields longer than the csv module's default (128 KiB) exist: a long
# note with its image list.  Raise the process-wide limit once, never lower it.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

_SAMPLE = 1 << 20  # bytes read to choose an encoding and a delimiter
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls
_PARQUET_MAGIC = b"PAR1"


@dataclass
class FileInfo:
    """What was found out about one part of an input file.

    Attributes
    ----------
    path : str
        The file as given.
    format : str
        One of :data:`FORMATS`.
    encoding : str or None
        ``"utf-8"``, ``"utf-8-sig"`` (UTF-8 with BOM), ``"gb18030"`` or
        ``"utf-16"`` for text formats; None for XLSX and SQLite.
    part : str or None
        Sheet or table name; None for single-part formats.
    columns : list of str
        Column names (header, sheet header, table columns, or the keys of the
        first record of a JSON file).
    warnings : list of str
        Things the user should know; filled while reading, so complete only
        after the records have been consumed.
    """

    path: str
    format: str
    encoding: str | None = None
    part: str | None = None
    columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The file name plus the part, for messages (``export.xlsx [Contents]``)."""
        return f"{self.path} [{self.part}]" if self.part else self.path


@dataclass
class BadRecord:
    """A row that could not be read; yielded in place of its record.

    Attributes
    ----------
    reason : str
        What is wrong, in words a researcher understands.
    hint : str or None
        What to do about it.
    column : str or None
        The column concerned, when one is.
    raw : dict
        What could be read of the row (for a rejects file).
    """

    reason: str
    hint: str | None = None
    column: str | None = None
    raw: dict = field(default_factory=dict)


Records = Iterator[tuple[int, "dict | BadRecord"]]


# ---------------------------------------------------------------------------
# format detection
# ---------------------------------------------------------------------------

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".zst": "jsonl.zst",
    ".zstd": "jsonl.zst",
    ".gz": "jsonl.gz",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def detect_format(path: str | os.PathLike) -> str:
    """Name the format of *path* from its first bytes, then its extension.

    Magic numbers win over the extension (a workbook renamed ``.csv`` is still
    read as a workbook).

    Raises
    ------
    InputError
        If the file is missing, a directory, an old binary ``.xls`` workbook,
        or of no supported kind.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found", "Check the path.", file=str(path))
    if p.is_dir():
        raise InputError(
            "is a folder, not a file", "Give the export files themselves.", file=str(path)
        )
    with open(p, "rb") as fh:
        head = fh.read(16)
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(_ZSTD_MAGIC):
        return "jsonl.zst"
    if head.startswith(_GZIP_MAGIC):
        return "jsonl.gz"
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(_OLE_MAGIC):
        raise InputError(
            "this is an old binary Excel workbook (.xls), which dazi does not read",
            "Open it in Excel or LibreOffice and save it as .xlsx, or as CSV UTF-8.",
            file=str(path),
        )
    suffix = p.suffix.lower()
    fmt = _EXTENSIONS.get(suffix)
    if fmt in ("xlsx", "sqlite", "jsonl.zst", "jsonl.gz", "parquet"):
        raise InputError(
            f"the file is named {suffix} but its content is not of that kind",
            "The file may be damaged or incompletely downloaded; export it again.",
            file=str(path),
        )
    if fmt is not None:
        return fmt
    if suffix == ".xls":  # an .xls that is not OLE is usually HTML or text: try CSV
        return "csv"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


# ---------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------


def iter_parts(path: str | os.PathLike) -> Iterator[tuple[FileInfo, Records]]:
    """Yield ``(FileInfo, records)`` for each part (sheet, table) of a file.

    Consume each part's records before asking for the next part.

    Raises
    ------
    InputError
        If the file cannot be opened or its header cannot be read.
    """
    fmt = detect_format(path)
    spath = str(path)
    if fmt in ("csv", "tsv"):
        yield _open_delimited(spath, fmt)
    elif fmt == "xlsx":
        yield from _iter_xlsx(spath)
    elif fmt == "json":
        yield _open_json(spath)
    elif fmt in ("jsonl", "jsonl.zst", "jsonl.gz"):
        info = FileInfo(spath, fmt, encoding="utf-8")
        yield info, _iter_jsonl(info)
    elif fmt == "sqlite":
        yield from _iter_sqlite(spath)
    elif fmt == "parquet":
        yield _open_parquet(spath)
    else:  # pragma: no cover - detect_format returns only the above
        raise AssertionError(fmt)


def iter_raw_records(path: str | os.PathLike) -> tuple[FileInfo, Records]:
    """The first part of a file as ``(FileInfo, records)``.

    Convenient for single-part files (CSV, JSON, JSONL); use
    :func:`iter_parts` for workbooks and SQLite stores.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.jsonl").write_text('{"note_id": "1"}\\n{"note_id": "2"}\\n')
    >>> info, records = iter_raw_records(d / "a.jsonl")
    >>> info.format, list(records)
    ('jsonl', [(1, {'note_id': '1'}), (2, {'note_id': '2'})])
    """
    for info, records in iter_parts(path):
        return info, records
    raise InputError("the file holds no table or sheet", file=str(path))


# ---------------------------------------------------------------------------
# CSV / TSV
# ---------------------------------------------------------------------------


def _choose_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode Text" export
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _choose_delimiter(header_line: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "gb18030": "GB18030 (GBK)",
    "utf-16": "UTF-16",
}


def _open_delimited(path: str, fmt: str) -> tuple[FileInfo, Records]:
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    encoding = _choose_encoding(sample)
    info = FileInfo(path, fmt, encoding=encoding)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise _decode_error(info, 1, exc) from exc
    text = text.lstrip("\ufeff")
    delimiter = _choose_delimiter(text.split("\n", 1)[0], fmt)
    if delimiter == "\t":
        info.format = "tsv"
    # The header is read from the sample so that no file stays open until the
    # records are iterated; the records generator reads the file itself.
    info.columns = _read_header(
        csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), info
    )
    return info, _iter_delimited(info, delimiter)


def _read_header(reader, info: FileInfo) -> list[str]:
    try:
        for raw_header in reader:
            if any(cell.strip() for cell in raw_header):
                break
        else:
            raise InputError("the file is empty (no header row)", file=info.path)
    except csv.Error as exc:
        raise InputError(f"cannot read the header row: {exc}", file=info.path, row=1) from exc
    header = [h.strip().lstrip("\ufeff") for h in raw_header]
    while header and not header[-1]:  # trailing delimiters written by Excel
        header.pop()
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise InputError(
                f"column {name!r} appears twice in the header",
                "Rename one of the two columns so that each name is unique, then import again.",
                file=info.path,
                row=1,
                column=name,
            )
        seen.add(name)
    return header


def _decode_error(info: FileInfo, row: int | None, exc: UnicodeDecodeError) -> InputError:
    name = _ENCODING_NAMES.get(info.encoding or "", info.encoding)
    return InputError(
        f"the file is not valid {name} text here ({exc.reason} at byte {exc.start} of a block)",
        "Save the file again as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8) and import it.",
        file=info.path,
        row=row,
    )


_QUOTES_HINT = (
    "Check the quotes in this row: a field that contains the delimiter, a quote or a "
    "newline must be enclosed in double quotes."
)
_WIDTH_HINT = (
    "The file mixes rows of different layouts (MediaCrawler appends rows of a newer schema "
    "under an older header). Split the file by layout, or export again into a new file."
)


def _iter_delimited(info: FileInfo, delimiter: str) -> Records:
    header = info.columns
    width = len(header)
    check_qmarks = info.encoding == "gb18030"
    qmark_rows = 0
    stream = open(info.path, encoding=info.encoding, newline="", errors="strict")  # noqa: SIM115
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    row = 0
    try:
        try:
            for fields in reader:  # skip to the header row
                row += 1
                if any(cell.strip() for cell in fields):
                    break
        except UnicodeDecodeError as exc:  # the header is the whole file, cut mid-character
            raise _decode_error(info, row + 1, exc) from exc
        except csv.Error as exc:
            raise InputError(
                f"cannot read the header row: {exc}", file=info.path, row=row + 1
            ) from exc
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise _decode_error(info, row + 1, exc) from exc
            except csv.Error as exc:
                row += 1
                yield row, BadRecord(f"the row cannot be read as CSV ({exc})", _QUOTES_HINT)
                continue
            row += 1
            n = len(fields)
            if n != width:
                if n == 0 or (n == 1 and not fields[0]):
                    continue  # blank line
                if n > width and not any(fields[width:]):
                    fields = fields[:width]  # trailing empty cells
                else:
                    reason = f"the row has {n} fields but the header has {width}"
                    yield row, BadRecord(reason, _WIDTH_HINT, raw=dict(zip(header, fields)))
                    continue
            if check_qmarks:
                for value in fields:
                    if "??" in value:
                        qmark_rows += 1
                        break
            yield row, dict(zip(header, fields))
    finally:
        stream.close()
        if qmark_rows:
            info.warnings.append(
                f"{qmark_rows} row(s) contain runs of '?' (like '??'): the file was saved as "
                "GBK/GB18030, which cannot hold emoji, so they were probably replaced by '?'. "
                "Export again as CSV UTF-8 to keep them."
            )


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def _cell_text(value: object, utc: bool = False) -> str:
    """A cell as text, so that ids and counts are never floats downstream.

    *utc*: the workbook is one of dazi's own, whose dates are UTC (Excel has no
    time zones): datetimes get the offset ``+00:00``.
    """
    if value is None:
        return ""
    # exact type checks (not isinstance): bool and numpy scalars are handled below
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits; show them as Excel does, so that
        # an id stored as a number is recognisably mangled ("4.75E+15").
        return format(value, ".15G")
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date | time):
        if isinstance(value, datetime):
            return value.isoformat(sep=" ") + ("+00:00" if utc and value.tzinfo is None else "")
        return value.isoformat()
    return str(value)


#: Uncompressed bytes a workbook may hold at a compression ratio above
#: :data:`_ZIP_BOMB_RATIO`: spreadsheet XML compresses about 10:1, so a large
#: member compressed far better than that is a "zip bomb", not an export.
_ZIP_BOMB_BYTES = 256 * 1024 * 1024
_ZIP_BOMB_RATIO = 100


def check_zip_size(path: str | os.PathLike, max_bytes: int | None = None) -> None:
    """Refuse a zip file (a workbook) that would unpack to far more than it holds.

    Parameters
    ----------
    max_bytes : int, optional
        Refuse any file whose members unpack to more than this in total.
        By default only a member over 256 MiB that is compressed more than
        100:1 is refused.

    Raises
    ------
    InputError
        Naming the file and the member, before anything is decompressed.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"cannot open the Excel workbook ({exc})",
            "Open it in Excel and save it again as .xlsx, or export CSV UTF-8.",
            file=str(path),
        ) from exc
    total = sum(m.file_size for m in members)
    if max_bytes is not None and total > max_bytes:
        raise InputError(
            f"the workbook unpacks to {total / 2**20:,.0f} MiB, more than the "
            f"{max_bytes / 2**20:,.0f} MiB a file of this kind needs",
            "Check that this is the right file; a damaged or hostile file can claim huge sizes.",
            file=str(path),
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > _ZIP_BOMB_BYTES and ratio > _ZIP_BOMB_RATIO:
            raise InputError(
                f"{m.filename} in the workbook unpacks to {m.file_size / 2**20:,.0f} MiB from "
                f"{m.compress_size / 2**20:,.1f} MiB: this is not a crawler export",
                "Export the data again, or save it as CSV UTF-8.",
                file=str(path),
            )


def _xlsx_error(label: str, row: int | None, exc: Exception) -> InputError:
    """A workbook openpyxl cannot read, as the user's error.

    openpyxl raises whatever its XML, zip and style parsers raise on a
    damaged file (ValueError, KeyError, TypeError, zlib.error, ParseError
    ...), so any of them means "damaged workbook".
    """
    what = f"{type(exc).__name__}: {exc}"
    return InputError(
        f"cannot read the Excel workbook ({what[:200]})",
        "Open it in Excel and save it again as .xlsx, or export CSV UTF-8.",
        file=label,
        row=row,
    )


def _iter_xlsx(path: str) -> Iterator[tuple[FileInfo, Records]]:
    import openpyxl

    check_zip_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - see _xlsx_error
        raise _xlsx_error(path, None, exc) from exc
    try:
        utc = (wb.properties.creator or "") == "dazi"  # reports.xlsx writes dates in UTC
    except Exception:  # noqa: BLE001 - document properties are optional
        utc = False
    try:
        for ws in wb.worksheets:
            info = FileInfo(path, "xlsx", part=ws.title)
            header: list[str] = []
            header_row = 0
            try:
                if hasattr(ws, "reset_dimensions"):
                    ws.reset_dimensions()  # some writers store wrong sheet dimensions
                rows = ws.iter_rows(values_only=True)
                for header_row, values in enumerate(rows, start=1):  # noqa: B007 - the row is used after the loop
                    if any(v is not None and str(v).strip() for v in values):
                        header = [_cell_text(v).strip() for v in values]
                        break
            except Exception as exc:  # noqa: BLE001 - see _xlsx_error
                raise _xlsx_error(info.label, header_row + 1, exc) from exc
            while header and not header[-1]:
                header.pop()
            info.columns = header
            yield info, _xlsx_records(info, rows, header, header_row, utc)
    finally:
        wb.close()


def _xlsx_records(info: FileInfo, rows, header: list[str], header_row: int, utc: bool = False) -> Records:
    width = len(header)
    if not width:
        return
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        name = sorted(dupes)[0]
        raise InputError(
            f"column {name!r} appears twice in the header",
            "Rename one of the two columns so that each name is unique, then import again.",
            file=info.label,
            row=header_row,
            column=name,
        )
    row = header_row
    extra_cells = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as exc:  # noqa: BLE001 - see _xlsx_error
            raise _xlsx_error(info.label, row + 1, exc) from exc
        if values is None:
            break
        row += 1
        cells = [_cell_text(v, utc) for v in values]
        if not any(cells):
            continue
        if len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                extra_cells += 1
            cells = cells[:width]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield row, dict(zip(header, cells))
    if extra_cells:
        info.warnings.append(
            f"{extra_cells} row(s) have values in cells to the right of the last named "
            "column; those cells were ignored."
        )


# ---------------------------------------------------------------------------
# Parquet (dazi's own export, or any table with typed columns)
# ---------------------------------------------------------------------------


def _open_parquet(path: str) -> tuple[FileInfo, Records]:
    import pyarrow.parquet as pq

    info = FileInfo(path, "parquet")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise InputError(
            f"cannot read the Parquet file ({type(exc).__name__}: {str(exc)[:200]})",
            "The file is damaged or incomplete; write it again.",
            file=path,
        ) from exc
    info.columns = list(pf.schema_arrow.names)
    return info, _parquet_records(info, pf)


def _parquet_value(value: object) -> object:
    """A Parquet cell as a record value: ids and text stay text, lists lists, times aware."""
    if isinstance(value, float) and value != value:
        return None
    return value


def _parquet_records(info: FileInfo, pf: pyarrow.parquet.ParquetFile) -> Records:
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=2000):
            for rec in batch.to_pylist():
                row += 1
                yield row, {k: _parquet_value(v) for k, v in rec.items()}
    except Exception as exc:  # noqa: BLE001 - see _open_parquet
        raise InputError(
            f"cannot read the Parquet file after row {row} ({type(exc).__name__}: {str(exc)[:200]})",
            "The file is damaged or incomplete; write it again.",
            file=info.path,
            row=row + 1,
        ) from exc


# ---------------------------------------------------------------------------
# JSON array / object
# ---------------------------------------------------------------------------


def _open_json(path: str) -> tuple[FileInfo, Records]:
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        # A JSON file that starts with an object is either JSONL saved as
        # .json, or one object (an X API page).  JSONL's first line parses.
        first_line, _, rest = text.partition(b"\n")
        try:
            _loads(first_line)
        except _JSONError:
            info = FileInfo(path, "json", encoding="utf-8")
            return info, _json_object(info)
        if not rest.strip() and len(head) < _SAMPLE:  # the whole file is one object on one line
            info = FileInfo(path, "json", encoding="utf-8")
            return info, _json_object(info)
        info = FileInfo(path, "jsonl", encoding="utf-8")
        info.warnings.append("the .json file holds one JSON object per line; read as JSONL")
        return info, _iter_jsonl(info)
    if not text.startswith(b"["):
        raise InputError(
            "the file is not a JSON array of records",
            "Export the posts as JSON (an array of objects) or JSONL (one object per line).",
            file=path,
        )
    info = FileInfo(path, "json", encoding="utf-8")
    return info, _json_array(info)


def _json_object(info: FileInfo) -> Records:
    with open(info.path, "rb") as fh:
        data = fh.read()
    try:
        obj = _loads(data)
    except _JSONError as exc:
        raise InputError(f"the file is not valid JSON ({exc})", file=info.path) from exc
    if not isinstance(obj, dict):  # pragma: no cover - we saw "{" first
        raise InputError("the file is not a JSON object", file=info.path)
    info.columns = list(obj)
    yield 1, obj


def _json_array(info: FileInfo) -> Records:
    """Stream the elements of a top-level JSON array, one parse per element."""
    elements = _json_elements(info)
    row = 0
    try:
        for row, record in elements:
            yield row, record
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the file is not valid UTF-8 text after element {row} ({exc.reason})",
            "JSON files are UTF-8: export the file again, or save it as UTF-8.",
            file=info.path,
            row=row + 1,
        ) from exc
    finally:
        elements.close()


def _json_int(text: str) -> int | float:
    """An integer as orjson reads it (JSONL): beyond 64 bits, a float.

    Keeps the raw records of JSON and JSONL files alike, and storable: the
    record is saved with orjson, which refuses larger integers.
    """
    if len(text) <= 18:
        return int(text)
    number = int(text) if len(text) <= 4000 else None
    return number if number is not None and -(2**63) <= number < 2**64 else float(text)


def _json_elements(info: FileInfo) -> Generator[tuple[int, dict | BadRecord], None, None]:
    decoder = json.JSONDecoder(parse_int=_json_int)
    chunk_size = 1 << 20
    with open(info.path, encoding="utf-8-sig") as fh:
        buf = fh.read(chunk_size)
        pos = buf.index("[") + 1
        eof = False
        index = 0
        lines_before = 0  # newlines in the text already dropped from buf
        expect_value = True
        while True:
            # skip whitespace and one comma
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf) or eof:
                    break
                lines_before += buf.count("\n")
                buf, pos = fh.read(chunk_size), 0
                eof = not buf
            if pos >= len(buf):
                raise InputError(
                    "the JSON array ends early (the closing ']' is missing)",
                    "The export was probably cut off; export again.",
                    file=info.path,
                    row=index + 1,
                )
            ch = buf[pos]
            if ch == "]":
                return
            if ch == ",":
                if expect_value:
                    raise _json_syntax(info, index + 1, lines_before + buf.count("\n", 0, pos))
                pos += 1
                expect_value = True
                continue
            if not expect_value:
                raise _json_syntax(info, index + 1, lines_before + buf.count("\n", 0, pos))
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    break
                except RecursionError:
                    raise InputError(
                        f"element {index + 1} is nested too deeply to read",
                        "A post is a flat record; the export is damaged or not a crawler export.",
                        file=info.path,
                        row=index + 1,
                    ) from None
                except json.JSONDecodeError as exc:
                    if eof:
                        raise InputError(
                            f"invalid JSON in element {index + 1} ({exc.msg}, line "
                            f"{lines_before + buf.count(chr(10), 0, exc.pos) + 1})",
                            "The export is damaged or was cut off; export again.",
                            file=info.path,
                            row=index + 1,
                        ) from exc
                    more = fh.read(chunk_size)
                    eof = not more
                    lines_before += buf.count("\n", 0, pos)
                    buf, pos = buf[pos:] + more, 0
                    chunk_size *= 2  # an element larger than a chunk: grow
            index += 1
            pos = end
            expect_value = False
            if isinstance(obj, dict):
                if not info.columns:
                    info.columns = list(obj)
                yield index, obj
            else:
                yield (
                    index,
                    BadRecord(f"element {index} is a JSON {type(obj).__name__}, not an object"),
                )
            if pos > chunk_size:  # drop consumed text so memory stays bounded
                lines_before += buf.count("\n", 0, pos)
                buf, pos = buf[pos:], 0


def _json_syntax(info: FileInfo, element: int, line0: int) -> InputError:
    return InputError(
        f"invalid JSON near element {element} (line {line0 + 1}): expected ',' or ']'",
        "The export is damaged; export again.",
        file=info.path,
        row=element,
    )


# ---------------------------------------------------------------------------
# JSONL (plain, zstd, gzip)
# ---------------------------------------------------------------------------


def _byte_blocks(info: FileInfo, raw, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks of about *size*, decompressing zstd and gzip."""
    if info.format == "jsonl.zst":
        yield from _zstd_chunks(raw, size)
        return
    if info.format == "jsonl.gz":
        import gzip

        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    else:
        stream = raw
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data


def _zstd_chunks(raw, size: int = 1 << 20) -> Iterator[bytes]:
    """Decompressed blocks of a zstd file; a file cut off mid-frame is an error.

    Pushshift and Arctic Shift dumps use a 2 GiB window (``--long=31``), so the
    decompressor must accept one.  Concatenated frames are read one after the
    other.
    """
    import zstandard

    dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
    dobj = dctx.decompressobj()
    fed = False
    while True:
        data = raw.read(size)
        if not data:
            break
        while data:
            fed = True
            out = dobj.decompress(data)
            if out:
                yield out
            if dobj.eof:
                data = dobj.unused_data
                dobj = dctx.decompressobj()
                fed = False
            else:
                data = b""
    if fed and not dobj.eof:
        raise EOFError("the compressed data end before the end of the frame (file cut off?)")


def jsonl_blocks(info: FileInfo, size: int = 1 << 16) -> Generator[tuple[int, bytes], None, None]:
    """Blocks of whole lines of a JSONL file, each with the number of its first line.

    Blocks are read *size* bytes at a time (small by default: the records of
    a block are parsed together, so the block bounds the memory a stream
    holds).  Every block but the last ends with a newline; a UTF-8 byte order
    mark at the start of the file is dropped.  :func:`parse_jsonl_block` reads a
    block, here or in a worker process (:mod:`corpus.parallel`), so that both
    number the lines alike.

    Raises
    ------
    InputError
        If the file cannot be opened, or a compressed file is damaged or cut
        off (naming the last line read).
    """
    try:
        raw = open(info.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc})", file=info.path) from exc
    lines = 0
    tail: list[bytes] = []  # the start of a line longer than a block, in pieces
    head = True  # before the first block (which may hold a byte order mark)
    try:
        for data in _byte_blocks(info, raw, size):
            if head and sum(map(len, tail)) + len(data) < 3:
                tail.append(data)  # too short to tell whether a byte order mark starts it
                continue
            cut = data.rfind(b"\n") + 1
            if not cut:
                tail.append(data)
                continue
            block = b"".join(tail) + data[:cut] if tail else data[:cut]
            tail = [data[cut:]] if cut < len(data) else []
            if head:
                head = False
                if block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
            yield lines + 1, block
            lines += block.count(b"\n")
        if tail:
            block = b"".join(tail)
            if head and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            yield lines + 1, block
    except _damaged_errors() as exc:
        raise InputError(
            f"the file is damaged or cut off after line {lines} ({exc})",
            "Download or export the file again.",
            file=info.path,
            row=lines + 1,
        ) from exc
    finally:
        raw.close()


def jsonl_spans(
    info: FileInfo, size: int = 1 << 16
) -> Generator[tuple[int, tuple[str, int, int]], None, None]:
    """Where the blocks of :func:`jsonl_blocks` lie in an uncompressed JSONL file.

    Yields ``(first line, (path, offset, length))`` for the very blocks
    :func:`jsonl_blocks` cuts from the same file with the same *size* (each
    ends at the last newline of a read of *size* bytes; the byte order mark
    is left out).  Import workers (:mod:`corpus.parallel`) read the bytes
    themselves (:func:`read_span`): this process only counts lines, and the
    file's bytes do not also pass through a pipe.

    Raises
    ------
    InputError
        If the file cannot be opened or read.
    """
    try:
        fh = open(info.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc})", file=info.path) from exc
    lines = 0
    try:
        with fh:
            start = 3 if fh.read(3) == b"\xef\xbb\xbf" else 0  # where the next block starts
            fh.seek(0)
            read = carried = 0  # bytes read so far; newlines read since start
            while data := fh.read(size):
                end = data.rfind(b"\n") + 1
                if end and read + len(data) >= 3:  # as jsonl_blocks: a first block spans its byte order mark
                    yield lines + 1, (info.path, start, read + end - start)
                    lines += carried + data.count(b"\n", max(start - read, 0), end)
                    start, carried = read + end, 0
                else:
                    carried += data.count(b"\n", max(start - read, 0))
                read += len(data)
            if read > start:
                yield lines + 1, (info.path, start, read - start)
    except OSError as exc:
        raise InputError(
            f"cannot read the file after line {lines} ({exc})", file=info.path, row=lines + 1
        ) from exc


def read_span(span: tuple[str, int, int]) -> bytes:
    """The bytes of a block found by :func:`jsonl_spans`.

    Raises
    ------
    InputError
        If the file cannot be read, or is shorter than when its lines were counted.
    """
    path, offset, length = span
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", file=path) from exc
    if len(data) != length:
        raise InputError(
            "the file changed while it was read", "Import it again once it is complete.", file=path
        )
    return data


@dataclass
class JsonlBlock:
    """The records of one block of JSONL lines (see :func:`parse_jsonl_block`).

    Attributes
    ----------
    records : list of (int, dict or BadRecord)
        Line number and record, in order.
    pending : (int, BadRecord) or None
        A line that is not valid JSON and is followed by blank lines only
        (line number, why).  It is a bad record if any non-blank line
        follows in the file, and only a warning if it is the file's last
        line: a crawler stopped mid-write leaves a truncated last line.
    blank : bool
        Whether the block holds nothing but blank lines.
    """

    records: list[tuple[int, dict | BadRecord]]
    pending: tuple[int, BadRecord] | None
    blank: bool


def parse_jsonl_block(block: bytes, first: int) -> JsonlBlock:
    """Parse one JSON object per line of *block*, whose first line is number *first*."""
    loads = _loads
    records: list[tuple[int, dict | BadRecord]] = []
    append = records.append
    pending: tuple[int, BadRecord] | None = None
    blank = True
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    last = len(lines) - 1
    for lineno, line in enumerate(lines, start=first):
        try:
            obj = loads(line)
        except _JSONError:
            if not line.strip():
                continue
            blank = False
            if pending is not None:
                append(pending)
            # the parser's words for the line as the file holds it, newline included
            whole = line + b"\n" if lineno - first < last or block.endswith(b"\n") else line
            try:
                loads(whole)
                reason = "not valid JSON"  # pragma: no cover - the line failed above
            except _JSONError as exc:
                reason = _short(exc)
            pending = (lineno, BadRecord(f"line {lineno} is not valid JSON ({reason})", _JSONL_HINT))
            continue
        blank = False
        if pending is not None:
            append(pending)
            pending = None
        if type(obj) is dict:
            append((lineno, obj))
        else:
            append(
                (lineno, BadRecord(f"line {lineno} is a JSON {type(obj).__name__}, not an object"))
            )
    return JsonlBlock(records, pending, blank)


def split_jsonl_block(block: bytes, first: int, size: int) -> Iterator[tuple[int, bytes]]:
    """*block* (whole lines, the first numbered *first*) in pieces of about *size* bytes of whole lines.

    Each piece comes with the number of its first line, as from
    :func:`jsonl_blocks`.  Import workers (:mod:`corpus.parallel`) receive
    large chunks, so that few cross between processes, and convert them a
    small piece at a time: the objects of one piece stay in the processor's
    cache and their memory is reused by the next (a fifth less CPU than
    converting a chunk of 5,000 lines at once).
    """
    start, line, end = 0, first, len(block)
    while start < end:
        cut = block.find(b"\n", start + size - 1) + 1 if start + size < end else end
        piece = block[start:cut or end]
        yield line, piece
        line += piece.count(b"\n")
        start = cut or end


def parse_jsonl_blocks(blocks: Iterable[tuple[int, bytes]]) -> Iterator[JsonlBlock]:
    """Parse consecutive blocks of one file (see :func:`parse_jsonl_block`), settling their bounds.

    A line that is not valid JSON at the end of a block is a bad record once
    a non-blank line follows: it is put at the head of the next non-blank
    block's records.  Blank blocks are skipped.  The :attr:`JsonlBlock.pending`
    of the last block yielded is what the blocks leave unsettled (the whole
    file's truncated last line, for :func:`_iter_jsonl`).
    """
    carry: tuple[int, BadRecord] | None = None
    for first, data in blocks:
        block = parse_jsonl_block(data, first)
        if block.blank:
            continue
        if carry is not None:
            block.records.insert(0, carry)
        carry = block.pending
        yield block


def truncated_last_line(lineno: int) -> str:
    """The warning for a JSONL file whose last line is incomplete."""
    return (
        f"the last line ({lineno}) is incomplete and was skipped: the crawler was "
        "probably stopped while writing it"
    )


def _iter_jsonl(info: FileInfo) -> Records:
    """Parse one JSON object per line; a broken *last* line is only a warning.

    A crawler stopped mid-write leaves a truncated last line: the records
    before it are good, so it is reported as a warning.  A broken line with
    good lines after it is an error, yielded as a :class:`BadRecord`.
    """
    last: JsonlBlock | None = None
    for block in parse_jsonl_blocks(jsonl_blocks(info)):
        if not info.columns:
            for _, rec in block.records:
                if type(rec) is dict:
                    info.columns = list(rec)
                    break
        yield from block.records
        last = block
    if last is not None and last.pending is not None:
        info.warnings.append(truncated_last_line(last.pending[0]))


_JSONL_HINT = "Fix or delete this line (each line must hold one complete JSON object)."


_POSITION_RE = re.compile(r":? line \d+ column \d+ \(char \d+\)")


def _short(exc: Exception) -> str:
    """The parser's message without its position (which counts within the line)."""
    text = _POSITION_RE.sub("", str(exc).split("\n", 1)[0])
    return text[:120]


def _damaged_errors() -> tuple[type[Exception], ...]:
    """Exceptions that mean a (compressed) file is damaged or cut off."""
    import zlib

    errors: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error)
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        return errors
    return errors + (zstandard.ZstdError,)


# ---------------------------------------------------------------------------
# SQLite (MediaCrawler's store)
# ---------------------------------------------------------------------------


def _iter_sqlite(path: str) -> Iterator[tuple[FileInfo, Records]]:
    uri = "file:" + Path(path).resolve().as_posix() + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged, or text not UTF-8
        raise InputError(f"cannot read the SQLite file ({exc})", file=path) from exc
    try:
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            info = FileInfo(path, "sqlite", part=name)
            try:
                info.columns = [r[1] for r in con.execute(f"PRAGMA table_info({quoted})")]
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                raise _sqlite_damaged(info, None, exc) from exc
            yield info, _sqlite_records(con, quoted, info)
    finally:
        con.close()


def _sqlite_damaged(info: FileInfo, row: int | None, exc: Exception) -> InputError:
    return InputError(
        f"cannot read the SQLite file ({exc})",
        "The file is damaged or incompletely copied; copy it again from the crawler's "
        "folder (with the crawler stopped).",
        file=info.label,
        row=row,
    )


def _sqlite_records(con: sqlite3.Connection, quoted: str, info: FileInfo) -> Records:
    columns = info.columns
    row = 0
    try:
        cur = con.execute(f"SELECT * FROM {quoted}")
        while True:
            rows = cur.fetchmany(2000)
            if not rows:
                break
            for values in rows:
                row += 1
                yield row, dict(zip(columns, values))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # found only when read
        raise _sqlite_damaged(info, row + 1, exc) from exc
