"""A small streaming writer of ``.xlsx`` workbooks for dazi's exports.

Every spreadsheet dazi hands out goes through :class:`StreamingWorkbook`,
which writes SpreadsheetML (ECMA-376) straight into the zip file, one sheet
after another, row by row: memory stays bounded whatever the number of posts.

Why not openpyxl's write-only mode: without lxml (not a dependency) it
serialises every cell through ElementTree, about 70 microseconds a cell here,
which is barely faster than ``DataFrame.to_excel`` (see
``benchmarks/bench_export.py``).  Writing the XML text directly costs about a
microsecond or two a cell.  openpyxl and pandas read the files back in the tests.

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
  carriage return is prefixed with ``'`` (:func:`reports.safety.neutralize`),
  and the writer has no way to emit a formula at all;
- text made valid for XML and Excel: control characters other than tab and
  newline are dropped, literal ``_xHHHH_`` sequences are escaped so Excel
  shows them as typed, and text longer than Excel's 32,767 characters per
  cell is cut (counted in :attr:`SheetWriter.truncated`).

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
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Self

import pandas as pd

from dazi.errors import ValidationError
from reports.safety import FORMULA_STARTS, neutralize

__all__ = [
    "COLUMN_KINDS",
    "EXCEL_CELL_LIMIT",
    "Column",
    "SheetWriter",
    "StreamingWorkbook",
    "display_width",
    "excel_serial",
    "sheet_name",
]

#: Excel's limit on the characters in one cell.
EXCEL_CELL_LIMIT = 32_767

#: How a column shows its values (see :class:`Column`).
COLUMN_KINDS: tuple[str, ...] = (
    "auto", "text", "wrap", "datetime", "date", "decimal", "percent", "one_decimal", "integer",
)

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# cellXfs indexes, in the order written to styles.xml
_S_GENERAL, _S_HEADER, _S_TEXT, _S_WRAP, _S_DATETIME, _S_DATE = 0, 1, 2, 3, 4, 5
_S_DECIMAL, _S_PERCENT, _S_TITLE, _S_NOTE, _S_ONE_DECIMAL, _S_BOLD, _S_INTEGER = 6, 7, 8, 9, 10, 11, 12

#: Row styles a caller may ask for (``write_row(..., style="title")``).
_ROW_STYLES = {"title": _S_TITLE, "note": _S_NOTE, "bold": _S_BOLD, "header": _S_HEADER}

def _xf(number_format: int, font: int, fill: int, wrap: bool) -> str:
    """One cell format of styles.xml, aligned to the top of its row."""
    wrap_text = ' wrapText="1"' if wrap else ""
    return (f'<xf numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" '
            f'applyNumberFormat="1" applyFont="1" applyFill="1" applyAlignment="1">'
            f'<alignment vertical="top"{wrap_text}/></xf>')


_STYLES_XML = (
    _XML_HEAD
    + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="5">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="166" formatCode="0.000"/>'
    '<numFmt numFmtId="167" formatCode="0.0%"/>'
    '<numFmt numFmtId="168" formatCode="0.0"/>'
    "</numFmts>"
    '<fonts count="4">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><i/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF4"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="13">'
    + "".join(_xf(*spec) for spec in (
        (0, 0, 0, False),    # 0 general
        (49, 1, 2, True),    # 1 header: bold on a light fill, wrapped
        (49, 0, 0, False),   # 2 text (@)
        (49, 0, 0, True),    # 3 wrapped text
        (164, 0, 0, False),  # 4 datetime
        (165, 0, 0, False),  # 5 date
        (166, 0, 0, False),  # 6 0.000
        (167, 0, 0, False),  # 7 0.0%
        (49, 3, 0, False),   # 8 title
        (49, 2, 0, False),   # 9 note (italic)
        (168, 0, 0, False),  # 10 0.0
        (49, 1, 0, False),   # 11 bold text
        (1, 0, 0, False),    # 12 integer
    ))
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

# XML 1.0 forbids these (tab, newline and carriage return are allowed); lone
# surrogates cannot be encoded as UTF-8.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
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
_FLUSH_EVERY = 512
# short texts that repeat (codes, labels, coder names, platforms) go to the shared strings table, at most
# this many of at most this length: a quarter of the XML of a long-format sheet, bounded memory
_SHARED_TEXT, _SHARED_LIMIT = 40, 100_000
# a column that brings this many new texts within its first rows holds unique texts: inline from then on
_SHARED_TRIAL = 200
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_LINE_HEIGHT, _MAX_ROW_HEIGHT = 15, 409  # points; Excel's maximum row height


def _letters(n: int) -> list[str]:
    """Column letters A, B, ..., Z, AA, ... for ``n`` columns."""
    out = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        out.append(name)
    return out


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


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


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
    (at most 100 rows), then everything streams.

    Attributes
    ----------
    rows : int
        Rows written so far, header included.
    truncated : int
        Text cells cut to Excel's 32,767-character limit.
    dropped_characters : int
        Text cells from which control characters were removed.
    """

    def __init__(self, book: StreamingWorkbook, index: int, name: str, columns: Sequence[Column], *,
                 freeze: tuple[int, int], autofilter: bool, header: bool, row_height: float | None,
                 selected: bool):
        self._book = book
        self.index = index
        self.name = name
        self.columns = list(columns)
        self._freeze = freeze
        self._autofilter = autofilter and header and bool(self.columns)
        self._row_height = row_height
        self._wrap_columns = [j for j, c in enumerate(self.columns) if c.kind == "wrap"]
        self._width_values: list[float] = []
        self._selected = selected
        self._letters = _letters(max(len(self.columns), 1))
        self._kinds = [c.kind for c in self.columns]
        self._pending: list[tuple[list[Any], str | None, Sequence[str] | None]] = []
        self._chunks: list[str] = []
        self._stream = None
        self._max_columns = len(self.columns)
        self._last_datetime: tuple[Any, str] = (None, "")  # a coder's save stamps many cells alike
        self._last_datetime_kind = ""
        self._share = [True] * len(self.columns)  # columns whose short texts go to the shared strings
        self._new_shared = [0] * len(self.columns)
        self.rows = 0
        self.truncated = 0
        self.dropped_characters = 0
        self.closed = False
        if header and self.columns:
            self._pending.append(([c.name for c in self.columns], "header", None))

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
        if self._stream is None:
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
        """Finish the sheet (autofilter, margins); the workbook goes on with the next one."""
        if self.closed:
            return
        if self._stream is None:
            self._start()
        self._chunks.append("</sheetData>")
        if self._autofilter and self.rows:
            last = _letters(len(self.columns))[-1]
            ref = f"A1:{last}{self.rows}"
            self._chunks.append(f'<autoFilter ref="{ref}"/>')
            self._book._filters.append((self.index, self.name, f"$A$1:${last}${self.rows}"))
        self._chunks.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                            'footer="0.3"/></worksheet>')
        self._flush()
        self._stream.close()
        self._stream = None
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
        self._stream = self._book._open_part(f"xl/worksheets/sheet{self.index + 1}.xml")
        parts = [_XML_HEAD, f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">']
        selected = ' tabSelected="1"' if self._selected else ""
        rows, cols = self._freeze
        if rows or cols:
            top_left = f"{_letters(cols + 1)[-1]}{rows + 1}"
            pane = "bottomRight" if rows and cols else ("bottomLeft" if rows else "topRight")
            split = (f' xSplit="{cols}"' if cols else "") + (f' ySplit="{rows}"' if rows else "")
            parts.append(f'<sheetViews><sheetView workbookViewId="0"{selected}>'
                         f'<pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
                         f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>'
                         "</sheetView></sheetViews>")
        else:
            parts.append(f'<sheetViews><sheetView workbookViewId="0"{selected}/></sheetViews>')
        parts.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.columns:
            parts.append("<cols>")
            self._width_values = self._widths()
            for i, width in enumerate(self._width_values, start=1):
                parts.append(f'<col min="{i}" max="{i}" width="{width:.1f}" customWidth="1"/>')
            parts.append("</cols>")
        parts.append("<sheetData>")
        self._chunks.append("".join(parts))
        pending, self._pending = self._pending, []
        for values, style, kinds in pending:
            self._emit(values, style, kinds)

    def _text(self, value: str) -> str:
        if value[:1] in _FORMULA_FIRST:  # reports.safety.neutralize, inlined: this runs for every text cell
            value = neutralize(value)
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("", value)
            self.dropped_characters += 1
        if len(value) > EXCEL_CELL_LIMIT:
            value = value[:EXCEL_CELL_LIMIT]
            self.truncated += 1
        if "_x" in value:
            value = _ESCAPE_LIKE.sub(r"_x005F_\1", value)
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")

    def _cell(self, ref: str, value: Any, kind: str, row_style: int | None) -> str:
        if value is None:
            return ""
        t = type(value)
        if t is str:
            if not value:
                return ""  # an empty string is an empty cell
            style = row_style if row_style is not None else (_S_WRAP if kind == "wrap" else _S_TEXT)
            return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{self._text(value)}</t></is></c>'
        if kind == "text":
            if t is float and value.is_integer():
                value = int(value)
            return self._cell(ref, value if isinstance(value, str) else _as_text(value), kind, row_style)
        if t is bool:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if t is int:
            style = _NUMBER_STYLE.get(kind, _S_GENERAL)
            return f'<c r="{ref}" s="{style}"><v>{value}</v></c>' if style else f'<c r="{ref}"><v>{value}</v></c>'
        if t is float:
            if not math.isfinite(value):
                return ""
            style = _NUMBER_STYLE.get(kind, _S_GENERAL)
            return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>' if style else f'<c r="{ref}"><v>{value!r}</v></c>'
        if isinstance(value, datetime):
            if value is pd.NaT:
                return ""
            last, cell = self._last_datetime
            if t is datetime and last is not None and type(last) is datetime and cell and value == last \
                    and (value.tzinfo is None) == (last.tzinfo is None) and kind == self._last_datetime_kind:
                return f'<c r="{ref}"{cell}'
            naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value
            if naive < _FIRST_SERIAL:  # before Excel's dates are reliable: ISO text
                return self._cell(ref, value.isoformat(), "text", row_style)
            style = _S_DATE if kind == "date" else _S_DATETIME
            delta = naive - _EPOCH
            serial = delta.days + (delta.seconds + delta.microseconds / 1_000_000) / 86_400
            cell = f' s="{style}"><v>{serial!r}</v></c>'
            if t is datetime:
                self._last_datetime, self._last_datetime_kind = (value, cell), kind
            return f'<c r="{ref}"{cell}'
        if isinstance(value, date):
            if value < _FIRST_SERIAL.date():
                return self._cell(ref, value.isoformat(), "text", row_style)
            style = _S_DATETIME if kind == "datetime" else _S_DATE
            return f'<c r="{ref}" s="{style}"><v>{excel_serial(value)!r}</v></c>'
        converted = _plain_value(value)
        if converted is value:
            return self._cell(ref, _as_text(value), kind, row_style)
        return self._cell(ref, converted, kind, row_style)

    def _emit(self, values: Sequence[Any], style: str | None, row_kinds: Sequence[str] | None = None) -> None:
        self.rows += 1
        r = self.rows
        row_style = _ROW_STYLES.get(style) if style else None
        if len(values) > self._max_columns:
            self._max_columns = len(values)
            self._letters = _letters(self._max_columns)
        letters = self._letters
        kinds = self._kinds if row_kinds is None else row_kinds
        n_kinds = len(kinds)
        cells = []
        append = cells.append
        shared = self._book._shared
        share = self._share
        n_share = len(share)
        refs = 0
        for j, value in enumerate(values):
            if value is None:
                continue
            kind = kinds[j] if j < n_kinds else "auto"
            t = type(value)
            # the common cells inline (most of an export), everything else through _cell
            if t is str and row_style is None and value:
                xf = _S_WRAP if kind == "wrap" else _S_TEXT
                index = shared.get(value) if j < n_share and share[j] else None
                if index is None:
                    text = self._text(value)
                    if (j < n_share and share[j] and len(value) <= _SHARED_TEXT and text == value
                            and len(shared) < _SHARED_LIMIT):
                        index = shared[value] = len(shared)  # nothing to neutralise, drop or escape
                        self._new_shared[j] += 1
                        if self._new_shared[j] == _SHARED_TRIAL and self.rows < 2 * _SHARED_TRIAL:
                            share[j] = False  # a column of unique texts (ids, titles): keep them inline
                    else:
                        append(f'<c r="{letters[j]}{r}" s="{xf}" t="inlineStr"><is><t xml:space="preserve">'
                               f"{text}</t></is></c>")
                        continue
                refs += 1
                append(f'<c r="{letters[j]}{r}" s="{xf}" t="s"><v>{index}</v></c>')
            elif t is int and kind == "auto":
                append(f'<c r="{letters[j]}{r}"><v>{value}</v></c>')
            elif t is bool and kind != "text":
                append(f'<c r="{letters[j]}{r}" t="b"><v>{int(value)}</v></c>')
            else:
                append(self._cell(f"{letters[j]}{r}", value, kind, row_style))
        height = ""
        if self._row_height is not None and style is None:
            height = f' ht="{self._row_height}" customHeight="1"'
        elif self._wrap_columns and style is None and row_kinds is None:
            lines = self._lines(values)
            if lines > 1:
                height = f' ht="{min(_LINE_HEIGHT * lines, _MAX_ROW_HEIGHT):g}" customHeight="1"'
        self._book._shared_refs += refs
        self._chunks.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        if len(self._chunks) >= _FLUSH_EVERY:
            self._flush()

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

    def _flush(self) -> None:
        if self._chunks and self._stream is not None:
            self._stream.write("".join(self._chunks).encode("utf-8"))
            self._chunks = []


_NUMBER_STYLE = {
    "decimal": _S_DECIMAL, "percent": _S_PERCENT, "one_decimal": _S_ONE_DECIMAL, "integer": _S_INTEGER,
    "datetime": _S_DATETIME, "date": _S_DATE,
}


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
    same folder and moved into place, so an error never leaves half a
    workbook behind.

    Parameters
    ----------
    path : str or Path
    compresslevel : int
        zlib level of the zip members (1 is fast and about 20 % larger than 6).
    title, creator : str, optional
        Document properties.
    """

    def __init__(self, path: str | os.PathLike, *, compresslevel: int = 1, title: str | None = None,
                 creator: str = "dazi"):
        self.path = Path(path)
        self._title = title
        self._creator = creator
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise ValidationError(f"Cannot write {self.path}: folder {folder} does not exist.",
                                  "Create the folder first or choose another path.")
        # a plain open() (not mkstemp) so the file gets the user's usual permissions
        self._tmp = folder / f".{self.path.name}.{uuid.uuid4().hex[:8]}.part"
        self._zip = zipfile.ZipFile(self._tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._sheets: list[SheetWriter] = []
        self._filters: list[tuple[int, str, str]] = []
        self._current: SheetWriter | None = None
        self._closed = False
        self._shared: dict[str, int] = {}  # short repeated texts (already safe XML) -> index in sharedStrings
        self._shared_refs = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

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
        if name.lower() in {s.name.lower() for s in self._sheets}:
            raise ValidationError(f"Two sheets called {name!r}.", "Use sheet_name() to get a unique name.")
        if self._current is not None:
            self._current.close()
        cols = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
        if freeze is None:
            freeze = (1, 0) if header and cols else (0, 0)
        writer = SheetWriter(self, len(self._sheets), name, cols, freeze=freeze, autofilter=autofilter,
                             header=header, row_height=row_height, selected=not self._sheets)
        self._sheets.append(writer)
        self._current = writer
        return writer

    def _open_part(self, name: str):
        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return self._zip.open(info, "w", force_zip64=True)

    def _write_part(self, name: str, text: str) -> None:
        with self._open_part(name) as fh:
            fh.write(text.encode("utf-8"))

    def close(self) -> None:
        """Finish the last sheet, write the workbook parts and move the file into place."""
        if self._closed:
            return
        if self._current is not None:
            self._current.close()
        if not self._sheets:
            self.sheet("Sheet1", header=False).close()
        n = len(self._sheets)
        sheets = "".join(
            f'<sheet name="{_attr(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, s in enumerate(self._sheets)
        )
        names = ""
        if self._filters:
            names = "<definedNames>" + "".join(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"{_attr(_quote_sheet(name))}!{ref}</definedName>"
                for index, name, ref in self._filters
            ) + "</definedNames>"
        self._write_part("xl/workbook.xml", (
            _XML_HEAD + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>{names}</workbook>"
        ))
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        if self._shared:
            rels += f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            with self._open_part("xl/sharedStrings.xml") as fh:
                fh.write((_XML_HEAD + f'<sst xmlns="{_MAIN_NS}" count="{self._shared_refs}" '
                          f'uniqueCount="{len(self._shared)}">').encode("utf-8"))
                chunk = []
                for text in self._shared:
                    chunk.append(f'<si><t xml:space="preserve">{text}</t></si>')
                    if len(chunk) >= 4096:
                        fh.write("".join(chunk).encode("utf-8"))
                        chunk = []
                fh.write(("".join(chunk) + "</sst>").encode("utf-8"))
        self._write_part("xl/_rels/workbook.xml.rels",
                         _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>')
        self._write_part("xl/styles.xml", _STYLES_XML)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = f"<dc:title>{_attr(self._title)}</dc:title>" if self._title else ""
        self._write_part("docProps/core.xml", (
            _XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{title}<dc:creator>{_attr(self._creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
            "</cp:coreProperties>"
        ))
        self._write_part("_rels/.rels", (
            _XML_HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ))
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        self._write_part("[Content_Types].xml", (
            _XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}"
            + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
               'officedocument.spreadsheetml.sharedStrings+xml"/>' if self._shared else "")
            + '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ))
        self._zip.close()
        os.replace(self._tmp, self.path)
        self._closed = True

    def abort(self) -> None:
        """Give up: close and delete the temporary file (the target path is untouched)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._current is not None and self._current._stream is not None:
                self._current._stream.close()
            self._zip.close()
        finally:
            self._tmp.unlink(missing_ok=True)


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
