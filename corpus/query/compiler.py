"""Compiling a query for the database: FTS5 ``MATCH`` (whole words), ``LIKE`` (substrings) and
the substring index's grams (SQLite FTS5 and PostgreSQL ``tsquery``); see :func:`compile_query`."""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.query.documents import GRAM_SEP, gram_text, index_text
from corpus.query.literals import regex_requirements
from corpus.query.matching import _is_latin_edge
from corpus.query.parser import _as_node, positive_leaves
from corpus.query.tree import And, Leaf, Node, Not, Or, Phrase, Regex, Term
from corpus.text import Pipeline, fold, tokenizer


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
