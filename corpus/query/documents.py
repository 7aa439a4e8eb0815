"""What the search indexes store for a post: the FTS5 token document (:func:`index_text`)
and the substring index's grams (:func:`gram_document`, :func:`gram_lexemes`, :func:`gram_mark`)."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence

from corpus.text import Token, fold, hashtag_name


def index_text(tokens: Sequence[Token]) -> str:
    """The text to store in the FTS5 token index for one post.

    Space-joined, folded tokens; spaces, punctuation and emoji are left out
    (unicode61 drops them anyway) and a hashtag is indexed by its name (``#饭搭子[话题]#`` -> ``饭搭子``).  This is
    the document side of the contract described in :func:`compile_query`.

    Examples
    --------
    >>> from corpus.text import tokenize
    >>> index_text(tokenize("周末找饭搭子！#美食[话题]# City Walk"))
    '周末 找 饭搭子 美食 city walk'
    """
    parts = []
    for t in tokens:
        if t.kind in ("space", "punct", "emoji"):
            continue
        form = hashtag_name(t.text) if t.kind == "hashtag" else t.text
        form = " ".join(fold(form).split())
        if form:
            parts.append(form)
    return " ".join(parts)


#: Stands between the characters of a post in its SQLite substring-index
#: document (:func:`gram_document`), so that each trigram of the document is
#: one character (``SEP c SEP``) or two (``a SEP b``).  A private-use
#: character; posts that contain it have it replaced by U+FFFD.
GRAM_SEP = "\ue000"
#: Distinct grams a post may have in PostgreSQL before it is indexed as
#: "matches anything, check it", the lexeme :data:`GRAM_SEP` alone (a
#: ``tsvector`` holds at most 1 MB; this is a 60,000-character post of random
#: Han characters, real posts have a few hundred).  SQLite has no such limit.
GRAM_LIMIT = 100_000


_WHITESPACE = re.compile(r"\s+")


def gram_text(text: str) -> str:
    """The text the substring index holds of a post: folded (:func:`corpus.text.fold`),
    every run of whitespace as one space (so that a phrase, whose words may
    have any whitespace between them, has two forms to look up), with
    :data:`GRAM_SEP` replaced by U+FFFD.  A term without whitespace, U+E000
    or U+FFFD is in a post exactly when it is in this text, folded.

    Examples
    --------
    >>> gram_text("周末\\n\\n找 ＹＹＤＳ")
    '周末 找 yyds'
    """
    return _WHITESPACE.sub(" ", fold(text)).replace(GRAM_SEP, "\ufffd")


def _over_limit(folded: str) -> bool:
    # distinct grams are at most 2 per character: count them only for long posts
    return len(folded) * 2 > GRAM_LIMIT and len(_grams(folded)) > GRAM_LIMIT


def _grams(folded: str) -> set[str]:
    return set(folded) | set(map(operator.add, folded, folded[1:]))


def gram_mark(project_id: int) -> str | None:
    """The gram that marks the posts of one project in the substring index.

    ``SEP SEP X``, with ``X`` a private-use character numbering the
    project: no post's text gives a trigram that starts with two
    separators (:data:`GRAM_SEP` in a post is indexed as U+FFFD).  With it
    a search counts its matches in the index alone, without visiting the
    posts.  ``None`` past 131,068 projects.
    """
    if 0 <= project_id < _PUA_SIZE:
        return GRAM_SEP * 2 + chr(0xF0000 + project_id)
    if project_id < 2 * _PUA_SIZE:
        return GRAM_SEP * 2 + chr(0x100000 + project_id - _PUA_SIZE)
    return None


_PUA_SIZE = 0xFFFE  # the supplementary private use areas A and B hold 65,534 characters each


def gram_document(text: str, project_id: int | None = None) -> str:
    """A post's document in the SQLite substring index (FTS5 ``trigram`` tokenizer).

    Substring search must find 搭子 inside 饭搭子, which a word index cannot,
    and Chinese has no spaces to find words by.  So the index holds each
    post's *grams*: every substring of one or two characters of the folded
    text (:func:`corpus.text.fold`), of any script, punctuation and emoji
    included.  SQLite computes them: the document is the folded text with
    :data:`GRAM_SEP` around every character, and FTS5's ``trigram``
    tokenizer turns ``SEP a SEP b SEP`` into the trigrams ``SEP a SEP``,
    ``a SEP b`` and ``SEP b SEP``.  This is the document side of the
    contract in :func:`compile_query`; :func:`gram_lexemes` is
    PostgreSQL's.  With ``project_id`` the document ends with the project's
    :func:`gram_mark`.

    Examples
    --------
    >>> gram_document("饭搭子！") == "\ue000饭\ue000搭\ue000子\ue000!\ue000"
    True
    """
    folded = gram_text(text)
    document = GRAM_SEP + GRAM_SEP.join(folded) + GRAM_SEP if folded else ""
    mark = None if project_id is None else gram_mark(project_id)
    if mark:  # SEP + mark after the closing SEP: only one trigram starts with two SEPs
        document = document + mark[1:] if document else mark
    return document


def gram_lexemes(text: str, project_id: int | None = None) -> list[str]:
    """A post's grams as PostgreSQL ``tsvector`` lexemes (``array_to_tsvector``).

    The same grams as :func:`gram_document`, as strings: sorted, distinct;
    :data:`GRAM_SEP` alone for a post over :data:`GRAM_LIMIT`.

    Examples
    --------
    >>> gram_lexemes("饭搭子")
    ['子', '搭', '搭子', '饭', '饭搭']
    """
    folded = gram_text(text)
    lexemes = [GRAM_SEP] if _over_limit(folded) else sorted(_grams(folded))
    mark = None if project_id is None else gram_mark(project_id)
    return lexemes + [mark] if mark else lexemes
