"""Spreadsheet cells that stay inert and fit: the one place for these rules.

Post text is untrusted: a note that starts with ``=HYPERLINK(...)`` must never
become a formula when a co-author opens an export or a coding sheet in Excel
or LibreOffice.  Following OWASP's advice on CSV injection, any text starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return counts as formula
text (:data:`FORMULA_STARTS`): exports prefix it with a single quote
(:func:`neutralize`), the coding sheet sets Excel's quote prefix on the cell.
And a cell holds at most :data:`EXCEL_CELL_LIMIT` characters, none of those
XML 1.0 forbids (:data:`ILLEGAL_CHARACTERS`, :func:`fit_cell`).

Every writer of spreadsheets (``reports`` and ``coding.sheets``) uses these;
:mod:`reports.safety` re-exports them.

>>> neutralize("=1+1")
"'=1+1"
>>> neutralize("饭搭子 =)")
'饭搭子 =)'
>>> neutralize(-3)
-3
>>> fit_cell("a\\x00b" + "x" * 40_000, marker="…")[:3], len(fit_cell("x" * 40_000, marker="…"))
('abx', 32767)
"""

from __future__ import annotations

import re

__all__ = [
    "EXCEL_CELL_LIMIT",
    "FORMULA_STARTS",
    "ILLEGAL_CHARACTERS",
    "fit_cell",
    "is_formula_text",
    "neutralize",
]

#: First characters that make a spreadsheet read text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on characters in a cell.
EXCEL_CELL_LIMIT = 32_767
#: Characters XML 1.0 forbids (tab, newline and carriage return are allowed);
#: lone surrogates cannot be encoded as UTF-8.
ILLEGAL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def is_formula_text(value: object) -> bool:
    """Whether a spreadsheet would read ``value`` (a string) as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralize(value):
    """``value`` made safe for a spreadsheet cell (only strings change)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def fit_cell(text: str, *, marker: str = "") -> str:
    """Text a cell can hold: forbidden characters dropped, cut to :data:`EXCEL_CELL_LIMIT`.

    The limit counts as Excel does, in UTF-16 units (an emoji is two), and a
    cut never splits a character.  ``marker`` ends a text that was cut
    (within the limit), so a reader sees it was.

    >>> len(fit_cell("😀" * 20_000))  # 40,000 UTF-16 units
    16383
    """
    text = ILLEGAL_CHARACTERS.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT // 2 and _utf16_units(text) > EXCEL_CELL_LIMIT:
        text = _cut(text, EXCEL_CELL_LIMIT - _utf16_units(marker)) + marker
    return text


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, units: int) -> str:
    """The longest start of ``text`` of at most ``units`` UTF-16 units."""
    data = text.encode("utf-16-le")[: 2 * units]
    if len(data) >= 2 and 0xD800 <= int.from_bytes(data[-2:], "little") <= 0xDBFF:
        data = data[:-2]  # the first half of a surrogate pair: the character does not fit
    return data.decode("utf-16-le")
