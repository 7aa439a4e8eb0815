"""Keeping post text inert in spreadsheets.

Post text is untrusted: a note that starts with ``=HYPERLINK(...)`` must never
become a formula when a co-author opens the export in Excel or LibreOffice.
Following OWASP's advice on CSV injection, any text cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
quote, which spreadsheet programs show as text.

>>> neutralize("=1+1")
"'=1+1"
>>> neutralize("饭搭子 =)")
'饭搭子 =)'
>>> neutralize(-3)
-3
"""

from __future__ import annotations

__all__ = ["FORMULA_STARTS", "neutralize"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """``value`` made safe for a spreadsheet cell (only strings change)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
