"""Parsing the search query language (its grammar: :mod:`corpus.query`) into a tree."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from corpus.query.tree import _OPERATORS, And, Leaf, Node, Not, Or, Phrase, Regex, Term
from dazi.errors import ValidationError


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


def _as_node(query: Node | str) -> Node:
    return parse_query(query) if isinstance(query, str) else query
