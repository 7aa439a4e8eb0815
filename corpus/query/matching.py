"""Where a query matches a post: :func:`matches`, the reference every index is tested
against, and keyword in context (:func:`kwic`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpus.query.parser import _as_node, positive_leaves
from corpus.query.tree import And, Leaf, Node, Not, Or, Phrase, Regex, Term
from corpus.text import Token, fold, name_span, tokenizer


@lru_cache(maxsize=1024)
def _leaf_regex(leaf: Leaf) -> re.Pattern[str]:
    if isinstance(leaf, Regex):
        return re.compile(leaf.pattern, re.IGNORECASE)
    if isinstance(leaf, Term):
        return re.compile(f"(?=({re.escape(fold(leaf.text))}))")  # overlapping matches
    parts = [re.escape(fold(leaf.words[0]))]
    for prev, word in zip(leaf.words, leaf.words[1:], strict=False):
        latin_join = _is_latin_edge(prev[-1]) and _is_latin_edge(word[0])
        parts.append(r"\s+" if latin_join else r"\s*")
        parts.append(re.escape(fold(word)))
    return re.compile("".join(parts))


def _is_latin_edge(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or ("\u00c0" <= ch <= "\u024f")


def _leaf_spans(leaf: Leaf, folded: str) -> Iterator[tuple[int, int]]:
    pattern = _leaf_regex(leaf)
    if isinstance(leaf, Term):
        for m in pattern.finditer(folded):
            yield m.start(1), m.end(1)
    else:
        for m in pattern.finditer(folded):
            yield m.start(), m.end()


def _boundaries(text: str, tokens: Sequence[Token] | None) -> set[int]:
    if tokens is None:
        tokens = tokenizer().tokenize(text)
    if tokens and (tokens[0].start != 0 or tokens[-1].end != len(text)):
        raise ValueError("tokens do not cover this text: pass the tokens of the same text")
    edges = {0, len(text)}
    for t in tokens:
        edges.add(t.start)
        edges.add(t.end)
        if t.kind in ("hashtag", "mention"):
            edges.update(name_span(t))
    return edges


class _Doc:
    """A text prepared for evaluation: folded once, boundaries on demand."""

    def __init__(self, text: str, whole_words: bool, tokens: Sequence[Token] | None):
        self.text = text
        self.folded = fold(text)
        self.edges = _boundaries(text, tokens) if whole_words else None

    def spans(self, leaf: Leaf) -> Iterator[tuple[int, int]]:
        for start, end in _leaf_spans(leaf, self.folded):
            if self.edges is None or (start in self.edges and end in self.edges):
                yield start, end

    def eval(self, node: Node) -> bool:
        if isinstance(node, And):
            return all(self.eval(c) for c in node.children)
        if isinstance(node, Or):
            return any(self.eval(c) for c in node.children)
        if isinstance(node, Not):
            return not self.eval(node.child)
        return next(self.spans(node), None) is not None


def matches(
    node: Node | str,
    text: str,
    whole_words: bool = False,
    tokens: Sequence[Token] | None = None,
) -> bool:
    """Whether ``text`` satisfies the query.

    Parameters
    ----------
    node : Node or str
        A parsed query, or a query string (parsed here).
    text : str
        The post text.
    whole_words : bool
        Matches must start and end on token boundaries (see module docs).
    tokens : sequence of Token, optional
        The tokens of ``text`` (from a token cache); tokenised with the
        default pipeline when needed and not given.

    Examples
    --------
    >>> matches("搭子 NOT 游戏", "周末找饭搭子")
    True
    >>> matches("搭子", "周末找饭搭子", whole_words=True)
    False
    >>> matches("找搭子", "周末找搭子", whole_words=True)
    True
    """
    return _Doc(text, whole_words, tokens).eval(_as_node(node))


# ---------------------------------------------------------------------------
# Keyword in context
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One keyword-in-context line.

    ``left == text[start - width:start]``, ``match == text[start:end]``,
    ``right == text[end:end + width]`` (shorter at the edges of the text);
    ``term`` is the query leaf that matched, as written in query syntax.
    """

    start: int
    end: int
    left: str
    match: str
    right: str
    term: str


def kwic(
    text: str,
    query: Node | str | Sequence[str],
    width: int = 20,
    *,
    whole_words: bool = False,
    tokens: Sequence[Token] | None = None,
) -> list[Hit]:
    """Keyword-in-context lines for a post.

    Parameters
    ----------
    text : str
    query : Node, str or sequence of str
        A parsed query or a query string: lines are produced only when the
        post matches the whole query, for its positive terms (not those under
        NOT).  A list of strings: each is a literal term, no query syntax.
    width : int
        Characters of context on each side.
    whole_words, tokens
        As for :func:`matches`.

    Returns
    -------
    list of Hit
        In text order.  Overlapping matches are resolved leftmost-longest:
        a match that overlaps an earlier kept one is dropped.  Empty
        matches of a regular expression (``/^/``) give no line.

    Examples
    --------
    >>> [(h.left, h.match, h.right) for h in kwic("周末找饭搭子一起吃火锅", "饭搭子", width=2)]
    [('末找', '饭搭子', '一起')]
    """
    if width < 0:
        raise ValueError(f"width must be >= 0, got {width}")
    if isinstance(query, (str, Term, Phrase, Regex, Not, And, Or)):
        node = _as_node(query)
        doc = _Doc(text, whole_words, tokens)
        if not doc.eval(node):
            return []
        leaves = positive_leaves(node)
    else:
        leaves = [Term(t) for t in query if t]
        doc = _Doc(text, whole_words, tokens)
    found = sorted(
        ((s, e, leaf) for leaf in leaves for s, e in doc.spans(leaf)),
        key=lambda h: (h[0], -h[1]),
    )
    hits: list[Hit] = []
    last_end = -1
    for start, end, leaf in found:
        if start < last_end or start == end:
            continue
        hits.append(
            Hit(
                start,
                end,
                text[max(0, start - width) : start],
                text[start:end],
                text[end : end + width],
                str(leaf),
            )
        )
        last_end = end
    return hits
