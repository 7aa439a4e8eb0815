"""What every reader yields: a :class:`FileInfo` per part and ``(row, record)`` pairs, where a row
that cannot be read is a :class:`BadRecord`; the formats read, and the JSON parser they share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

_loads: Callable[[bytes | str], Any]

try:  # orjson parses JSON several times faster than the standard library
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - exercised when orjson is absent
    orjson = None  # type: ignore[assignment]
    _loads = json.loads
    _JSONError = (ValueError,)

_SAMPLE = 1 << 20  # bytes read to choose an encoding and a delimiter

#: Formats dazi reads, as :attr:`FileInfo.format` names them.
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
