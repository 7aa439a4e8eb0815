"""dazi's ``.xlsx`` workbooks, streamed through XlsxWriter.

Every spreadsheet dazi hands out goes through :class:`StreamingWorkbook`, a
thin layer over `XlsxWriter <https://xlsxwriter.readthedocs.io>`_ (the
library pandas uses as its Excel engine) in its constant-memory mode: each
row goes to a temporary file as soon as the next one starts, so memory stays
bounded whatever the number of posts.  The one exception is the coding sheet
(:mod:`coding.sheets`), written with openpyxl: dazi reads it back with
openpyxl, it holds one coder's posts (hundreds, not hundreds of thousands),
and its dropdowns, locked cells and comments are written and read by one
library.  Both follow the cell rules of :mod:`dazi.cells`.  XlsxWriter is told never to turn a string
into a formula, a number or a link (``strings_to_formulas``,
``strings_to_numbers``, ``strings_to_urls`` off), and every text cell is
written with ``write_string``.  openpyxl and pandas read the files back in
the tests.

What every sheet gets
---------------------
- a bold header row, frozen (optionally with the first columns), and an
  autofilter over the data;
- column widths from the header and the first rows (Chinese characters
  count double), capped, with long-text columns wrapped;
- typed cells: text is text with the ``@`` (Text) number format, so
  digit-like ids stay text (never ``1.23E+18``); numbers are numbers;
  datetimes are real Excel dates (naive UTC: Excel has no time zones);
  booleans are TRUE/FALSE; ``None``, NaN and ``pd.NA`` are empty cells;
- inert text: a value starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is prefixed with ``'`` (:func:`dazi.cells.neutralize`),
  and nothing is ever written as a formula;
- text made valid for XML and Excel: control characters other than tab,
  newline and carriage return are dropped, literal ``_xHHHH_`` sequences are
  escaped so Excel shows them as typed, and text longer than Excel's 32,767
  characters per cell (counted as Excel counts them: UTF-16 units, an emoji
  is two) is cut (counted in :attr:`SheetWriter.truncated`).

Constant-memory mode writes text inline in each cell rather than in a
shared-strings table: repeated short texts (codes, coder names) cost bytes in
the XML, which the zip compression takes back almost entirely.

Examples
--------
>>> import tempfile, pathlib, openpyxl
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.xlsx"
>>> with StreamingWorkbook(path) as book:
...     with book.sheet("Posts", [Column("post_id", "text"), Column("likes")]) as sheet:
...         sheet.write_row(["1234567890123456789", 12])
...         sheet.write_row(["=HYPERLINK(1)", None])
>>> ws = openpyxl.load_workbook(path)["Posts"]
>>> [[c.value for c in row] for row in ws.iter_rows()]
[['post_id', 'likes'], ['1234567890123456789', 12], ["'=HYPERLINK(1)", None]]
"""

from __future__ import annotations

import math
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Self

import pandas as pd
from xlsxwriter import Workbook
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from dazi.cells import EXCEL_CELL_LIMIT, FORMULA_STARTS, ILLEGAL_CHARACTERS, fit_cell, neutralize
from dazi.errors import ValidationError
from dazi.files import replacing

__all__ = [
    "COLUMN_KINDS",
    "EXCEL_CELL_LIMIT",
    "Column",
    "SheetWriter",
    "StreamingWorkbook",
    "display_width",
    "excel_serial",
    "sheet_name",
    "write_frame_sheet",
]

#: How a column shows its values (see :class:`Column`).
COLUMN_KINDS: tuple[str, ...] = (
    "auto", "text", "wrap", "datetime", "date", "decimal", "percent", "one_decimal", "integer",
)

# Excel reads _xHHHH_ in text as the character U+HHHH; a literal one is
# written with its underscore escaped (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_EPOCH = datetime(1899, 12, 30)
# Excel's 1900 date system counts a 29 February 1900 that never was: serials
# are right from 1 March 1900 on; earlier dates are written as ISO text.
_FIRST_SERIAL = datetime(1900, 3, 1)
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_INVALID_NAME_HINT = "Sheet names have at most 31 characters and none of [ ] : * ? / \\."
_SAMPLE_ROWS = 100
_MIN_WIDTH, _MAX_WIDTH, _WRAP_WIDTH = 6.0, 60.0, 60.0
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_SPECIAL_STARTS = (*FORMULA_STARTS, "<r>")  # text to neutralise, or shaped like XlsxWriter's rich text
_LINE_HEIGHT, _MAX_ROW_HEIGHT = 15, 409  # points; Excel's maximum row height
_DIGIT_PIXELS = 7  # Calibri 11's digit width: a column of w characters is 7w pixels
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384  # what one Excel sheet holds

#: Row styles a caller may ask for (``write_row(..., style="title")``).
_ROW_STYLES = ("title", "note", "bold", "header")

# The cell formats of every workbook (XlsxWriter format properties), all aligned to the top of
# their row; "text" is the @ (Text) number format.
_TOP = {"valign": "top"}
_FORMATS: dict[str, dict[str, Any]] = {
    "general": _TOP,
    "header": {**_TOP, "num_format": "@", "bold": True, "bg_color": "#E8EEF4", "text_wrap": True},
    "text": {**_TOP, "num_format": "@"},
    "wrap": {**_TOP, "num_format": "@", "text_wrap": True},
    "datetime": {**_TOP, "num_format": "yyyy-mm-dd hh:mm:ss"},
    "date": {**_TOP, "num_format": "yyyy-mm-dd"},
    "decimal": {**_TOP, "num_format": "0.000"},
    "percent": {**_TOP, "num_format": "0.0%"},
    "one_decimal": {**_TOP, "num_format": "0.0"},
    "integer": {**_TOP, "num_format": "0"},
    "title": {**_TOP, "num_format": "@", "bold": True, "font_size": 13},
    "note": {**_TOP, "num_format": "@", "italic": True},
    "bold": {**_TOP, "num_format": "@", "bold": True},
}
# the format of a number in a column of each kind
_NUMBER_FORMAT = {"decimal": "decimal", "percent": "percent", "one_decimal": "one_decimal",
                  "integer": "integer", "datetime": "datetime", "date": "date"}


def display_width(text: str) -> int:
    """Width of ``text`` in character cells: East Asian wide characters count 2.

    >>> display_width("饭搭子 ok")
    9
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def excel_serial(value: datetime | date) -> float:
    """Excel's serial number of a date or datetime (1900 date system).

    Aware datetimes are converted to UTC first; Excel has no time zones.

    >>> excel_serial(datetime(2025, 1, 1, 12, 0))
    45658.5
    >>> excel_serial(date(2025, 1, 1))
    45658.0
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        delta = value - _EPOCH
    else:
        delta = datetime.combine(value, time()) - _EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1_000_000) / 86_400


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused Excel sheet name made from ``name``.

    Forbidden characters become ``_``, the name is cut to 31 characters, and
    a clash with ``taken`` (case-insensitive, as Excel compares) gets a
    numeric suffix.

    >>> sheet_name("crosstab: type x channel / all", ["x"])
    'crosstab_ type x channel _ all'
    >>> sheet_name("Posts", ["posts"])
    'Posts (2)'
    """
    clean = _SHEET_FORBIDDEN.sub("_", name).strip().strip("'") or "Sheet"
    clean = clean[:31]
    used = {t.lower() for t in taken}
    candidate, k = clean, 2
    while candidate.lower() in used or candidate.lower() == "history":
        suffix = f" ({k})"
        candidate = clean[: 31 - len(suffix)] + suffix
        k += 1
    return candidate


class _Sink:
    """The temporary file XlsxWriter writes the zip into, through which nothing goes once it is closed.

    XlsxWriter leaves its zip open when a write fails (a full disk); the zip
    writes its end record when it is garbage-collected, after dazi has closed
    and removed the file.  Without this, Python would print "Exception
    ignored in ZipFile.__del__" under dazi's error message.
    """

    def __init__(self, path: Path):
        self.file = open(path, "wb")  # noqa: SIM115 - closed by StreamingWorkbook.close() and abort()
        self._position = 0  # where a write would go once the file is closed (the zip checks its offsets)

    def close(self) -> None:
        if not self.file.closed:
            try:
                self._position = self.file.tell()
            finally:
                self.file.close()

    def write(self, data: bytes) -> int:
        if self.file.closed:
            self._position += len(data)
            return len(data)
        return self.file.write(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self.file.closed:
            self._position = offset if whence == os.SEEK_SET else self._position + offset
            return self._position
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self._position if self.file.closed else self.file.tell()

    def flush(self) -> None:
        if not self.file.closed:
            self.file.flush()


class _Worksheet(Worksheet):
    """XlsxWriter's worksheet with three changes to its internals.

    The two that matter are checked by tests in ``tests/test_workbook.py``, so
    an XlsxWriter release that changes these internals fails there, not in a
    user's file.

    - A carriage return stays a character.  XlsxWriter writes every control
      character as an ``_xHHHH_`` escape, which Excel decodes but openpyxl and
      pandas show as typed (``"a\\r\\nb"`` came back as ``"a_x000D_\\nb"``).
      dazi drops the other control characters before writing
      (:meth:`SheetWriter._text`), so only the escaping of literal
      ``_xHHHH_`` text is left, and a carriage return is written as ``&#13;``
      (a raw one would be read as a line feed).  Tests:
      ``test_formula_like_text_is_neutralised`` (carriage return),
      ``test_chinese_emoji_control_characters_and_escapes``.
    - Memory stays constant: a row's height is dropped once the row is
      written (``test_memory_does_not_grow_with_the_rows``).
    - A cell's style index skips the escaping meant for text (speed only).
    """

    @staticmethod
    def _escape_control_characters(data):
        if isinstance(data, str) and "_x" in data:
            return _ESCAPE_LIKE.sub(r"_x005F_\1", data)
        return data

    def _escape_attributes(self, attribute):
        # a cell's style index is an int: XlsxWriter's regex would raise and catch a TypeError
        return attribute if type(attribute) is int else super()._escape_attributes(attribute)

    def _write_single_row(self, current_row_num=0):
        # constant-memory mode writes a row when the next one starts, but kept the height given to
        # every row (set_row: two records, ~30 MB at 100,000 posts); once the row is written, dazi (no
        # images or comments to place by row) needs neither.
        row = self.previous_row
        super()._write_single_row(current_row_num)
        self.row_info.pop(row, None)
        self.row_sizes.pop(row, None)

    def _escape_data(self, data):
        data = super()._escape_data(data)
        return data.replace("\r", "&#13;") if isinstance(data, str) and "\r" in data else data


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    Attributes
    ----------
    name : str
        The header.
    kind : str
        ``auto`` (by the value's type), ``text`` (always text; numbers are
        written as their digits), ``wrap`` (text wrapped; other values as
        ``auto``), ``datetime``,
        ``date``, ``decimal`` (0.000), ``percent`` (0.0%: give fractions),
        ``one_decimal`` (0.0) or ``integer`` (0).
    width : float, optional
        Width in characters; default from the header and the first rows.
    """

    name: str
    kind: str = "auto"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValidationError(f"Column {self.name!r}: unknown kind {self.kind!r}.",
                                  f"Use one of: {', '.join(COLUMN_KINDS)}.")


class SheetWriter:
    """Writes the rows of one sheet; get one from :meth:`StreamingWorkbook.sheet`.

    Rows are lists of values in column order (shorter rows leave the rest
    empty).  The first rows are held back until the column widths are known
    (at most 100 rows), then everything streams.  A sheet holds at most
    1,048,576 rows in Excel: the rows after that go on in a sheet of the same
    columns named like ``Codings (2)`` (see :attr:`parts`), rather than
    being lost.

    Attributes
    ----------
    rows : int
        Rows written so far, headers included.
    parts : list of str
        The names of the Excel sheets this sheet's rows went to: its own name,
        then any continuation sheets.
    truncated : int
        Text cells cut to Excel's 32,767-character limit.
    dropped_characters : int
        Text cells from which control characters were removed.
    """

    def __init__(self, book: StreamingWorkbook, index: int, name: str, columns: Sequence[Column], *,
                 freeze: tuple[int, int], autofilter: bool, header: bool, row_height: float | None):
        self._book = book
        self._ws: _Worksheet = book._add_worksheet(name)
        self._ws_rows = 0  # rows in the current Excel sheet
        self.parts = [name]
        self.index = index
        self.name = name
        self.columns = list(columns)
        self._freeze = freeze
        self._autofilter = autofilter and header and bool(self.columns)
        self._row_height = row_height
        self._wrap_columns = [j for j, c in enumerate(self.columns) if c.kind == "wrap"]
        self._width_values: list[float] = []
        self._kinds = [c.kind for c in self.columns]
        self._pending: list[tuple[list[Any], str | None, Sequence[str] | None]] = []
        self._started = False
        self.rows = 0
        self.truncated = 0
        self.dropped_characters = 0
        self.closed = False
        self._header = [c.name for c in self.columns] if header and self.columns else None
        if self._header:
            self._pending.append((self._header, "header", None))

    # -- context manager ----------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()

    # -- writing ------------------------------------------------------------
    def write_row(self, values: Sequence[Any], style: str | None = None,
                  kinds: Sequence[str] | None = None) -> None:
        """Append one row.

        Parameters
        ----------
        values : sequence
            Cell values in column order (``None`` leaves a cell empty).
        style : {"title", "note", "bold", "header"}, optional
            Write every text cell of the row in this style (table titles and
            notes under a table); numbers keep their column's format.
        kinds : sequence of str, optional
            Column kinds for this row only (a block under a table whose
            columns mean something else, e.g. shares under counts).
        """
        if self.closed:
            raise ValidationError(f"Sheet {self.name!r} is already finished.")
        if style is not None and style not in _ROW_STYLES:
            raise ValidationError(f"Unknown row style {style!r}.", f"Use one of: {', '.join(_ROW_STYLES)}.")
        if kinds is not None:
            bad = [k for k in kinds if k not in COLUMN_KINDS]
            if bad:
                raise ValidationError(f"Unknown column kind(s) {bad}.", f"Use: {', '.join(COLUMN_KINDS)}.")
        if not self._started:
            self._pending.append((list(values), style, kinds))
            if len(self._pending) > _SAMPLE_ROWS:
                self._start()
            return
        self._emit(values, style, kinds)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Append many rows; returns how many."""
        n = 0
        for row in rows:
            self.write_row(row)
            n += 1
        return n

    def close(self) -> None:
        """Finish the sheet (autofilter); the workbook goes on with the next one."""
        if self.closed:
            return
        if not self._started:
            self._start()
        self._finish_part()
        self.closed = True
        self._book._current = None

    # -- internals ----------------------------------------------------------
    def _widths(self) -> list[float]:
        widths = []
        for j, column in enumerate(self.columns):
            if column.width is not None:
                widths.append(float(column.width))
                continue
            if column.kind == "wrap":
                widths.append(_WRAP_WIDTH)
                continue
            best = 0
            for values, style, _ in self._pending:
                if style in ("title", "note") or j >= len(values):
                    continue  # titles and notes overflow into empty cells
                value = values[j]
                if value is None:
                    continue
                if isinstance(value, datetime) or column.kind == "datetime":
                    best = max(best, 19)
                elif isinstance(value, date) or column.kind == "date":
                    best = max(best, 10)
                else:
                    text = value if isinstance(value, str) else str(value)
                    best = max(best, display_width(text[:80]))
            widths.append(min(max(best + 2, _MIN_WIDTH), _MAX_WIDTH))
        return widths

    def _start(self) -> None:
        self._started = True
        self._width_values = self._widths()
        self._set_up()
        pending, self._pending = self._pending, []
        for values, style, kinds in pending:
            self._emit(values, style, kinds)

    def _set_up(self) -> None:
        """Frozen panes and column widths of the current Excel sheet."""
        rows, cols = self._freeze
        if rows or cols:
            self._ws.freeze_panes(rows, cols)
        for j, width in enumerate(self._width_values):
            # in pixels, so that the file says exactly this many characters (set_column adds padding)
            self._ws.set_column_pixels(j, j, round(width * _DIGIT_PIXELS))

    def _finish_part(self) -> None:
        if self._autofilter and self._ws_rows:
            self._ws.autofilter(0, 0, self._ws_rows - 1, len(self.columns) - 1)

    def _continue(self) -> None:
        """The current Excel sheet is full: go on in the next, with the same columns and header."""
        self._finish_part()
        name = sheet_name(self.name, self._book._names)
        self._ws = self._book._add_worksheet(name)
        self._ws_rows = 0
        self.parts.append(name)
        self._set_up()
        if self._header:
            self._emit(self._header, "header")

    def _text(self, value: str) -> str:
        """``value`` neutralised and fitted to a cell (:mod:`dazi.cells`); cells changed are counted."""
        if value[:1] in _FORMULA_FIRST:  # dazi.cells.neutralize, inlined: this runs for many text cells
            value = neutralize(value)
        if ILLEGAL_CHARACTERS.search(value):
            value = ILLEGAL_CHARACTERS.sub("", value)
            self.dropped_characters += 1
        if len(value) > EXCEL_CELL_LIMIT // 2 and (fitted := fit_cell(value)) != value:
            value = fitted
            self.truncated += 1
        return value

    def _write_text(self, r: int, j: int, value: str, cell_format: Format) -> None:
        text = self._text(value)
        if text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter takes a string shaped like this for its own rich-text XML and writes it
            # unescaped; as plain runs of a rich string it is escaped and reads back the same
            self._ws.write_rich_string(r, j, text[:1], text[1:2], text[2:], cell_format)
        elif text:
            self._ws.write_string(r, j, text, cell_format)

    def _emit(self, values: Sequence[Any], style: str | None, row_kinds: Sequence[str] | None = None) -> None:
        if self._ws_rows == _EXCEL_ROWS:
            self._continue()
        if len(values) > _EXCEL_COLUMNS:
            raise ValidationError(f"Sheet {self.name!r}: a row of {len(values):,} cells.",
                                  f"An Excel sheet has at most {_EXCEL_COLUMNS:,} columns.")
        r = self._ws_rows
        self._ws_rows += 1
        self.rows += 1
        if self._row_height is not None and style is None:
            self._ws.set_row(r, self._row_height)
        elif self._wrap_columns and style is None and row_kinds is None:
            lines = self._lines(values)
            if lines > 1:
                self._ws.set_row(r, min(_LINE_HEIGHT * lines, _MAX_ROW_HEIGHT))
        formats = self._book._formats
        text_format = formats[style] if style else formats["text"]
        wrap_format = formats[style] if style else formats["wrap"]
        general = formats["general"]
        kinds = self._kinds if row_kinds is None else row_kinds
        n_kinds = len(kinds)
        write_string, write_number = self._ws.write_string, self._ws.write_number
        search_illegal = ILLEGAL_CHARACTERS.search
        for j, value in enumerate(values):
            if value is None:
                continue
            kind = kinds[j] if j < n_kinds else "auto"
            t = type(value)
            # the common cells first (most of an export), everything else through _cell
            if t is str:
                if not value:
                    continue
                if (value.startswith(_SPECIAL_STARTS) or len(value) > EXCEL_CELL_LIMIT // 2
                        or search_illegal(value)):
                    self._write_text(r, j, value, wrap_format if kind == "wrap" else text_format)
                else:  # nothing to neutralise, drop, cut or escape (the ordinary text cell)
                    write_string(r, j, value, wrap_format if kind == "wrap" else text_format)
            elif t is int and kind == "auto":
                write_number(r, j, value, general)
            else:
                self._cell(r, j, value, kind, style)

    def _cell(self, r: int, j: int, value: Any, kind: str, style: str | None) -> None:
        formats = self._book._formats
        t = type(value)
        if t is str:
            if value:
                self._write_text(r, j, value, formats[style or ("wrap" if kind == "wrap" else "text")])
            return
        if kind == "text":
            if t is float and value.is_integer():
                value = int(value)
            self._cell(r, j, value if isinstance(value, str) else _as_text(value), kind, style)
            return
        if t is bool:
            self._ws.write_boolean(r, j, value, formats["general"])
            return
        if t is int:
            self._ws.write_number(r, j, value, formats[_NUMBER_FORMAT.get(kind, "general")])
            return
        if t is float:
            if math.isfinite(value):
                self._ws.write_number(r, j, value, formats[_NUMBER_FORMAT.get(kind, "general")])
            return
        if isinstance(value, datetime):
            if value is pd.NaT:
                return
            naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
            if naive < _FIRST_SERIAL:  # before Excel's dates are reliable: ISO text
                self._cell(r, j, value.isoformat(), "text", style)
                return
            self._ws.write_number(r, j, excel_serial(naive), formats["date" if kind == "date" else "datetime"])
            return
        if isinstance(value, date):
            if value < _FIRST_SERIAL.date():
                self._cell(r, j, value.isoformat(), "text", style)
                return
            self._ws.write_number(r, j, excel_serial(value), formats["datetime" if kind == "datetime" else "date"])
            return
        converted = _plain_value(value)
        self._cell(r, j, _as_text(value) if converted is value else converted, kind, style)

    def _lines(self, values: Sequence[Any]) -> int:
        """Lines the wrapped cells of a row need at their column widths (not every reader autofits)."""
        lines = 1
        for j in self._wrap_columns:
            value = values[j] if j < len(values) else None
            if isinstance(value, str) and value:
                width = max(self._width_values[j] - 1, 1) if j < len(self._width_values) else _WRAP_WIDTH
                needed = sum(max(1, math.ceil(display_width(part) / width)) for part in value.split("\n"))
                lines = max(lines, needed)
        return lines


def _plain_value(value: Any) -> Any:
    """numpy/pandas scalars and other odd types as plain Python values (None for missing)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "; ".join(str(v) for v in items)
    if getattr(getattr(value, "dtype", None), "kind", None) == "b":
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() / 86_400
    return value


def _as_text(value: Any) -> str:
    plain = _plain_value(value)
    if plain is None:
        return ""
    return plain if isinstance(plain, str) else str(plain)


class StreamingWorkbook:
    """An ``.xlsx`` file written sheet by sheet, row by row.

    Use as a context manager; :meth:`sheet` opens the next sheet (the
    previous one is finished first).  The file appears under its name only
    when the workbook is complete: it is written to a temporary file in the
    same folder and moved into place (:func:`dazi.files.replacing`), so an
    error never leaves half a workbook behind.

    Parameters
    ----------
    path : str or Path
    title, creator : str, optional
        Document properties.
    """

    def __init__(self, path: str | os.PathLike, *, title: str | None = None, creator: str = "dazi"):
        self.path = Path(path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise ValidationError(f"Cannot write {self.path}: folder {folder} does not exist.",
                                  "Create the folder first or choose another path.")
        self._replacing = replacing(self.path)
        self._tmp = self._replacing.__enter__()
        try:
            # opened now, so a folder that cannot be written fails before the export's work
            self._sink = _Sink(self._tmp)
            # XlsxWriter's own temporary files (each sheet's rows, the parts before zipping: a few times
            # the finished file), on the disk the user writes to (not /tmp, which may live in memory)
            self._scratch = tempfile.TemporaryDirectory(prefix=f".{self.path.name}.", suffix=".parts", dir=folder,
                                                        ignore_cleanup_errors=True)
        except BaseException as exc:
            if hasattr(self, "_sink"):
                self._sink.close()
            self._replacing.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._workbook = Workbook(self._sink, {
            "constant_memory": True, "tmpdir": self._scratch.name, "use_zip64": True,
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        })
        self._workbook.set_properties({"author": creator} | ({"title": title} if title else {}))
        self._formats = {name: self._workbook.add_format(spec) for name, spec in _FORMATS.items()}
        self._sheets: list[SheetWriter] = []
        self._names: list[str] = []  # every Excel sheet's name, continuation sheets included
        self._current: SheetWriter | None = None
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort(exc)

    @property
    def sheets(self) -> list[SheetWriter]:
        """The sheets written so far, in order."""
        return list(self._sheets)

    def sheet(self, name: str, columns: Sequence[Column | str] = (), *, freeze: tuple[int, int] | None = None,
              autofilter: bool = True, header: bool = True, row_height: float | None = None) -> SheetWriter:
        """Start the next sheet.

        Parameters
        ----------
        name : str
            Sheet name: at most 31 characters, none of ``[]:*?/\\``, unique
            (see :func:`sheet_name` to make one).
        columns : sequence of Column or str
            The columns; plain strings are ``Column(name)``.
        freeze : (rows, columns), optional
            Frozen panes; default ``(1, 0)`` (the header row) when there is a header.
        autofilter : bool
            Put an autofilter on the header and data rows.
        header : bool
            Write the column names as a bold first row.
        row_height : float, optional
            Fixed height (points) of data rows, e.g. 45 for three lines of
            wrapped text; default: each row as high as its wrapped text needs
            at the column widths (LibreOffice does not autofit on opening).
        """
        if self._closed:
            raise ValidationError(f"Workbook {self.path.name} is already closed.")
        if not name or len(name) > 31 or _SHEET_FORBIDDEN.search(name):
            raise ValidationError(f"Invalid sheet name {name!r}.", _INVALID_NAME_HINT)
        if name.lower() in {n.lower() for n in self._names}:
            raise ValidationError(f"Two sheets called {name!r}.", "Use sheet_name() to get a unique name.")
        if len(columns) > _EXCEL_COLUMNS:
            raise ValidationError(f"Sheet {name!r}: {len(columns):,} columns.",
                                  f"An Excel sheet has at most {_EXCEL_COLUMNS:,} columns.")
        if self._current is not None:
            self._current.close()
        cols = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
        if freeze is None:
            freeze = (1, 0) if header and cols else (0, 0)
        writer = SheetWriter(self, len(self._sheets), name, cols, freeze=freeze, autofilter=autofilter,
                             header=header, row_height=row_height)
        self._sheets.append(writer)
        self._current = writer
        return writer

    def _add_worksheet(self, name: str) -> _Worksheet:
        self._names.append(name)
        return self._workbook.add_worksheet(name, worksheet_class=_Worksheet)

    def close(self) -> None:
        """Finish the last sheet, write the workbook and move the file into place."""
        if self._closed:
            return
        if self._current is not None:
            self._current.close()
        if not self._sheets:
            self.sheet("Sheet1", header=False).close()
        try:
            try:
                self._workbook.close()
            except FileCreateError as exc:  # XlsxWriter wraps the OSError (a full disk): unwrap it
                raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc from None
            self._sink.close()
        except BaseException as exc:
            self.abort(exc)
            raise
        self._closed = True
        self._scratch.cleanup()
        self._replacing.__exit__(None, None, None)

    def abort(self, error: BaseException | None = None) -> None:
        """Give up: close and delete the temporary files (the target path is untouched)."""
        if self._closed:
            return
        self._closed = True
        self._workbook.fileclosed = True  # nothing more to write
        for sheet in self._workbook.worksheets():
            _close_quietly(sheet._opt_close)  # its rows (as XlsxWriter's own close does)
            if getattr(sheet, "fh", None) is not None:
                _close_quietly(sheet.fh.close)  # its part, when the disk filled while it was written
        _close_quietly(self._sink.close)
        self._scratch.cleanup()
        error = error or ValidationError(f"Writing {self.path.name} was abandoned.")
        self._replacing.__exit__(type(error), error, error.__traceback__)


def _close_quietly(close: Callable[[], None]) -> None:
    """Close a file that is deleted next: a full disk fails its last flush, and that does not matter."""
    try:
        close()
    except OSError:
        pass


def write_frame_sheet(book: StreamingWorkbook, name: str, frame: pd.DataFrame, *,
                      kinds: Mapping[str, str] | None = None, freeze: tuple[int, int] = (1, 0),
                      autofilter: bool = True, empty_note: str | None = None) -> int:
    """A DataFrame as a sheet (column kinds per name, e.g. ``{"text": "wrap"}``); returns the data rows."""
    kinds = dict(kinds or {})
    columns = [Column(str(c), kinds.get(str(c), "auto")) for c in frame.columns]
    with book.sheet(name, columns, freeze=freeze, autofilter=autofilter and not frame.empty) as sheet:
        for row in frame.itertuples(index=False, name=None):
            sheet.write_row(row)  # the writer leaves None, NaN, NA and NaT cells empty
        if frame.empty and empty_note:
            sheet.write_row([empty_note], style="note")
    return len(frame)
