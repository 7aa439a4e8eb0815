"""The search query language: parse, evaluate, keyword-in-context, compile to SQL.

Grammar (operators are upper case; lower-case ``and`` / ``or`` / ``not`` are
ordinary words)::

    query   := or
    or      := and ("OR" and)*
    and     := unary (["AND"] unary)*        # juxtaposition is AND
    unary   := "NOT" unary | atom
    atom    := "(" or ")" | phrase | regex | term
    phrase  := '"' words '"'  |  '“' words '”'
    regex   := "/" pattern "/"  |  "re:" pattern  |  're:"' pattern '"'
    term    := any run of characters without spaces, quotes or parentheses

Precedence is NOT > AND > OR, so ``a OR b c`` is ``a OR (b AND c)`` and
``搭子 NOT 游戏`` is ``搭子 AND (NOT 游戏)``.  Full-width parentheses （）
group like ( ).  A bare ``re:`` pattern runs to the next space or to an
unbalanced ``)``.

Matching is case-insensitive for every script (both sides go through
:func:`corpus.text.fold`).  By default a term matches as a *substring*:
``搭子`` matches inside ``饭搭子``.  With ``whole_words=True`` a match must
start and end on token boundaries of the post (:func:`corpus.text.tokenize`;
the name inside a hashtag or mention also counts as a span): ``搭子`` no longer
matches inside ``饭搭子``, while ``找搭子`` still matches ``找|搭子``.  A quoted
phrase matches its words in order with only optional whitespace between them
(required whitespace between two Latin words): ``"旅行 搭子"`` matches
``旅行搭子`` and ``旅行 搭子``; ``"city walk"`` does not match ``citywalk``.
A regular expression (Python ``re`` syntax) is matched case-insensitively
against the folded text.

:func:`compile_query` turns the same tree into a SQLite FTS5 ``MATCH``
string for a token index (whole-word mode) and into a ``LIKE`` fallback
(substring mode); see its docstring for the exact contract.

The package, one idea per module (every name is importable from ``corpus.query``):

- :mod:`corpus.query.tree`: the nodes of a parsed query;
- :mod:`corpus.query.parser`: the query text into a tree (:func:`parse_query`);
- :mod:`corpus.query.matching`: :func:`matches` (the reference) and :func:`kwic`;
- :mod:`corpus.query.documents`: what the indexes store for a post (tokens, grams);
- :mod:`corpus.query.compiler`: a tree into FTS5, ``LIKE`` and gram conditions;
- :mod:`corpus.query.literals`: the literal text a regular expression requires.
"""

from corpus.query.compiler import CompiledQuery, compile_query
from corpus.query.documents import (
    GRAM_LIMIT,
    GRAM_SEP,
    gram_document,
    gram_lexemes,
    gram_mark,
    gram_text,
    index_text,
)
from corpus.query.literals import regex_requirements
from corpus.query.matching import Hit, kwic, matches
from corpus.query.parser import MAX_DEPTH, QuerySyntaxError, parse_query, positive_leaves
from corpus.query.tree import And, Leaf, Node, Not, Or, Phrase, Regex, Term

__all__ = [
    "GRAM_LIMIT",
    "GRAM_SEP",
    "MAX_DEPTH",
    "And",
    "CompiledQuery",
    "Hit",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "QuerySyntaxError",
    "Regex",
    "Term",
    "compile_query",
    "gram_document",
    "gram_lexemes",
    "gram_mark",
    "gram_text",
    "index_text",
    "kwic",
    "matches",
    "parse_query",
    "positive_leaves",
    "regex_requirements",
]
