"""Folding text for matching: case and full-width forms, one character for one (:func:`fold`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


_FULLWIDTH = {chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH["\u3000"] = " "
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")


def _ascii_form(match: re.Match) -> str:
    return _FULLWIDTH[match.group()]


def _ascii_forms(text: str) -> str:
    """Full-width ASCII forms (ＹＹＤＳ, ！) and the ideographic space as ASCII, one
    character for one (a regular expression substitution: Chinese text holds
    a few such characters, and ``str.translate`` with a table looks up every
    character, 3x slower)."""
    return _FULLWIDTH_RE.sub(_ascii_form, text)


def fold(text: str) -> str:
    """Fold case and full-width ASCII for matching, keeping the length.

    Lower-cases (``YYDS`` -> ``yyds``) and maps full-width ASCII forms to
    ASCII (``ＹＹＤＳ`` -> ``yyds``, ideographic space -> space).  Every
    character maps to exactly one character, so offsets into the folded text
    are offsets into the original: search, highlighting and keyword
    suggestions all match on ``fold(text)`` and report spans of ``text``.

    Examples
    --------
    >>> fold("City Walk ＹＹＤＳ 饭搭子")
    'city walk yyds 饭搭子'
    """
    ascii_ = _ascii_forms(text)
    folded = ascii_.lower()
    if len(folded) == len(text):
        return folded
    # A few characters lower-case to two (U+0130 İ -> i̇): keep those as is.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in ascii_)
