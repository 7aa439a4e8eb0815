"""The converters' toolkit: small, fast readers of one cell each.

Every source module builds canonical posts and comments with these, so that
ids, texts, counts, times and lists are read alike whatever the tool.  They
raise :class:`~corpus.presets.base.RowError` naming the column for a value
they cannot read, and never copy a record.

Choices a reviewer should know about
------------------------------------
- ``title`` is None when it only repeats the start of the text (MediaCrawler
  fills an empty Xiaohongshu title with the first 255 characters of ``desc``;
  Spider_XHS writes "无标题"), so text search does not count it twice.
- ``hashtags`` are the inline tags of title and text followed by the record's
  tag list, deduplicated; ``mentions`` are the inline ``@names``.
- Counts keep the original text in ``counts_raw``; ``engagement`` is the sum
  of the counts that are present (None when none is).
- Times: epoch seconds, milliseconds or microseconds by magnitude, per value,
  or date strings; a date before 2000 or in the future is a row error
  (:func:`corpus.parsing.post_time`).  An epoch of 0 means "not set".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from corpus.fields import COMMENT_FIELDS, POST_FIELDS
from corpus.parsing import (
    MAX_COUNT,
    extract_hashtags,
    extract_mentions,
    is_mangled_id,
    parse_count,
    parse_list,
    post_time,
)
from corpus.presets.base import RowError

_NONE_TEXT = frozenset({"", "None", "none", "null", "NULL", "nan", "NaN"})
_BLANK_POST = dict.fromkeys(POST_FIELDS)
_BLANK_COMMENT = dict.fromkeys(COMMENT_FIELDS)
_MANGLED_HINT = (
    "The id was turned into a number by a spreadsheet and its last digits are lost. "
    "Export from the crawler again, or in Excel import the file with the id column "
    "set to Text (Data > From Text/CSV > Transform > Data Type: Text); never save ids "
    "as numbers."
)
_COUNT_HINT = (
    "Counts must look like 3585, 1,234, 1.3万, 10万+, 2.1w or 1.2k; fix or empty this cell."
)
_TIME_HINT = (
    "Times must be epoch seconds, milliseconds or microseconds, or dates like "
    "2023-12-23 17:12:54, 2024-03-05T12:00:00+08:00 or 2024年3月5日, between 2000 and now "
    "(times like 3天前 or 昨天 12:30 need a crawled_at column saying when the data was collected); "
    "fix or empty this cell."
)


_NUL_HINT = (
    "NUL characters are never part of a post; the file is damaged here. Fix or delete this row."
)
_POST_DEFAULTS = {**_BLANK_POST, "text": "", "counts_approximate": False, "status": "ok"}


def _new_post(platform: str) -> dict:
    post = _POST_DEFAULTS.copy()
    post["platform"] = platform
    post["counts_raw"] = {}
    post["hashtags"] = []
    post["mentions"] = []
    post["source_keywords"] = []
    return post


def _id(rec: Mapping, column: str) -> str:
    """The record's id as a clean string; refuses empty and spreadsheet-mangled ids."""
    value = rec.get(column)
    tp = type(value)
    if tp is str:
        s = value.strip()  # type: ignore[union-attr]
        if s and s not in _NONE_TEXT:
            if ("+" in s or "." in s) and is_mangled_id(s):  # "4.75E+15", "1.23457E+18"
                raise RowError(column, f"the id {s!r} is in scientific notation", _MANGLED_HINT)
            if "\x00" in s:
                raise RowError(column, f"the id {s!r} contains a NUL character", _NUL_HINT)
            return s
        raise RowError(
            column, "the id is empty", "Every row needs an id; fill it in or delete the row."
        )
    if tp is int:
        return str(value)
    if value is None:
        raise RowError(
            column, "the id is missing", "Every row needs an id; fill it in or delete the row."
        )
    if is_mangled_id(value):
        raise RowError(column, f"the id {value!r} is a floating-point number", _MANGLED_HINT)
    return str(value)


def _opt_id(rec: Mapping, column: str) -> str | None:
    """An optional id (author, parent): None when absent, mangled ids refused."""
    value = rec.get(column)
    if value is None or value == "" or (type(value) is str and value.strip() in _NONE_TEXT):
        return None
    return _id(rec, column)


def _str(value: object) -> str | None:
    """Strip a text cell; None for empty and for the literal 'None' crawlers write."""
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, float) and value != value:
            return None
        value = str(value)
    s = value.strip()
    if "\x00" in s:
        s = s.replace("\x00", "").strip()
    return None if s in _NONE_TEXT else s


def _text(value: object) -> str:
    """Body text: newlines kept (CRLF folded to LF), None -> ''."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value != value:
            return ""
        value = str(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value


def _title(value: object, text: str) -> str | None:
    """A title, or None when it is empty, a placeholder, or repeats the text's start."""
    t = _str(value)
    if t is None or t == "无标题":
        return None
    if "\r" in t:
        t = t.replace("\r\n", "\n")
    if text.startswith(t) or (text[:1].isspace() and text.lstrip().startswith(t)):
        return None
    return t


#: Columns in which the tools write when a record was collected (MediaCrawler,
#: Zeeschuimer, Pushshift, dazi): what a relative time such as "3天前" counts back from.
_COLLECTED_COLUMNS = ("last_modify_ts", "crawled_at", "collected_at", "timestamp_collected", "retrieved_on")


def _time(rec: Mapping, column: str, unit: str = "auto", *, collected_at: object = None) -> object:
    """A post's or comment's time from *column* (unit by magnitude; *unit* is ignored).

    A text time is read against the record's collection time (*collected_at*,
    or the first of :data:`_COLLECTED_COLUMNS` the record has): "昨天 12:30"
    and "3天前" count back from it, "3月5日" falls in the year up to it.
    """
    value = rec.get(column)
    if value is None or value == "":
        return None
    if collected_at is None and type(value) is str and not value.isdigit():
        collected_at = _saved_time(rec)
    return _time_of(value, column, collected_at=collected_at)


def _time_of(value: object, column: str, *, collected_at: object = None) -> object:
    """:func:`_time` for a value already taken out of a nested record."""
    if value is None or value == "":
        return None
    try:
        return post_time(value, collected_at=collected_at if isinstance(collected_at, datetime) else None)
    except ValueError as exc:
        raise RowError(column, str(exc), _TIME_HINT) from None


def _saved_time(rec: Mapping) -> datetime | None:
    """When *rec* was collected, from the first collection column it has; None if none reads as a time."""
    for key in _COLLECTED_COLUMNS:
        value = rec.get(key)
        if value is not None and value != "":
            try:
                return post_time(value)
            except ValueError:
                return None
    return None


def _count(rec: Mapping, column: str) -> int | None:
    value = rec.get(column)
    if value is None:
        return None
    try:
        return parse_count(value)[0]
    except ValueError as exc:
        raise RowError(column, str(exc), _COUNT_HINT) from None


def _signed(rec: Mapping, column: str) -> int | None:
    """A whole number that may be negative (Reddit's score)."""
    value = rec.get(column)
    if value is None or value == "":
        return None
    if type(value) is int and abs(value) <= MAX_COUNT:
        return value
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RowError(column, f"not a number: {_short_repr(value)}", _COUNT_HINT) from None
    if f != f:
        return None
    if not f.is_integer():
        raise RowError(column, f"not a whole number: {_short_repr(value)}", _COUNT_HINT)
    if abs(f) > MAX_COUNT:
        raise RowError(column, f"too large to be a count: {_short_repr(value)}", _COUNT_HINT)
    return int(f)


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _set_counts(post: dict, rec: Mapping, spec: tuple[tuple[str, str], ...]) -> None:
    """Fill the four counts, engagement, counts_approximate and counts_raw.

    *spec* holds ``(field, column)`` for the counts the layout has; columns
    may be dotted (``public_metrics.like_count``) for nested records.
    """
    raw = post["counts_raw"]
    total = None
    approx = False
    get = rec.get
    for fld, column in spec:
        value = get(column)
        if value is None:
            if "." not in column:
                continue
            value = _dig(rec, column)
            if value is None:
                continue
        # "3585": most counts (15 digits stay below MAX_COUNT; longer ones are checked)
        if type(value) is str and len(value) <= 15 and value.isdigit() and value.isascii():
            raw[fld] = value
            whole = post[fld] = int(value)
            total = whole if total is None else total + whole
            continue
        try:
            n, a = parse_count(value)
        except ValueError as exc:
            raise RowError(column, str(exc), _COUNT_HINT) from None
        raw[fld] = value if type(value) is str else str(value)
        post[fld] = n
        if n is not None:
            total = n if total is None else total + n
            if a:
                approx = True
    post["engagement"] = total
    post["counts_approximate"] = approx


def _merge(*lists: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for lst in lists:
        for item in lst:
            if item:
                seen[item] = None
    return list(seen)


_LIST_HINT = 'Write the list as a,b or ["a", "b"].'


def _list(rec: Mapping, column: str) -> list[str]:
    value = rec.get(column)
    if value is None or value == "":
        return []
    try:
        return parse_list(value)
    except ValueError as exc:
        raise RowError(column, str(exc), _LIST_HINT) from None


def _tags_of(title: str | None, text: str) -> list[str]:
    return (
        extract_hashtags(f"{title}\n{text}") if title and "#" in title else extract_hashtags(text)
    )


def _mentions_of(title: str | None, text: str) -> list[str]:
    return (
        extract_mentions(f"{title}\n{text}") if title and "@" in title else extract_mentions(text)
    )


_DELETED = frozenset({"deleted", "removed", "删除", "已删除"})
_UNAVAILABLE = frozenset({"unavailable", "private", "hidden", "不可见", "违规"})
_TRUE = frozenset({True, "1", "true", "True", "TRUE", "yes"})  # 1 == True


def _status(rec: Mapping) -> str:
    """``deleted`` / ``unavailable`` when the record says so, else ``ok``."""
    status = rec.get("status")
    if status is not None and type(status) is str:
        s = status.strip().lower()
        if s in _DELETED:
            return "deleted"
        if s in _UNAVAILABLE:
            return "unavailable"
    deleted = rec.get("is_deleted", rec.get("deleted"))
    if deleted is not None and type(deleted) in (bool, int, str) and deleted in _TRUE:
        return "deleted"
    return "ok"


def _first(rec: Mapping, *columns: str) -> object:
    for c in columns:
        v = rec.get(c)
        if v is not None and v != "":
            return v
    return None



def _dig(rec: Mapping, dotted: str) -> object:
    """``rec["a.b"]`` (twarc-csv's flattened column) or ``rec["a"]["b"]``."""
    value = rec.get(dotted)
    if value is not None:
        return value
    cur: object = rec
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


