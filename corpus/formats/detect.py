"""Which format a file is: its first bytes (magic numbers) first, then its extension."""

from __future__ import annotations

import os
from pathlib import Path

from dazi.errors import InputError

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
_GZIP_MAGIC = b"\x1f\x8b"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls
_PARQUET_MAGIC = b"PAR1"


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
