"""Texts in one or several languages (:func:`localize`), and the small helpers that
quote ids and suggest a close match in messages.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import overload

from coding.codebook.spec import DEFAULT_LANG, Text

__all__ = ["localize"]


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------

def localize(text: Text | None, lang: str = DEFAULT_LANG) -> str:
    """Pick the text for ``lang`` from a plain or multilingual text.

    Falls back to the same base language (``zh`` for ``zh-Hant``), then to
    English, then Chinese, then the first non-empty entry; ``None`` gives
    ``""``.

    >>> localize({"en": "Travel", "zh": "旅行"}, "zh")
    '旅行'
    >>> localize({"zh": "旅行"}, "en")
    '旅行'
    >>> localize("Travel", "zh")
    'Travel'
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if text.get(lang):
        return text[lang]
    base = lang.replace("_", "-").split("-")[0]
    for key, value in text.items():
        if value and key.replace("_", "-").split("-")[0] == base:
            return value
    for fallback in ("en", "zh"):
        if text.get(fallback):
            return text[fallback]
    return next((value for value in text.values() if value), "")


@overload
def _text_out(text: Text) -> Text: ...
@overload
def _text_out(text: Text | None) -> Text | None: ...
def _text_out(text: Text | None) -> Text | None:
    """A copy safe to hand out (dicts are copied so callers cannot mutate)."""
    return dict(text) if isinstance(text, Mapping) else text


def _text_short(text: str | Mapping[str, str] | None) -> str:
    """All languages of a text on one line, for diffs and messages."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return " / ".join(value for value in text.values() if value)


def _q(value: object) -> str:
    """Quote an id or value for a message: ``"travel"``."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _suggest(word: object, options: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` or ``""``."""
    if not isinstance(word, str):
        return ""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {_q(match[0])}?)" if match else ""


def _slug(text: str) -> str:
    """A best-effort id from free text (ASCII letters and digits only)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if slug and not slug[0].isalpha():
        slug = "c_" + slug
    return slug[:64].rstrip("_")
