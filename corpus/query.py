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
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from re import _parser as _re_parser  # type: ignore[attr-defined]  # private, not in typeshed; sre_parse warns

from corpus.text import Pipeline, Token, fold, hashtag_name, name_span, tokenizer
from dazi.errors import ValidationError

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


# ---------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or string to find (no spaces)."""

    text: str

    def __str__(self) -> str:
        if _needs_quotes(self.text):
            return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self.text


@dataclass(frozen=True)
class Phrase:
    """Words that must follow each other (only whitespace between them)."""

    words: tuple[str, ...]

    def __str__(self) -> str:
        return '"' + " ".join(w.replace("\\", "\\\\").replace('"', '\\"') for w in self.words) + '"'


@dataclass(frozen=True)
class Regex:
    """A Python regular expression, matched case-insensitively."""

    pattern: str

    def __str__(self) -> str:
        return "/" + self.pattern.replace("/", "\\/") + "/"


@dataclass(frozen=True)
class Not:
    """Posts that do not match ``child``."""

    child: Node

    def __str__(self) -> str:
        return f"NOT {_wrap(self.child)}"


@dataclass(frozen=True)
class And:
    """Posts that match every child (two or more)."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_wrap(c) for c in self.children)


@dataclass(frozen=True)
class Or:
    """Posts that match at least one child (two or more)."""

    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(_wrap(c) for c in self.children)


Node = Term | Phrase | Regex | Not | And | Or
Leaf = Term | Phrase | Regex


def _wrap(node: Node) -> str:
    return f"({node})" if isinstance(node, (And, Or)) else str(node)


def _needs_quotes(text: str) -> bool:
    return (
        text in _OPERATORS
        or any(c.isspace() or c in '()（）"“”' for c in text)
        or text.startswith(("/", "re:"))
    )


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


class QuerySyntaxError(ValidationError):
    """A search query that cannot be parsed.

    Attributes
    ----------
    query : str
        The query as typed.
    position : int
        0-based index of the offending character (the message says
        "character N", 1-based, as a user counts).
    """

    def __init__(self, query: str, position: int, problem: str, hint: str | None = None):
        self.query = query
        self.position = position
        self.problem = problem
        super().__init__(
            f"Search query {query!r}, character {position + 1}: {problem}",
            hint
            or 'Combine words with AND, OR, NOT and parentheses; quote phrases ("旅行 搭子"); '
            "write regular expressions as /pattern/ or re:pattern.",
        )

    @property
    def pointer(self) -> str:
        """The query with a caret under the offending character (for a terminal)."""
        return f"{self.query}\n{' ' * _display_width(self.query[: self.position])}^"


def _display_width(text: str) -> int:
    # Han and full-width characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_OPERATORS = {"AND", "OR", "NOT"}
_OPEN = "(（"
_CLOSE = ")）"
_QUOTES = {'"': '"', "“": "”"}
_TERM_STOP = set(" \t\n\r\u3000" + _OPEN + _CLOSE + '"“”')


@dataclass(frozen=True)
class _Lex:
    kind: str  # "(", ")", "AND", "OR", "NOT", "term", "phrase", "regex", "end"
    value: object
    pos: int


def _lex(query: str) -> list[_Lex]:
    out: list[_Lex] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in _OPEN:
            out.append(_Lex("(", c, i))
            i += 1
        elif c in _CLOSE:
            out.append(_Lex(")", c, i))
            i += 1
        elif c in _QUOTES:
            body, i2 = _read_quoted(query, i, _QUOTES[c])
            words = tuple(body.split())
            if not words:
                raise QuerySyntaxError(
                    query, i, "empty phrase", 'Put words between the quotes: "旅行 搭子".'
                )
            if len(words) == 1:
                out.append(_Lex("term", words[0], i))
            else:
                out.append(_Lex("phrase", words, i))
            i = i2
        elif c == "/":
            j = i + 1
            chars = []
            while j < n and query[j] != "/":
                if query[j] == "\\" and j + 1 < n and query[j + 1] == "/":
                    chars.append("/")
                    j += 2
                    continue
                chars.append(query[j])
                j += 1
            if j >= n:
                raise QuerySyntaxError(
                    query,
                    i,
                    "regular expression is not closed with /",
                    "End the pattern with /, or write \\/ for a slash inside it.",
                )
            out.append(_Lex("regex", _check_regex(query, "".join(chars), i + 1), i))
            i = j + 1
        elif query.startswith("re:", i):
            start = i + 3
            if start < n and query[start] in _QUOTES:
                pattern, i = _read_quoted(query, start, _QUOTES[query[start]])
                offset = start + 1
            else:
                pattern, i = _read_bare_regex(query, start)
                offset = start
            out.append(_Lex("regex", _check_regex(query, pattern, offset), start - 3))
        else:
            j = i
            while j < n and query[j] not in _TERM_STOP:
                j += 1
            word = query[i:j]
            out.append(_Lex(word if word in _OPERATORS else "term", word, i))
            i = j
    out.append(_Lex("end", None, n))
    return out


def _read_quoted(query: str, i: int, close: str) -> tuple[str, int]:
    """Text between the quote at ``i`` and its closing quote; ``\\"`` escapes."""
    j, chars = i + 1, []
    while j < len(query):
        c = query[j]
        if c == "\\" and j + 1 < len(query) and query[j + 1] in (close, "\\"):
            chars.append(query[j + 1])
            j += 2
            continue
        if c == close:
            return "".join(chars), j + 1
        chars.append(c)
        j += 1
    raise QuerySyntaxError(query, i, "quote is not closed", f"Add the closing {close}.")


def _read_bare_regex(query: str, start: int) -> tuple[str, int]:
    """A ``re:`` pattern: up to whitespace or an unbalanced closing parenthesis."""
    depth, j = 0, start
    while j < len(query) and not query[j].isspace():
        c = query[j]
        if c == "\\":
            j += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        j += 1
    return query[start : min(j, len(query))], min(j, len(query))


def _check_regex(query: str, pattern: str, offset: int) -> str:
    if not pattern:
        raise QuerySyntaxError(query, offset, "empty regular expression")
    try:
        re.compile(pattern)
    except re.error as exc:
        pos = offset + (exc.pos or 0)
        raise QuerySyntaxError(
            query,
            min(pos, len(query)),
            f"invalid regular expression: {exc.msg}",
            "Check the pattern (Python re syntax); to search the characters literally, "
            'quote them instead: "(笑)".',
        ) from None
    return pattern


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.lex = _lex(query)
        self.i = 0

    def peek(self) -> _Lex:
        return self.lex[self.i]

    def take(self) -> _Lex:
        tok = self.lex[self.i]
        self.i += 1
        return tok

    def fail(self, tok: _Lex, problem: str, hint: str | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, tok.pos, problem, hint)

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise QuerySyntaxError(
                self.query, 0, "the query is empty", "Type a word to search for."
            )
        node = self.parse_or()
        tok = self.peek()
        if tok.kind == ")":
            raise self.fail(tok, "unmatched closing parenthesis", "Remove it or add a matching (.")
        if tok.kind != "end":  # pragma: no cover - parse_and consumes every atom start
            raise self.fail(tok, f"unexpected {tok.value!r}")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            children.append(self.parse_and())
        return _flatten(Or, children)

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while True:
            tok = self.peek()
            if tok.kind == "AND":
                self.take()
            elif tok.kind not in ("term", "phrase", "regex", "(", "NOT"):
                break
            children.append(self.parse_unary())
        return _flatten(And, children)

    def parse_unary(self) -> Node:
        if self.peek().kind == "NOT":
            self.take()
            child = self.parse_unary()
            return child.child if isinstance(child, Not) else Not(child)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.take()
        if tok.kind == "term":
            return Term(str(tok.value))
        if tok.kind == "phrase":
            return Phrase(tok.value)  # type: ignore[arg-type]
        if tok.kind == "regex":
            return Regex(str(tok.value))
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise self.fail(self.peek(), "empty parentheses")
            node = self.parse_or()
            close = self.peek()
            if close.kind != ")":
                raise self.fail(tok, "parenthesis is not closed", "Add the closing ).")
            self.take()
            return node
        if tok.kind == "end":
            before = self.lex[self.i - 2] if self.i >= 2 else None
            after = f" after {before.kind}" if before and before.kind in _OPERATORS else ""
            raise self.fail(tok, f"a search term is missing{after} at the end")
        if tok.kind in _OPERATORS:
            raise self.fail(
                tok,
                f"{tok.kind} needs a search term before it"
                if tok.kind != "NOT"
                else "NOT needs a search term after it",
                f'To search for the word {tok.kind} itself, quote it: "{tok.kind}".',
            )
        raise self.fail(tok, "a search term is missing before the closing parenthesis")


def _flatten(cls: type[And] | type[Or], children: list[Node]) -> Node:
    if len(children) == 1:
        return children[0]
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, cls) else (child,))
    return cls(tuple(flat))


def parse_query(query: str) -> Node:
    """Parse a search query into a tree of :class:`Term`, :class:`Phrase`,
    :class:`Regex`, :class:`Not`, :class:`And` and :class:`Or`.

    Raises
    ------
    QuerySyntaxError
        (a :class:`dazi.errors.ValidationError`) naming the character where
        the query breaks.

    Examples
    --------
    >>> parse_query("找搭子 AND 上海")
    And(children=(Term(text='找搭子'), Term(text='上海')))
    >>> print(parse_query('"旅行 搭子" OR 饭搭子 NOT 游戏'))
    "旅行 搭子" OR (饭搭子 AND NOT 游戏)
    >>> print(parse_query("(学习 OR 读书) 打卡 /打卡\\\\d+天/"))
    (学习 OR 读书) AND 打卡 AND /打卡\\d+天/
    """
    if not isinstance(query, str):
        raise TypeError(f"parse_query() takes a str, got {type(query).__name__}")
    depth = 0
    for i, ch in enumerate(query):  # (a bracket inside quotes or a regex counts too: harmless)
        depth += (ch in _OPEN) - (ch in _CLOSE)
        if depth > MAX_DEPTH:
            raise QuerySyntaxError(query, i, f"parentheses nested more than {MAX_DEPTH} deep",
                                   "Write the query with fewer nested parentheses.")
    return _Parser(query).parse()


#: Parentheses a query may nest (a recursive parser, and SQLite's FTS5 grammar, stop somewhere).
MAX_DEPTH = 20


def positive_leaves(node: Node) -> list[Leaf]:
    """Terms, phrases and patterns that count for a match (not under NOT),
    in query order, without repeats: what a result page highlights."""
    out: list[Leaf] = []

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, Not):
            walk(n.child, not negated)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c, negated)
        elif not negated and n not in out:
            out.append(n)

    walk(node, False)
    return out


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _as_node(query: Node | str) -> Node:
    return parse_query(query) if isinstance(query, str) else query


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


# ---------------------------------------------------------------------------
# Compiling to SQL
# ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class CompiledQuery:
    """A query compiled for storage-side search (see :func:`compile_query`).

    Attributes
    ----------
    terms : tuple of str
        Positive terms and phrases (phrases space-joined), for highlighting.
    patterns : tuple of str
        Positive regular expressions, for highlighting.
    fts : str or None
        FTS5 ``MATCH`` expression for whole-word search over
        :func:`index_text` documents; ``None`` when FTS can narrow nothing
        (a query of only NOT or only regular expressions): scan all posts.
    fts_recheck : bool
        ``True`` when ``fts`` over-approximates the query (a regular
        expression, an un-indexable term such as an emoji or punctuation,
        or a NOT of such a leaf was left out): check candidate rows with
        ``matches(query, text, whole_words=True)``.
    like_sql : str or None
        SQL boolean expression with ``?`` placeholders for substring search;
        ``None`` when nothing can be narrowed (regular expressions only).
    like_params : tuple of str
        Parameters for ``like_sql``, in order.
    like_recheck : bool
        ``True`` when ``like_sql`` over-approximates the query (a regular
        expression, or a phrase, whose whitespace LIKE cannot express):
        check candidate rows with ``matches(query, text)``.
    grams : str or None
        FTS5 ``MATCH`` expression over :func:`gram_document` documents,
        for substring search on SQLite; ``None`` when the index can narrow
        nothing (a query of only NOT, or a regular expression without
        literal text).
    grams_tsquery : str or None
        The same condition as PostgreSQL ``tsquery`` text (to be cast with
        ``::tsquery``: lexemes taken as written, no parser).
    grams_recheck, grams_tsquery_recheck : bool
        ``True`` when ``grams`` (``grams_tsquery``) over-approximates the
        query: a phrase, whose words may be apart; a regular expression;
        on PostgreSQL also a term longer than two characters.  The search
        then looks its terms up one by one (:mod:`corpus.search`) and
        checks what is still open with :func:`matches`.
    """

    terms: tuple[str, ...]
    patterns: tuple[str, ...]
    fts: str | None
    fts_recheck: bool
    like_sql: str | None
    like_params: tuple[str, ...]
    like_recheck: bool
    grams: str | None = None
    grams_tsquery: str | None = None
    grams_recheck: bool = True
    grams_tsquery_recheck: bool = True


def compile_query(
    query: Node | str,
    *,
    column: str = "text",
    pipeline: Pipeline | None = None,
    words: bool = True,
) -> CompiledQuery:
    """Compile a query for SQLite FTS5 (whole words) and for LIKE (substrings).

    The contract with the storage layer:

    * **FTS5, whole-word mode.**  The FTS5 table is built with
      ``tokenize = "unicode61 remove_diacritics 0"`` (not trigram: trigram
      cannot match the two-character words that make up most Chinese
      queries, such as 搭子) and each post's indexed column holds
      :func:`index_text` of its tokens from the same pipeline.  unicode61
      splits that column on the spaces, so every dazi token is one FTS
      token (a token containing punctuation, such as ``u.s``, becomes
      several, identically on the query side).  Each query term is
      tokenised with ``pipeline`` and becomes an FTS phrase of its tokens
      (``找搭子`` -> ``"找 搭子"``): it matches when the post has those tokens
      in a row, which is what ``matches(..., whole_words=True)`` checks with
      offsets.  The two agree except where jieba segments the term
      differently inside a post than on its own; ``matches`` stays the
      reference.  FTS5 has only binary NOT, so ``a NOT b`` is compiled as
      ``(a) NOT (b)`` and a query with no positive part gets ``fts=None``.
    * **Grams, substring mode.**  The substring index holds each post's
      grams, its substrings of one and two characters after
      :func:`corpus.text.fold`.  SQLite: :func:`gram_document` in an FTS5
      table with ``tokenize = "trigram case_sensitive 1"`` (positions
      kept), where a term is the phrase of its own trigrams and matches
      exactly the posts that contain it.  PostgreSQL: :func:`gram_lexemes`
      in a ``tsvector`` (no positions), where a term of one or two
      characters is one lexeme (exact) and a longer term the AND of its
      two-character grams.  Phrases and the literals of regular expressions
      narrow the same way; whatever is not exact (``grams_recheck``,
      ``grams_tsquery_recheck``) the storage layer decides otherwise.
    * **LIKE, substring mode.**  ``like_sql`` uses ``lower(<column>) LIKE ?
      ESCAPE '\\'`` with folded, escaped patterns; it works on SQLite and
      PostgreSQL.  It equals ``matches(query, text)`` when ``column`` holds
      ``fold(text)``; on the raw text it misses full-width Latin letters
      (SQLite's lower() also folds ASCII only).

    Parameters
    ----------
    query : Node or str
    column : str
        Column name (or ``table.column``) used in ``like_sql``.
    pipeline : Pipeline, optional
        Tokenises FTS terms; the default pipeline when not given.  Use the
        pipeline that built the index.
    words : bool
        Compile for the word index too; ``False`` leaves ``fts`` out
        (``None``, to be rechecked) and does not load the tokeniser, which
        substring search never needs.

    Examples
    --------
    >>> q = compile_query("找搭子 NOT 游戏")
    >>> q.fts
    '("找 搭子") NOT ("游戏")'
    >>> q.like_sql, q.like_params
    ("(lower(text) LIKE ? ESCAPE '\\\\') AND NOT (lower(text) LIKE ? ESCAPE '\\\\')", ('%找搭子%', '%游戏%'))
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", column):
        raise ValueError(f"column must be a plain SQL identifier, got {column!r}")
    node = _as_node(query)
    leaves = positive_leaves(node)
    terms = tuple(
        leaf.text if isinstance(leaf, Term) else " ".join(leaf.words)
        for leaf in leaves
        if not isinstance(leaf, Regex)
    )
    patterns = tuple(leaf.pattern for leaf in leaves if isinstance(leaf, Regex))
    fts, fts_exact, _ = _Fts(pipeline or tokenizer()).compile(node) if words else (None, False, ())
    like, like_exact, like_params = _Like(column).compile(node)
    grams, grams_exact, _ = _Grams(tsquery=False).compile(node)
    grams_tsquery, tsquery_exact, _ = _Grams(tsquery=True).compile(node)
    return CompiledQuery(
        terms=terms,
        patterns=patterns,
        fts=fts,
        fts_recheck=not fts_exact,
        like_sql=like,
        like_params=like_params,
        like_recheck=not like_exact,
        grams=grams,
        grams_tsquery=grams_tsquery,
        grams_recheck=not grams_exact,
        grams_tsquery_recheck=not tsquery_exact,
    )


_Compiled = tuple[str | None, bool, tuple[str, ...]]


class _Compiler:
    """Compile to a boolean expression that may over-approximate.

    ``compile`` returns ``(expression or None, exact, params)``: ``None``
    means "no constraint" (TRUE), ``exact`` whether the expression equals the
    query, ``params`` the values for its ``?`` placeholders in text order.  A
    NOT keeps only a child that is exact; a dropped constraint makes the
    result a superset, which the caller re-checks.
    """

    #: how the target language writes OR
    or_op = " OR "

    def leaf(self, leaf: Leaf) -> _Compiled:
        raise NotImplementedError

    def compile(self, node: Node) -> _Compiled:
        if isinstance(node, Or):
            parts = [self.compile(c) for c in node.children]
            if any(expr is None for expr, _, _ in parts):
                return None, False, ()
            return (
                self.or_op.join(f"({expr})" for expr, _, _ in parts),
                all(ex for _, ex, _ in parts),
                tuple(p for _, _, params in parts for p in params),
            )
        if isinstance(node, (And, Not)):
            children = list(node.children) if isinstance(node, And) else [node]
            positive: list[tuple[str, tuple[str, ...]]] = []
            negative: list[tuple[str, tuple[str, ...]]] = []
            exact = True
            for child in children:
                if isinstance(child, Not):
                    expr, ex, params = self.compile(child.child)
                    if expr is not None and ex:
                        negative.append((expr, params))
                    else:
                        exact = False
                else:
                    expr, ex, params = self.compile(child)
                    exact = exact and ex and expr is not None
                    if expr is not None:
                        positive.append((expr, params))
            return self.combine(positive, negative, exact)
        return self.leaf(node)

    def combine(
        self,
        positive: list[tuple[str, tuple[str, ...]]],
        negative: list[tuple[str, tuple[str, ...]]],
        exact: bool,
    ) -> _Compiled:
        parts = [f"({e})" for e, _ in positive] + [f"NOT ({e})" for e, _ in negative]
        if not parts:
            return None, False, ()
        params = tuple(p for _, ps in positive + negative for p in ps)
        return " AND ".join(parts), exact, params


class _Binary(_Compiler):
    """Full-text query languages with only a binary NOT (``a NOT b``): FTS5, and
    here ``tsquery`` too (a NOT alone would read the whole index)."""

    and_op = " AND "
    not_op = " NOT "

    def combine(
        self,
        positive: list[tuple[str, tuple[str, ...]]],
        negative: list[tuple[str, tuple[str, ...]]],
        exact: bool,
    ) -> _Compiled:
        if not positive:
            return None, False, ()
        expr = self.and_op.join(f"({e})" for e, _ in positive)
        for e, _ in negative:
            expr = f"{expr}{self.not_op}({e})"
        return expr, exact, ()


class _Fts(_Binary):
    """FTS5 MATCH strings over the word index."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def _phrase(self, text: str) -> str | None:
        body = index_text(self.pipeline.tokenize(text))
        if not any(_is_fts_char(c) for c in body):
            return None  # nothing unicode61 would index: emoji, punctuation
        return '"' + body.replace('"', '""') + '"'

    def leaf(self, leaf: Leaf) -> _Compiled:
        if isinstance(leaf, Regex):
            return None, False, ()
        if isinstance(leaf, Term):
            expr = self._phrase(leaf.text)
            return expr, expr is not None, ()
        # A phrase may be written with spaces that the post does not have
        # ("旅行 搭子" vs 旅行搭子): accept either segmentation.
        joined = leaf.words[0]
        for prev, word in zip(leaf.words, leaf.words[1:], strict=False):
            joined += (" " if _is_latin_edge(prev[-1]) and _is_latin_edge(word[0]) else "") + word
        candidates = (self._phrase(joined), self._phrase(" ".join(leaf.words)))
        forms = [f for f in dict.fromkeys(candidates) if f]
        if not forms:
            return None, False, ()
        return " OR ".join(forms), True, ()


def _is_fts_char(ch: str) -> bool:
    """Characters unicode61 keeps in tokens: letters, numbers, private use."""
    category = unicodedata.category(ch)
    return category[0] in "LN" or category == "Co"


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Like(_Compiler):
    """``lower(column) LIKE ?`` conditions over folded, escaped patterns."""

    def __init__(self, column: str):
        self.sql = f"lower({column}) LIKE ? ESCAPE '\\'"

    def leaf(self, leaf: Leaf) -> _Compiled:
        if isinstance(leaf, Regex):
            # a prefilter: every match contains one string of each group (then re-checked)
            groups = regex_requirements(leaf.pattern)
            if not groups:
                return None, False, ()
            sql = " AND ".join("(" + " OR ".join([self.sql] * len(group)) + ")" for group in groups)
            return sql, False, tuple("%" + _like_escape(x) + "%" for group in groups for x in group)
        if isinstance(leaf, Term):
            return self.sql, True, ("%" + _like_escape(fold(leaf.text)) + "%",)
        # The words in order with anything between them: a superset of the phrase.
        return self.sql, False, ("%" + "%".join(_like_escape(fold(w)) for w in leaf.words) + "%",)


#: Ways of writing a phrase's gaps looked up one by one (four gaps); a longer
#: phrase is narrowed by its words and checked.
_MAX_PHRASE_FORMS = 16


class _Grams(_Binary):
    """Conditions over the substring index (:func:`gram_document`,
    :func:`gram_lexemes`): FTS5 ``MATCH`` or ``tsquery`` text."""

    def __init__(self, tsquery: bool):
        self.tsquery = tsquery
        if tsquery:
            self.or_op, self.and_op, self.not_op = " | ", " & ", " & !"

    def _contains(self, text: str) -> tuple[list[str], bool]:
        """Conditions every post containing ``text`` meets; whether they are exact.

        SQLite: the trigrams of ``text`` interleaved with :data:`GRAM_SEP`,
        as an FTS5 phrase (they must follow each other): exactly the posts
        containing ``text``.  PostgreSQL's lexemes have no positions: a
        string of one or two characters is one gram (exact), a longer one
        needs all its two-character grams, which may also occur apart.
        Whitespace and :data:`GRAM_SEP` are indexed as :func:`gram_text`
        writes them: a string holding them is found among others.
        """
        source = gram_text(text)
        exact = source == fold(text) and " " not in source and "\ufffd" not in source
        if not self.tsquery:
            return [self._phrase(source)], exact
        grams = [source] if len(source) <= 2 else list(dict.fromkeys(map(operator.add, source, source[1:])))
        quoted = ["'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams]
        return quoted, exact and len(source) <= 2

    @staticmethod
    def _phrase(source: str) -> str:
        phrase = GRAM_SEP + source + GRAM_SEP if len(source) == 1 else GRAM_SEP.join(source)
        return '"' + phrase.replace('"', '""') + '"'

    def _phrase_forms(self, words: Sequence[str]) -> _Compiled | None:
        """A quoted phrase on SQLite: each way of writing its gaps (nothing or
        one space, only a space between two Latin words) as an exact phrase."""
        forms = [""]
        for i, word in enumerate(words):
            source = gram_text(word)
            if source != fold(word) or not source.strip() or "\ufffd" in source:
                return None
            if i == 0:
                gaps = [""]
            elif _is_latin_edge(words[i - 1][-1]) and _is_latin_edge(word[0]):
                gaps = [" "]
            else:
                gaps = ["", " "]
            forms = [form + gap + source for form in forms for gap in gaps]
            if len(forms) > _MAX_PHRASE_FORMS:
                return None
        return self.or_op.join(self._phrase(form) for form in forms), True, ()

    def leaf(self, leaf: Leaf) -> _Compiled:
        if isinstance(leaf, Phrase) and not self.tsquery:
            compiled = self._phrase_forms(leaf.words)
            if compiled is not None:
                return compiled
        if isinstance(leaf, Regex):
            groups = [self.or_op.join("(" + self.and_op.join(self._contains(x)[0]) + ")" for x in group)
                      for group in regex_requirements(leaf.pattern)]
            return (self.and_op.join(f"({g})" for g in groups) or None), False, ()
        strings: Sequence[str] = (leaf.text,) if isinstance(leaf, Term) else leaf.words
        conditions: list[str] = []
        exact = isinstance(leaf, Term)
        for string in strings:
            found, string_exact = self._contains(string)
            conditions += found
            exact = exact and string_exact
        if not conditions:
            return None, False, ()
        return self.and_op.join(dict.fromkeys(conditions)), exact, ()


def regex_requirements(pattern: str) -> tuple[tuple[str, ...], ...]:
    r"""Strings every match of ``pattern`` contains, folded: a cheap prefilter.

    Returns groups of alternatives: every match contains at least one
    string of each group.  Literal text is followed through groups,
    alternatives (``(饭|饭局)搭子`` is ``饭搭子`` or ``饭局搭子``) and optional
    parts while the alternatives stay few; a repeat, a class or ``.``
    closes the strings gathered so far.  The strings are folded as
    :func:`corpus.text.fold` folds text, so that a search of the folded
    text keeps every post the case-insensitive regular expression can match
    (LIKE on the raw text, :attr:`CompiledQuery.like_sql`, still misses
    full-width Latin letters).  A pattern with flags other than ``(?i)``
    gives no group.

    Examples
    --------
    >>> regex_requirements(r"(饭|饭局)搭子.{0,5}上海")
    (('饭搭子', '饭局搭子'), ('上海',))
    >>> regex_requirements(r"Citywalk\d+")  # re also takes ı and İ for i
    (('citywalk', 'cİtywalk', 'cıtywalk'),)
    >>> regex_requirements(r"上海|北京")
    (('上海', '北京'),)
    >>> regex_requirements(r"\d{4}年")
    (('年',),)
    """
    try:
        parsed = _re_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return ()
    if parsed.state.flags & ~(re.UNICODE | re.IGNORECASE):
        return ()  # verbose, dotall, ... : keep it simple
    exact, groups = _regex_strings(list(parsed), 0)
    if exact is not None:
        groups.append(exact)
    out = []
    for group in groups:
        folded = {fold(x) for x in group}
        # a group with an empty alternative requires nothing
        if all(x.strip() for x in folded):
            out.append(tuple(sorted(folded, key=lambda x: (len(x), x))))
    return tuple(dict.fromkeys(out))


def _literal_forms(ch: str) -> set[str] | None:
    """What the folded text holds where a case-insensitive regular expression's
    literal ``ch`` matches; ``None`` when that is not known for sure.

    A character without case stands for itself; an ASCII letter for its
    lower case, but Python's ``re`` also takes ı and İ for i (folded: ı, İ)
    and ſ for s.  Other cased letters (σ and ς, µ and μ, ...) end the
    strings gathered.
    """
    if ch.lower() == ch.upper():
        return {ch}
    if not ch.isascii():
        return None
    return {"i": {"i", "ı", "İ"}, "s": {"s", "ſ"}}.get(ch.lower(), {ch.lower()})


#: Alternative strings followed through a regular expression before they are
#: closed as a requirement (``(a|b)(c|d)`` is four).
_MAX_ALTERNATIVES = 16


def _regex_strings(items: list, depth: int) -> tuple[set[str] | None, list[set[str]]]:
    """``(exact, required)`` of a parsed sequence: the set of strings it
    matches exactly when known and small, and sets of which every match
    contains one string each."""
    current: set[str] | None = {""}
    required: list[set[str]] = []
    known = True  # every item so far matched a known set of strings

    def close() -> None:
        if current and all(current):
            required.append(current)

    for op, arg in items:
        name = str(op)
        exact: set[str] | None = None
        extra: list[set[str]] = []  # requirements found inside this item
        if depth > 50:
            pass
        elif name == "LITERAL":
            exact = _literal_forms(chr(arg))
        elif name == "AT":  # ^, $, \b: no characters
            exact = {""}
        elif name == "IN" and all(str(o) == "LITERAL" for o, _ in arg) and len(arg) <= _MAX_ALTERNATIVES:
            forms = [_literal_forms(chr(a)) for _, a in arg]  # (a|b) is parsed as [ab]
            known_forms = [f for f in forms if f is not None]
            exact = set[str]().union(*known_forms) if len(known_forms) == len(forms) else None
        elif name == "SUBPATTERN" and not arg[1] and not arg[2]:
            exact, extra = _regex_strings(list(arg[3]), depth + 1)
        elif name == "BRANCH":
            branches = [_regex_strings(list(b), depth + 1) for b in arg[1]]
            exacts = [e for e, _ in branches if e is not None]
            if len(exacts) == len(branches):
                union = set[str]().union(*exacts)
                exact = union if len(union) <= _MAX_ALTERNATIVES else None
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, inner_items = arg
            inner, inner_required = _regex_strings(list(inner_items), depth + 1)
            if low == 0 and high == 1 and inner is not None:
                exact = inner | {""}
            elif low >= 1:
                extra = inner_required + ([inner] if inner and all(inner) else [])
        if exact is None:
            close()
            required += extra
            current = {""}
            known = False
            continue
        required += extra
        joined = {a + b for a in current for b in exact} if current is not None else None
        if joined is None or len(joined) > _MAX_ALTERNATIVES:
            close()
            current = exact
        else:
            current = joined
    if known:
        return current, required
    close()
    return None, required
