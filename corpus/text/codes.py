"""Compact integer codes of tokens (what the token cache stores and worker processes send)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from corpus.text.tokens import KINDS, Token

if TYPE_CHECKING:
    pass


# Compact codes (see Pipeline.encode): end offset << 6 | kind << 2 | language.
_LANGS = ("", "zh", "en")
_LANG_CODE = {lang: i for i, lang in enumerate(_LANGS)}
_KIND_CODE = {kind: i for i, kind in enumerate(KINDS)}
_SPACE = _KIND_CODE["space"]
_NO_LANG_KINDS = frozenset(("emoji", "sticker", "url", "number"))


def decode(text: str, codes: Iterable[int]) -> list[Token]:
    """Tokens of ``text`` from its :meth:`Pipeline.encode` codes.

    Examples
    --------
    >>> from corpus.text import tokenizer
    >>> pipe = tokenizer()
    >>> decode("找饭搭子", pipe.encode("找饭搭子")) == pipe.tokenize("找饭搭子")
    True
    """
    tokens = []
    start = 0
    for code in codes:
        end = code >> 6
        tokens.append(Token(text[start:end], KINDS[code >> 2 & 15], _LANGS[code & 3], start, end))
        start = end
    return tokens
