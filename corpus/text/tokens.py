"""The token: one typed piece of a post (:class:`Token`, :data:`KINDS`), and the name
inside a hashtag or mention token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


#: Every token kind, in the order the docs list them.
KINDS: tuple[str, ...] = (
    "word",
    "hashtag",
    "mention",
    "sticker",
    "emoji",
    "url",
    "number",
    "punct",
    "space",
)

#: Kinds that :func:`words` returns unless told otherwise.
DEFAULT_WORD_KINDS: tuple[str, ...] = ("word", "hashtag")


@dataclass(slots=True)
class Token:
    """One token of a post (treat as read-only).

    Not frozen on purpose: a frozen dataclass takes about three times as long
    to create, and a million posts make tens of millions of tokens.

    Attributes
    ----------
    text : str
        The token exactly as it appears in the post (``text[start:end]``).
    kind : str
        One of :data:`KINDS`.
    lang : str
        ``"zh"`` or ``"en"`` for tokens produced by the Chinese or English
        tokenizer; for protected spans the script of their text (``"zh"`` if
        it holds a Han character, ``"en"`` if it holds a letter, else ``""``);
        ``""`` for emoji, stickers and URLs.
    start, end : int
        Code-point offsets into the post text (Python string indices).
    """

    text: str
    kind: str
    lang: str
    start: int
    end: int


def hashtag_name(text: str) -> str:
    """The name inside a hashtag token: ``#饭搭子[话题]#`` -> ``饭搭子``.

    Examples
    --------
    >>> [hashtag_name(t) for t in ["#饭搭子[话题]#", "#旅行搭子#", "#citywalk"]]
    ['饭搭子', '旅行搭子', 'citywalk']
    """
    name = text[1:] if text[:1] in ("#", "＃") else text
    for suffix in ("[话题]#", "[话题]＃", "#", "＃"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def name_span(token: Token) -> tuple[int, int]:
    """Offsets of the name inside a hashtag or mention token (the token's own
    span for other kinds): ``#饭搭子[话题]#`` at 0 -> ``(1, 4)``."""
    if token.kind == "hashtag":
        start = token.start + (1 if token.text[:1] in ("#", "＃") else 0)
        return start, start + len(hashtag_name(token.text))
    if token.kind == "mention":
        return token.start + 1, token.end
    return token.start, token.end
