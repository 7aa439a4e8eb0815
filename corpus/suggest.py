"""Keyword-based code suggestions for coders, and how good the keywords are.

A codebook may list keywords per code (``饭搭子``, ``约饭``, ``dinner``).
:func:`suggest_codes` finds them in a post and returns the spans to
highlight.  A suggestion is a hint shown to a coder, never a coding: nothing
here writes codings, and a coder decides.

Matching rules (all case-insensitive, on :func:`corpus.text.fold`):

* A keyword with a Han or kana character is a *Chinese* keyword.  It matches
  as a substring with token awareness: inside one word (``搭子`` in
  ``饭搭子``) or across whole words (``找搭子`` = ``找|搭子``), but never across
  a word boundary that cuts a word in half (``学习`` in ``同学|习惯``).
* Any other keyword is *English* (or another space-delimited script) and
  matches whole words: ``gym`` matches ``gym`` and ``去gym``, not
  ``gymnastics``; a multi-word keyword allows any whitespace between words.
* Nothing matches inside a URL, a mention (a person's name) or a sticker
  code, nor in the ``[话题]`` decoration of a hashtag (its name counts).

:func:`evaluate_keywords` compares suggestions with the codes coders actually
gave (precision, recall, F1 and support per code) for ``dazi
suggestions-eval``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.text import Pipeline, Token, fold, name_span, tokenizer
from dazi.errors import ValidationError

__all__ = [
    "CodeScore",
    "KeywordEvaluation",
    "Suggestion",
    "evaluate_keywords",
    "suggest_codes",
    "suggested_codes",
]

_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_NO_MATCH_KINDS = frozenset({"url", "mention", "sticker"})


@dataclass(frozen=True)
class Suggestion:
    """A keyword of ``code`` (of ``variable``) found in a post.

    ``spans`` are ``(start, end)`` code-point offsets of every occurrence,
    in text order, for highlighting.
    """

    variable: Hashable
    code: Hashable
    keyword: str
    spans: tuple[tuple[int, int], ...]


def suggest_codes(
    tokens_or_text: str | Sequence[Token],
    codebook_keywords: Mapping[Any, Mapping[Any, Sequence[str]]],  # ids of any hashable type
    *,
    pipeline: Pipeline | None = None,
) -> list[Suggestion]:
    """Codes whose keywords occur in a post.

    Parameters
    ----------
    tokens_or_text : str or sequence of Token
        The post, or its tokens (from the token cache; they must cover the
        whole text, as :func:`corpus.text.tokenize` returns them).
    codebook_keywords : mapping
        ``{variable_id: {code_id: [keyword, ...]}}``.
    pipeline : Pipeline, optional
        Tokenises a text; the default pipeline when not given.

    Returns
    -------
    list of Suggestion
        One per (variable, code, keyword) found, in codebook order.

    Raises
    ------
    ValidationError
        A keyword that is not a string or is blank, naming variable and code.

    Examples
    --------
    >>> book = {"kind": {"meal": ["饭搭子", "dinner"], "study": ["学习"]}}
    >>> for s in suggest_codes("周末找饭搭子 dinner? 同学习惯好", book):
    ...     print(s.code, s.keyword, s.spans)
    meal 饭搭子 ((3, 6),)
    meal dinner ((7, 13),)
    """
    if isinstance(tokens_or_text, str):
        text = tokens_or_text
        tokens = (pipeline or tokenizer()).tokenize(text)
    else:
        tokens = list(tokens_or_text)
        text = _text_of(tokens)
    post = _Post(text, tokens)
    out: list[Suggestion] = []
    for variable, codes in codebook_keywords.items():
        for code, keywords in codes.items():
            if isinstance(keywords, str):
                raise ValidationError(
                    f"Codebook keywords for variable {variable!r}, code {code!r} must be a list, "
                    f"got the string {keywords!r}",
                    f'Write a list: ["{keywords}"].',
                )
            seen: set[str] = set()
            for keyword in keywords:
                norm = _normalise(keyword, variable, code)
                if norm in seen:
                    continue
                seen.add(norm)
                spans = post.find(norm)
                if spans:
                    out.append(Suggestion(variable, code, keyword, tuple(spans)))
    return out


def suggested_codes(suggestions: Iterable[Suggestion]) -> set[tuple[Hashable, Hashable]]:
    """The ``(variable, code)`` pairs of some suggestions (for :func:`evaluate_keywords`)."""
    return {(s.variable, s.code) for s in suggestions}


def _normalise(keyword: object, variable: Hashable, code: Hashable) -> str:
    if not isinstance(keyword, str):
        raise ValidationError(
            f"Codebook keyword {keyword!r} for variable {variable!r}, code {code!r} is not text",
            "Write keywords as strings.",
        )
    norm = " ".join(fold(keyword).split())
    if not norm:
        raise ValidationError(
            f"Codebook keyword for variable {variable!r}, code {code!r} is blank",
            "Remove the empty keyword from the codebook.",
        )
    return norm


def _text_of(tokens: Sequence[Token]) -> str:
    pos = 0
    for t in tokens:
        if t.start != pos or t.end != pos + len(t.text):
            raise ValueError(
                "tokens do not cover a text without gaps: pass all tokens of the post "
                "(as tokenize() returns them), spaces included"
            )
        pos = t.end
    return "".join(t.text for t in tokens)


class _Post:
    """A post prepared for keyword search: folded text and token spans."""

    def __init__(self, text: str, tokens: Sequence[Token]):
        self.folded = fold(text)
        self.tokens = [t for t in tokens if t.kind != "space"]
        self.starts = [t.start for t in self.tokens]
        self.edges: set[int] = set()
        for t in self.tokens:
            self.edges.update((t.start, t.end))
            if t.kind == "hashtag":
                self.edges.update(name_span(t))

    def find(self, keyword: str) -> list[tuple[int, int]]:
        if _CJK_RE.search(keyword):
            pattern = "(?=(" + r"\s*".join(re.escape(w) for w in keyword.split()) + "))"
            spans = [(m.start(1), m.end(1)) for m in re.finditer(pattern, self.folded)]
            spans = [s for s in spans if self._token_aware(*s)]
        else:
            body = r"\s+".join(re.escape(w) for w in keyword.split())
            pattern = rf"(?<![{_LATIN}]){body}(?![{_LATIN}])"
            spans = [m.span() for m in re.finditer(pattern, self.folded)]
        return [s for s in _non_overlapping(spans) if self._allowed(*s)]

    def _covering(self, start: int, end: int) -> list[Token]:
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        out = []
        while i < len(self.tokens) and self.tokens[i].start < end:
            if self.tokens[i].end > start:
                out.append(self.tokens[i])
            i += 1
        return out

    def _token_aware(self, start: int, end: int) -> bool:
        covering = self._covering(start, end)
        if len(covering) <= 1:
            return True  # inside one word
        return start in self.edges and end in self.edges  # whole words only

    def _allowed(self, start: int, end: int) -> bool:
        for t in self._covering(start, end):
            if t.kind in _NO_MATCH_KINDS:
                return False
            if t.kind == "hashtag":  # only the name counts, not #, [话题] or the closing #
                name_start, name_end = name_span(t)
                if max(start, t.start) < name_start or min(end, t.end) > name_end:
                    return False
        return True


def _non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for span in sorted(spans):
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


# ---------------------------------------------------------------------------
# Evaluation against the coders' codes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeScore:
    """How well a code's keywords predict the code.

    ``precision = tp / (tp + fp)`` is NaN when the code was never suggested;
    ``recall = tp / (tp + fn)`` is NaN when no post has the code (support 0);
    ``f1 = 2 tp / (2 tp + fp + fn)`` is NaN only when both are zero (then
    there is nothing to score), and 0 when the code was never suggested but
    coders used it.
    """

    code: Hashable
    precision: float
    recall: float
    f1: float
    support: int
    suggested: int
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True)
class KeywordEvaluation:
    """Per-code scores, their micro-average and what was compared.

    Attributes
    ----------
    scores : dict
        ``{code: CodeScore}``: the ``codes`` passed first, in their order,
        then the other codes sorted.
    micro : CodeScore
        Pooled over all codes (``code`` is ``"(all codes)"``).
    n_posts : int
        Coded posts compared (the keys of ``actual``).
    ignored_posts : tuple of str
        Posts with suggestions but no codes from coders (not yet coded):
        left out, since they cannot tell right from wrong.
    """

    scores: dict[Hashable, CodeScore]
    micro: CodeScore
    n_posts: int
    ignored_posts: tuple[str, ...]


def _score(code: Hashable, tp: int, fp: int, fn: int) -> CodeScore:
    precision = tp / (tp + fp) if tp + fp else math.nan
    recall = tp / (tp + fn) if tp + fn else math.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
    return CodeScore(code, precision, recall, f1, tp + fn, tp + fp, tp, fp, fn)


def evaluate_keywords(
    suggested: Mapping[str, Iterable[Hashable]],
    actual: Mapping[str, Iterable[Hashable]],
    *,
    codes: Iterable[Hashable] | None = None,
) -> KeywordEvaluation:
    """Precision, recall, F1 and support of keyword suggestions per code.

    Parameters
    ----------
    suggested : mapping
        ``{post_id: codes suggested}``; a post absent here had none.
    actual : mapping
        ``{post_id: codes the coders gave}`` for every *coded* post (an empty
        set when a coded post got no code).  Only these posts are compared.
    codes : iterable, optional
        Codes to report even when nobody suggested or used them.

    Returns
    -------
    KeywordEvaluation

    Raises
    ------
    ValidationError
        A post id that is not a string (ids are strings in dazi: ``1`` and
        ``"1"`` would silently fail to meet).

    Examples
    --------
    >>> ev = evaluate_keywords({"p1": {"meal"}, "p2": {"meal"}}, {"p1": {"meal"}, "p2": set(), "p3": {"meal"}})
    >>> s = ev.scores["meal"]
    >>> (s.tp, s.fp, s.fn, s.precision, s.recall, round(s.f1, 3))
    (1, 1, 1, 0.5, 0.5, 0.5)
    """
    for name, mapping in (("suggested", suggested), ("actual", actual)):
        for post_id in mapping:
            if not isinstance(post_id, str):
                raise ValidationError(
                    f"Post id {post_id!r} in {name} is a {type(post_id).__name__}, not a string",
                    "Post ids are strings in dazi; convert them with str() before comparing.",
                )
    order: dict[Hashable, None] = dict.fromkeys(codes or ())
    counts: dict[Hashable, list[int]] = {}
    for post_id, given in actual.items():
        given_set = set(given)
        predicted = set(suggested.get(post_id, ()))
        for code in given_set | predicted:
            tally = counts.setdefault(code, [0, 0, 0])
            if code in given_set and code in predicted:
                tally[0] += 1
            elif code in predicted:
                tally[1] += 1
            else:
                tally[2] += 1
    rest = sorted((c for c in counts if c not in order), key=lambda c: (type(c).__name__, str(c)))
    scores = {code: _score(code, *counts.get(code, (0, 0, 0))) for code in [*order, *rest]}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    ignored = tuple(p for p in suggested if p not in actual)
    return KeywordEvaluation(scores, _score("(all codes)", *total), len(actual), ignored)
