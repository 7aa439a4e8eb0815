"""Aligning text in a terminal: Chinese characters and emoji take two columns.

``str.ljust`` counts characters, so a column of Chinese terms printed with
``f"{term:<16}"`` pushes the columns after it to the right.  These helpers
count display columns instead (Unicode East Asian Width: wide and full-width
characters take two columns, combining marks none).

>>> display_width("饭搭子 ok")
9
>>> pad("饭搭子", 8) + "|"
'饭搭子  |'
>>> pad("7", 4, right=True)
'   7'
"""

from __future__ import annotations

import unicodedata

__all__ = ["display_width", "pad"]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns (left-aligned, or right-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill
