"""dazi's own layout: sheets whose columns are dazi's canonical field names.

A researcher's own sheet with columns ``post_id``, ``text`` (and any of
``likes``, ``created_at``, ``hashtags`` ...) imports with no mapping, and so
does every posts export dazi writes (``dazi export`` to csv, jsonl, parquet or
the workbook's Posts sheet, with or without coding columns, which are
ignored): importing an export into a new project gives every canonical field
back as it was (:data:`reports.data.EXPORT_FIELDS`).  Comments exports
(``comment_id``, ``post_id``, ``text`` ...) come back as comments.

How values are read
-------------------
- Lists (hashtags, mentions, source_keywords): JSON arrays or real lists,
  dazi's CSV join ``"a; b"``, or comma-joined ``"a,b"``.  The hashtags and
  mentions found in the text are added after the listed ones.
- ``counts_approximate``: the column when given (dazi writes TRUE/FALSE),
  else whether a count was written like "1.2万".  ``engagement`` is always
  recomputed as the sum of the counts present.
- ``lang``, ``status``, ``platform``: the column when it holds a value dazi
  knows, else detected (``lang``), ``ok`` and ``other``.
- Times: as every preset reads them; a time without an offset is Beijing
  time, except in dazi's own workbooks, whose dates are UTC (the reader adds
  the offset, :mod:`corpus.formats`).
- Spreadsheet formula guards: dazi's exports prefix text that starts with
  ``= + - @`` with ``'``; the quote is removed again where what follows is
  such a character.
"""

from __future__ import annotations

from collections.abc import Mapping

from corpus.fields import COUNT_FIELDS, PLATFORMS, STATUSES
from corpus.parsing import detect_lang, parse_list
from corpus.presets.base import Preset, RowError, register
from corpus.presets.values import (
    _BLANK_COMMENT,
    _LIST_HINT,
    _TRUE,
    _count,
    _id,
    _mentions_of,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _signed,
    _str,
    _tags_of,
    _text,
    _time,
)
from dazi.cells import FORMULA_STARTS

_COUNTS = tuple((f, f) for f in COUNT_FIELDS)
_LANGS = frozenset({"zh", "en", "mixed"})
_FORMULA = tuple("'" + c for c in FORMULA_STARTS)  # what dazi.cells.neutralize writes
_SOURCE = "dazi (any version): `dazi export` posts and comments, or any sheet with dazi's field names"


def _unguard(value: str) -> str:
    """Undo dazi's spreadsheet formula guard (a leading quote before = + - @)."""
    return value[1:] if value.startswith(_FORMULA) else value


def _clean(value: object) -> str | None:
    s = _str(value)
    return _unguard(s) if s else s


def _canonical_list(rec: Mapping, column: str) -> list[str]:
    value = rec.get(column)
    if value is None or value == "":
        return []
    if type(value) is str and ";" in value and not value.lstrip().startswith("["):
        return [_unguard(v) for v in parse_list(value.replace(";", ","))]
    try:
        return [_unguard(v) for v in parse_list(value if not hasattr(value, "tolist") else value.tolist())]
    except ValueError as exc:
        raise RowError(column, str(exc), _LIST_HINT) from None


def _negative(value: object) -> bool:
    if type(value) is int:
        return value < 0
    if type(value) is str:
        s = value.strip()
        return s.startswith("-") and s[1:].isdigit()
    return False


def _counts(post: dict, rec: Mapping) -> None:
    """The four counts; a negative one is kept (Reddit's score is net votes)."""
    negative = [f for f in COUNT_FIELDS if _negative(rec.get(f))]
    if not negative:
        _set_counts(post, rec, _COUNTS)
        return
    approx = post["counts_approximate"]
    _set_counts(post, rec, tuple((f, f) for f in COUNT_FIELDS if f not in negative))
    approx = post["counts_approximate"] or approx
    for f in negative:
        post[f] = _signed(rec, f)
        post["counts_raw"][f] = str(rec[f])
    present = [post[f] for f in COUNT_FIELDS if post[f] is not None]
    post["engagement"] = sum(present) if present else None
    post["counts_approximate"] = approx


def _choice(rec: Mapping, column: str, allowed) -> str | None:
    value = _str(rec.get(column))
    if value is None:
        return None
    value = value.lower()
    return value if value in allowed else None


def _dazi_post(rec: dict) -> dict:
    post = _new_post(_choice(rec, "platform", PLATFORMS) or "other")
    post["post_id"] = _id(rec, "post_id")
    text = _unguard(_text(rec.get("text")))
    title = _clean(rec.get("title"))
    post["title"] = title
    post["text"] = text
    post["url"] = _clean(rec.get("url"))
    post["author_id"] = _opt_id(rec, "author_id")
    post["author_name"] = _clean(rec.get("author_name"))
    post["created_at"] = _time(rec, "created_at")
    post["location"] = _clean(rec.get("location"))
    _counts(post, rec)
    flag = rec.get("counts_approximate")
    if flag is not None and flag != "":
        post["counts_approximate"] = flag in _TRUE or (type(flag) is str and flag.strip().lower() == "true")
    post["hashtags"] = _merge(_canonical_list(rec, "hashtags"), _tags_of(title, text))
    post["mentions"] = _merge(_canonical_list(rec, "mentions"), _mentions_of(title, text))
    post["source_keywords"] = _canonical_list(rec, "source_keywords")
    post["lang"] = _choice(rec, "lang", _LANGS) or detect_lang(text or title)
    post["status"] = _choice(rec, "status", STATUSES) or "ok"
    post["crawled_at"] = _time(rec, "crawled_at")
    post["raw"] = rec
    return post


def _dazi_comment(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "comment_id")
    c["post_id"] = _id(rec, "post_id")
    c["platform"] = _choice(rec, "platform", PLATFORMS) or "other"
    c["parent_comment_id"] = _opt_id(rec, "parent_comment_id")
    c["text"] = _unguard(_text(rec.get("text")))
    c["author_id"] = _opt_id(rec, "author_id")
    c["author_name"] = _clean(rec.get("author_name"))
    c["created_at"] = _time(rec, "created_at")
    c["location"] = _clean(rec.get("location"))
    c["likes"] = _count(rec, "likes")
    c["raw"] = rec
    return c


register(
    Preset(
        "dazi-posts",
        "other",
        "posts",
        columns=("post_id", "text"),
        markers=(
            "platform",
            "url",
            "title",
            "author_id",
            "author_name",
            "created_at",
            "location",
            *COUNT_FIELDS,
            "engagement",
            "counts_approximate",
            "hashtags",
            "mentions",
            "source_keywords",
            "lang",
            "status",
            "crawled_at",
        ),
        convert=_dazi_post,
        source=_SOURCE,
        description="dazi's own posts layout (its exports, or any sheet with columns post_id, text, ...)",
    )
)
register(
    Preset(
        "dazi-comments",
        "other",
        "comments",
        columns=("comment_id", "post_id", "text"),
        markers=(
            "platform",
            "parent_comment_id",
            "author_id",
            "author_name",
            "created_at",
            "location",
            "likes",
        ),
        convert=_dazi_comment,
        source=_SOURCE,
        description="dazi's own comments layout (comments.csv, the workbook's Comments sheet)",
    )
)
