"""The literal text every match of a regular expression contains (:func:`regex_requirements`),
so that the substring index can narrow a regular-expression search."""

from __future__ import annotations

import re
from re import _parser as _re_parser  # type: ignore[attr-defined]  # private, not in typeshed; sre_parse warns

from corpus.text import fold


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
