"""Read any supported export file as a stream of raw records with row numbers.

One module per kind of file (:mod:`.delimited`, :mod:`.xlsx`, :mod:`.jsonfile`,
:mod:`.jsonl`, :mod:`.parquet`, :mod:`.sqlite`), what they yield in :mod:`.records`,
and which kind a file is in :mod:`.detect`.

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

import os
from collections.abc import Iterator

from corpus.formats.delimited import _open_delimited
from corpus.formats.detect import detect_format
from corpus.formats.jsonfile import _open_json
from corpus.formats.jsonl import (
    JsonlBlock,
    _iter_jsonl,
    jsonl_blocks,
    jsonl_spans,
    parse_jsonl_block,
    parse_jsonl_blocks,
    read_span,
    split_jsonl_block,
    truncated_last_line,
)
from corpus.formats.parquet import _open_parquet
from corpus.formats.records import FORMATS, BadRecord, FileInfo, Records
from corpus.formats.sqlite import _iter_sqlite
from corpus.formats.xlsx import _iter_xlsx, check_zip_size
from dazi.errors import InputError

__all__ = [
    "FORMATS",
    "BadRecord",
    "FileInfo",
    "Records",
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
