"""Presets: how each crawler's records become canonical posts and comments.

A :class:`Preset` names a crawler's output (``mediacrawler-xhs-notes``,
``weibo-search``, ``reddit-submissions`` ...), the columns that identify it,
and a function from one raw record to one canonical dict (see
:mod:`corpus.fields`).  :func:`detect_preset` picks the preset from a file's
columns, never from its name; :func:`get_preset` forces one by name; and
:func:`generic_preset` builds one from a column mapping
(``{"post_id": "编号", "text": "正文", "likes": "点赞数"}``) for files no
preset knows.

Converters raise :class:`RowError` (column, reason, hint) for a record they
cannot convert; the loader adds the file and row and either stops or skips
the row.  They do not copy records: the canonical dict's ``raw`` *is* the
record the reader produced.

Choices a reviewer should know about
------------------------------------
- ``title`` is None when it only repeats the start of the text (MediaCrawler
  fills an empty Xiaohongshu title with the first 255 characters of ``desc``;
  Spider_XHS writes "无标题"), so text search does not count it twice.
- ``hashtags`` are the inline tags of title and text followed by the record's
  tag list, deduplicated; ``mentions`` are the inline ``@names``.
- Counts keep the original text in ``counts_raw``; ``engagement`` is the sum
  of the counts that are present (None when none is).
- An epoch of 0 means "not set" in crawler output and gives no time.
- X: likes = ``like_count``, comments = ``reply_count``, shares =
  ``retweet_count``, collects = ``bookmark_count`` (quotes stay in ``raw``).
  Reddit: likes = ``score`` (net votes, may be negative), comments =
  ``num_comments``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from corpus.fields import COMMENT_FIELDS, COUNT_FIELDS, PLATFORMS, POST_FIELDS
from corpus.parsing import (
    MAX_COUNT,
    detect_lang,
    extract_hashtags,
    extract_mentions,
    is_mangled_id,
    parse_count,
    parse_list,
    parse_time,
)
from dazi.errors import InputError, ValidationError

__all__ = [
    "GENERIC_FIELDS",
    "PRESETS",
    "Preset",
    "PresetMatch",
    "RowError",
    "check_columns",
    "detect_preset",
    "generic_preset",
    "get_preset",
    "rank_presets",
]


class RowError(Exception):
    """A record that cannot be converted (raised by converters, caught by the loader).

    Parameters
    ----------
    column : str or None
        The column at fault.
    reason : str
        What is wrong with the value.
    hint : str, optional
        What the user can do.
    """

    def __init__(self, column: str | None, reason: str, hint: str | None = None):
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class Preset:
    """One crawler output layout and how to read it.

    Attributes
    ----------
    name : str
        What ``--preset`` takes.
    platform : str
        One of :data:`corpus.fields.PLATFORMS`.
    kind : {"posts", "comments"}
        What :attr:`convert` returns.
    columns : tuple of str
        Columns that must all be present for the preset to apply.
    markers : tuple of str
        Columns typical of the layout; each present one makes detection surer.
    any_of : tuple of tuple of str
        Groups of columns of which at least one per group must be present.
    time_unit : {"ms", "s", "auto"}
        Unit of the epoch times in the layout.
    convert : callable
        ``raw record -> canonical dict``; raises :class:`RowError`.
    expand : callable or None
        For container records (an X API page holds many tweets):
        ``record -> iterable of records`` to convert one by one.
    variant : callable or None
        ``columns -> description`` of the schema generation, for the report.
    description : str
        One line for ``--help`` and the import page.
    """

    name: str
    platform: str
    kind: str
    columns: tuple[str, ...]
    convert: Callable[[dict], dict]
    markers: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()
    time_unit: str = "auto"
    expand: Callable[[dict], Iterable[dict]] | None = None
    variant: Callable[[frozenset[str]], str | None] | None = None
    description: str = ""

    def matches(self, columns: Iterable[str]) -> bool:
        """Whether a file with these columns has everything this preset needs."""
        cols = set(columns)
        return all(c in cols for c in self.columns) and all(
            any(c in cols for c in group) for group in self.any_of
        )

    def describe_variant(self, columns: Iterable[str]) -> str | None:
        """The schema generation found, e.g. ``"2026-07+: creator_hash, masked nicknames"``."""
        return self.variant(frozenset(columns)) if self.variant else None


@dataclass(frozen=True)
class PresetMatch:
    """How well a preset fits a file's columns (for detection and error messages)."""

    preset: Preset
    score: float
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """All required columns are present."""
        return not self.missing


# ---------------------------------------------------------------------------
# small, fast helpers shared by the converters
# ---------------------------------------------------------------------------

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
    "Times must be epoch seconds or milliseconds, or dates like 2023-12-23 17:12:54 "
    "(optionally with an offset such as +08:00); fix or empty this cell."
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


def _time(rec: Mapping, column: str, unit: str) -> object:
    value = rec.get(column)
    if value is None or value == "" or value == 0 or value == "0":
        return None
    try:
        return parse_time(value, unit)
    except ValueError as exc:
        raise RowError(column, str(exc), _TIME_HINT) from None


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
            n = post[fld] = int(value)
            total = n if total is None else total + n
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


# ---------------------------------------------------------------------------
# MediaCrawler
# ---------------------------------------------------------------------------

_XHS_COUNTS = (
    ("likes", "liked_count"),
    ("collects", "collected_count"),
    ("comments", "comment_count"),
    ("shares", "share_count"),
)


def _mc_author(rec: Mapping, post: dict) -> None:
    # Files since 2026-07 drop user_id and carry creator_hash (a hash of it).
    author = _opt_id(rec, "user_id")
    if author is None:
        author = _opt_id(rec, "creator_hash")
    post["author_id"] = author
    post["author_name"] = _str(rec.get("nickname"))


def _mc_keywords(rec: Mapping) -> list[str]:
    kw = rec.get("source_keyword")
    if not kw:
        return []
    kw = _str(kw)
    return [kw] if kw else []


def _mc_xhs_note(rec: dict) -> dict:
    post = _new_post("xiaohongshu")
    post["post_id"] = _id(rec, "note_id")
    text = _text(rec.get("desc"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("note_url"))
    _mc_author(rec, post)
    post["created_at"] = _time(rec, "time", "ms")
    post["location"] = _str(rec.get("ip_location"))
    _set_counts(post, rec, _XHS_COUNTS)
    post["hashtags"] = _merge(_tags_of(title, text), _list(rec, "tag_list"))
    post["mentions"] = _mentions_of(title, text)
    post["source_keywords"] = _mc_keywords(rec)
    post["lang"] = detect_lang(text or title)
    post["status"] = _status(rec)
    post["crawled_at"] = _time(rec, "last_modify_ts", "auto")
    post["raw"] = rec
    return post


def _xhs_variant(cols: frozenset[str]) -> str:
    if "creator_hash" in cols and "user_id" not in cols:
        return "2026-07+ schema (creator_hash, masked nicknames, no user_id/avatar/ip_location)"
    if "source_keyword" in cols:
        return "2024-12 to 2026-06 schema (with source_keyword, xsec_token)"
    return "2024 schema (no source_keyword, no xsec_token)"


def _mc_comment(
    platform: str, post_column: str, like_column: str, unit: str
) -> Callable[[dict], dict]:
    """A converter for MediaCrawler's comment tables, which share one layout."""

    def convert(rec: dict) -> dict:
        c = _BLANK_COMMENT.copy()
        c["comment_id"] = _id(rec, "comment_id")
        c["post_id"] = _id(rec, post_column)
        c["platform"] = platform
        parent = _opt_id(rec, "parent_comment_id")
        c["parent_comment_id"] = None if parent in (None, "0") else parent
        c["text"] = _text(rec.get("content"))
        author = _opt_id(rec, "user_id")
        c["author_id"] = author if author is not None else _opt_id(rec, "creator_hash")
        c["author_name"] = _str(rec.get("nickname"))
        c["created_at"] = _time(rec, "create_time", unit)
        c["location"] = _str(rec.get("ip_location"))
        c["likes"] = _count(rec, like_column)
        c["raw"] = rec
        return c

    return convert


_WEIBO_COUNTS = (
    ("likes", "liked_count"),
    ("comments", "comments_count"),
    ("shares", "shared_count"),
)


def _mc_weibo_note(rec: dict) -> dict:
    post = _new_post("weibo")
    post["post_id"] = _id(rec, "note_id")
    text = _text(rec.get("content"))
    post["text"] = text
    post["url"] = _str(rec.get("note_url"))
    _mc_author(rec, post)
    created = _time(rec, "create_time", "s")
    post["created_at"] = created if created is not None else _time(rec, "create_date_time", "auto")
    post["location"] = _str(rec.get("ip_location"))
    _set_counts(post, rec, _WEIBO_COUNTS)
    post["hashtags"] = extract_hashtags(text)
    post["mentions"] = extract_mentions(text)
    post["source_keywords"] = _mc_keywords(rec)
    post["lang"] = detect_lang(text)
    post["status"] = _weibo_status(rec, text)
    post["crawled_at"] = _time(rec, "last_modify_ts", "auto")
    post["raw"] = rec
    return post


def _weibo_status(rec: Mapping, text: str) -> str:
    if "此微博已被" in text and "删除" in text:  # "抱歉，此微博已被作者删除。"
        return "deleted"
    return _status(rec)


_DOUYIN_COUNTS = (
    ("likes", "liked_count"),
    ("collects", "collected_count"),
    ("comments", "comment_count"),
    ("shares", "share_count"),
)


def _mc_douyin_aweme(rec: dict) -> dict:
    post = _new_post("douyin")
    post["post_id"] = _id(rec, "aweme_id")
    text = _text(rec.get("desc"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("aweme_url"))
    author = _opt_id(rec, "user_id") or _opt_id(rec, "sec_uid") or _opt_id(rec, "creator_hash")
    post["author_id"] = author
    post["author_name"] = _str(rec.get("nickname"))
    post["created_at"] = _time(rec, "create_time", "s")
    post["location"] = _str(rec.get("ip_location"))
    _set_counts(post, rec, _DOUYIN_COUNTS)
    post["hashtags"] = _tags_of(title, text)
    post["mentions"] = _mentions_of(title, text)
    post["source_keywords"] = _mc_keywords(rec)
    post["lang"] = detect_lang(text or title)
    post["status"] = _status(rec)
    post["crawled_at"] = _time(rec, "last_modify_ts", "auto")
    post["raw"] = rec
    return post


_BILI_COUNTS = (
    ("likes", "liked_count"),
    ("collects", "video_favorite_count"),
    ("comments", "video_comment"),
    ("shares", "video_share_count"),
)


def _mc_bilibili_video(rec: dict) -> dict:
    post = _new_post("bilibili")
    post["post_id"] = _id(rec, "video_id")
    text = _text(rec.get("desc"))
    if text.strip() == "-":  # Bilibili shows "-" for a video without description
        text = ""
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("video_url"))
    _mc_author(rec, post)
    post["created_at"] = _time(rec, "create_time", "s")
    post["location"] = _str(rec.get("ip_location"))
    _set_counts(post, rec, _BILI_COUNTS)
    post["hashtags"] = _tags_of(title, text)
    post["mentions"] = _mentions_of(title, text)
    post["source_keywords"] = _mc_keywords(rec)
    post["lang"] = detect_lang(f"{title or ''}\n{text}")
    post["status"] = _status(rec)
    post["crawled_at"] = _time(rec, "last_modify_ts", "auto")
    post["raw"] = rec
    return post


# ---------------------------------------------------------------------------
# Spider_XHS (Excel, Chinese headers)
# ---------------------------------------------------------------------------

_SPIDER_COUNTS = (
    ("likes", "点赞数量"),
    ("collects", "收藏数量"),
    ("comments", "评论数量"),
    ("shares", "分享数量"),
)


def _location(value: object) -> str | None:
    s = _str(value)
    return None if s in ("未知", "unknown") else s


def _spider_xhs_note(rec: dict) -> dict:
    post = _new_post("xiaohongshu")
    post["post_id"] = _id(rec, "笔记id")
    text = _text(rec.get("描述"))
    title = _title(rec.get("标题"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("笔记url"))
    post["author_id"] = _opt_id(rec, "用户id")
    post["author_name"] = _str(rec.get("昵称"))
    post["created_at"] = _time(rec, "上传时间", "ms")
    post["location"] = _location(rec.get("ip归属地"))
    _set_counts(post, rec, _SPIDER_COUNTS)
    post["hashtags"] = _merge(_tags_of(title, text), _list(rec, "标签"))
    post["mentions"] = _mentions_of(title, text)
    post["lang"] = detect_lang(text or title)
    post["status"] = _status(rec)
    post["raw"] = rec
    return post


def _spider_xhs_comment(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "评论id")
    c["post_id"] = _id(rec, "笔记id")
    c["platform"] = "xiaohongshu"
    c["text"] = _text(rec.get("评论内容"))
    c["author_id"] = _opt_id(rec, "用户id")
    c["author_name"] = _str(rec.get("昵称"))
    c["created_at"] = _time(rec, "上传时间", "ms")
    c["location"] = _location(rec.get("ip归属地"))
    c["likes"] = _count(rec, "点赞数量")
    c["raw"] = rec
    return c


# ---------------------------------------------------------------------------
# weibo-search and weibo-crawler (dataabc; CSV with Chinese headers)
# ---------------------------------------------------------------------------

_WB_COUNTS = (("likes", "点赞数"), ("comments", "评论数"), ("shares", "转发数"))


def _weibo_url(user_id: str | None, bid: str | None, post_id: str) -> str:
    if user_id and bid:
        return f"https://weibo.com/{user_id}/{bid}"
    return f"https://m.weibo.cn/status/{bid or post_id}"


def _weibo_csv_post(rec: dict, text_column: str) -> dict:
    post = _new_post("weibo")
    post_id = _id(rec, "id")
    post["post_id"] = post_id
    text = _text(rec.get(text_column))
    post["text"] = text
    user_id = _opt_id(rec, "user_id") if "user_id" in rec else _opt_id(rec, "用户id")
    post["author_id"] = user_id
    post["author_name"] = _str(_first(rec, "用户昵称", "昵称", "screen_name"))
    post["url"] = _weibo_url(user_id, _str(rec.get("bid")), post_id)
    time_column = "发布时间" if rec.get("发布时间") else "日期"
    post["created_at"] = _time(rec, time_column, "auto")
    post["location"] = _str(_first(rec, "ip", "IP属地", "ip属地", "发布位置", "位置"))
    _set_counts(post, rec, _WB_COUNTS)
    post["hashtags"] = _merge(extract_hashtags(text), _list(rec, "话题"))
    post["mentions"] = _merge(
        extract_mentions(text), _list(rec, "艾特用户" if "艾特用户" in rec else "@用户")
    )
    post["lang"] = detect_lang(text)
    post["status"] = _weibo_status(rec, text)
    post["raw"] = rec
    return post


def _weibo_search(rec: dict) -> dict:
    return _weibo_csv_post(rec, "微博正文")


def _weibo_crawler(rec: dict) -> dict:
    return _weibo_csv_post(rec, "正文")


# ---------------------------------------------------------------------------
# Reddit (Pushshift / Arctic Shift dumps)
# ---------------------------------------------------------------------------

_REDDIT_GONE = frozenset({"[removed]", "[deleted]"})


def _reddit_author(rec: Mapping) -> str | None:
    name = _str(rec.get("author"))
    return None if name in _REDDIT_GONE else name


def _reddit_url(rec: Mapping) -> str | None:
    permalink = _str(rec.get("permalink"))
    if permalink:
        return "https://www.reddit.com" + permalink if permalink.startswith("/") else permalink
    return _str(rec.get("url"))


def _reddit_submission(rec: dict) -> dict:
    post = _new_post("reddit")
    post["post_id"] = _id(rec, "id")
    selftext = _text(rec.get("selftext"))
    status = _status(rec)
    if selftext.strip() in _REDDIT_GONE:
        status = "deleted"
        selftext = ""
    elif rec.get("removed_by_category"):
        status = "deleted"
    title = _str(rec.get("title"))
    post["title"] = title
    post["text"] = selftext
    post["url"] = _reddit_url(rec)
    post["author_id"] = _str(rec.get("author_fullname"))
    post["author_name"] = _reddit_author(rec)
    post["created_at"] = _time(rec, "created_utc", "s")
    score = _signed(rec, "score")
    n_comments = _count(rec, "num_comments")
    post["likes"] = score
    post["comments"] = n_comments
    raw = post["counts_raw"]
    if score is not None:
        raw["likes"] = str(rec["score"])
    if n_comments is not None:
        raw["comments"] = str(rec["num_comments"])
    present = [n for n in (score, n_comments) if n is not None]
    post["engagement"] = sum(present) if present else None
    post["hashtags"] = _tags_of(title, selftext)
    post["mentions"] = _mentions_of(title, selftext)
    post["lang"] = detect_lang(f"{title or ''}\n{selftext}")
    post["status"] = status
    post["crawled_at"] = _time(rec, "retrieved_on", "s") if "retrieved_on" in rec else None
    post["raw"] = rec
    return post


def _strip_prefix(value: str | None) -> str | None:
    if value and len(value) > 3 and value[0] == "t" and value[2] == "_":
        return value[3:]
    return value


def _reddit_comment(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "id")
    c["post_id"] = _strip_prefix(_id(rec, "link_id"))
    c["platform"] = "reddit"
    parent = _str(rec.get("parent_id"))
    c["parent_comment_id"] = _strip_prefix(parent) if parent and parent.startswith("t1_") else None
    c["text"] = _text(rec.get("body"))
    c["author_id"] = _str(rec.get("author_fullname"))
    c["author_name"] = _reddit_author(rec)
    c["created_at"] = _time(rec, "created_utc", "s")
    c["likes"] = _signed(rec, "score")
    c["raw"] = rec
    return c


# ---------------------------------------------------------------------------
# X / Twitter API v2 (raw pages, tweet objects, twarc-csv)
# ---------------------------------------------------------------------------

_X_COUNTS = (
    ("likes", "public_metrics.like_count"),
    ("collects", "public_metrics.bookmark_count"),
    ("comments", "public_metrics.reply_count"),
    ("shares", "public_metrics.retweet_count"),
)


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


def _x_entities(rec: Mapping, column: str, key: str) -> list[str] | None:
    value = _dig(rec, column)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            try:
                return parse_list(value)
            except ValueError as exc:
                raise RowError(column, str(exc), _LIST_HINT) from None
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if isinstance(item, dict):
            item = item.get(key)
        if item:
            out.append(str(item))
    return list(dict.fromkeys(parse_list(out)))  # stripped, no empty items or NUL characters


def _x_tweet(rec: dict) -> dict:
    post = _new_post("x")
    post_id = _id(rec, "id")
    post["post_id"] = post_id
    flattened = "public_metrics.like_count" in rec or "author.username" in rec
    text = _text(_dig(rec, "note_tweet.text") or rec.get("text"))
    if flattened and "\\n" in text:  # twarc-csv writes newlines as a literal \n
        text = text.replace("\\r\\n", "\n").replace("\\n", "\n")
    post["text"] = text
    author_id = _opt_id(rec, "author_id")
    username = _str(_dig(rec, "author.username"))
    post["author_id"] = author_id
    post["author_name"] = username
    post["url"] = (
        f"https://x.com/{username}/status/{post_id}"
        if username
        else f"https://x.com/i/web/status/{post_id}"
    )
    post["created_at"] = _time(rec, "created_at", "auto")
    _set_counts(post, rec, _X_COUNTS)
    tags = _x_entities(rec, "entities.hashtags", "tag")
    post["hashtags"] = (
        _merge(tags, extract_hashtags(text)) if tags is not None else extract_hashtags(text)
    )
    mentions = _x_entities(rec, "entities.mentions", "username")
    post["mentions"] = (
        _merge(mentions, extract_mentions(text)) if mentions is not None else extract_mentions(text)
    )
    post["lang"] = detect_lang(text)
    post["status"] = _status(rec)
    post["raw"] = rec
    return post


def _x_expand(page: dict) -> Iterator[dict]:
    """The tweets of an API v2 page, each with its author from ``includes.users``."""
    data = page.get("data")
    if data is None:
        return
    if not isinstance(data, list):
        raise RowError("data", "'data' is not a list of tweets", "Give the raw API pages as saved.")
    includes = page.get("includes")
    users = {}
    if isinstance(includes, dict):
        for user in includes.get("users") or ():
            if isinstance(user, dict) and "id" in user:
                users[str(user["id"])] = user
    for tweet in data:
        if not isinstance(tweet, dict):
            raise RowError("data", "an element of 'data' is not a tweet object")
        if "author" not in tweet:
            user = users.get(str(tweet.get("author_id")))
            if user is not None:
                tweet = {**tweet, "author": user}
        yield tweet


# ---------------------------------------------------------------------------
# the generic preset, driven by a column mapping
# ---------------------------------------------------------------------------

#: Canonical fields a ``--map field=column`` may name (plus the aliases below).
GENERIC_FIELDS: tuple[str, ...] = (
    "post_id",
    "text",
    "title",
    "url",
    "author_id",
    "author_name",
    "created_at",
    "location",
    *COUNT_FIELDS,
    "hashtags",
    "mentions",
    "source_keywords",
    "status",
    "crawled_at",
    "platform",
)
_ALIASES = {
    "id": "post_id",
    "author": "author_name",
    "time": "created_at",
    "date": "created_at",
    "keyword": "source_keywords",
    "source_keyword": "source_keywords",
    "tags": "hashtags",
    "body": "text",
    "content": "text",
}


def generic_preset(
    mapping: Mapping[str, str],
    columns: Iterable[str] | None = None,
    *,
    file: str | None = None,
) -> Preset:
    """Build a preset from ``{canonical_field: column}`` (the CLI's ``--map``).

    Parameters
    ----------
    mapping : mapping of str to str
        Must name an id column (``post_id`` or ``id``) and a text column
        (``text``).  Counts are parsed like every preset's; ``hashtags``,
        ``mentions`` and ``source_keywords`` columns are read as lists and
        merged with the tags and mentions found in the text.  ``platform``
        names a column or is one of :data:`corpus.fields.PLATFORMS` for all
        rows (``other`` when not given).
    columns : iterable of str, optional
        The file's columns; when given, every mapped column must be one.
    file : str, optional
        For error messages.

    Raises
    ------
    ValidationError
        For an unknown canonical field or a mapping without id or text.
    InputError
        For a mapped column the file does not have (the message lists the
        columns it has).

    Examples
    --------
    >>> p = generic_preset({"id": "编号", "text": "正文", "likes": "点赞数"})
    >>> post = p.convert({"编号": "7", "正文": "找饭搭子 #美食", "点赞数": "1.2万"})
    >>> post["post_id"], post["likes"], post["counts_approximate"], post["hashtags"]
    ('7', 12000, True, ['美食'])
    """
    fields: dict[str, str] = {}
    for key, column in mapping.items():
        name = _ALIASES.get(key, key)
        if name not in GENERIC_FIELDS:
            raise ValidationError(
                f"--map {key}=...: {key!r} is not a field dazi knows",
                "Fields: " + ", ".join(GENERIC_FIELDS) + " (aliases: id, author, time, keyword).",
            )
        if name in fields:
            raise ValidationError(f"--map names the field {name!r} twice")
        fields[name] = str(column)
    missing = [f for f in ("post_id", "text") if f not in fields]
    if missing:
        raise ValidationError(
            "a column mapping must name at least an id column and a text column "
            f"(missing: {', '.join(missing)})",
            "Add e.g. --map post_id=笔记id --map text=描述.",
        )
    platform_value = fields.pop("platform", None)
    platform_column: str | None = None
    platform = "other"
    cols = list(columns) if columns is not None else None
    if platform_value is not None:
        if cols is not None and platform_value in cols:
            platform_column = platform_value
        elif platform_value in PLATFORMS:
            platform = platform_value
        elif cols is None:
            platform_column = platform_value
        else:
            raise InputError(
                f"--map platform={platform_value}: no such column, and not a platform name",
                f"Give a column, or one of: {', '.join(PLATFORMS)}.",
                file=file,
            )
    if cols is not None:
        unknown = [c for c in fields.values() if c not in cols]
        if unknown:
            raise InputError(
                f"mapped column(s) not in the file: {', '.join(map(repr, unknown))}",
                "Columns in the file: " + ", ".join(map(repr, cols)),
                file=file,
                column=unknown[0],
            )
    convert = _generic_converter(fields, platform, platform_column)
    required = tuple(fields.values()) + ((platform_column,) if platform_column else ())
    return Preset(
        name="generic",
        platform=platform,
        kind="posts",
        columns=tuple(dict.fromkeys(required)),
        convert=convert,
        time_unit="auto",
        description="columns named with --map field=column",
    )


def _generic_converter(
    fields: dict[str, str], platform: str, platform_column: str | None
) -> Callable[[dict], dict]:
    id_col = fields["post_id"]
    text_col = fields["text"]
    simple = [(f, fields[f]) for f in ("url", "author_name", "location") if f in fields]
    counts = tuple((f, fields[f]) for f in COUNT_FIELDS if f in fields)
    title_col = fields.get("title")
    author_id_col = fields.get("author_id")
    created_col = fields.get("created_at")
    crawled_col = fields.get("crawled_at")
    tags_col = fields.get("hashtags")
    mentions_col = fields.get("mentions")
    kw_col = fields.get("source_keywords")
    status_col = fields.get("status")

    def convert(rec: dict) -> dict:
        plat = platform
        if platform_column is not None:
            value = (_str(rec.get(platform_column)) or "other").lower()
            plat = value if value in PLATFORMS else "other"
        post = _new_post(plat)
        post["post_id"] = _id(rec, id_col)
        text = _text(rec.get(text_col))
        post["text"] = text
        title = _title(rec.get(title_col), text) if title_col else None
        post["title"] = title
        for fld, col in simple:
            post[fld] = _str(rec.get(col))
        if author_id_col:
            post["author_id"] = _opt_id(rec, author_id_col)
        if created_col:
            post["created_at"] = _time(rec, created_col, "auto")
        if crawled_col:
            post["crawled_at"] = _time(rec, crawled_col, "auto")
        _set_counts(post, rec, counts)
        tags = _tags_of(title, text)
        post["hashtags"] = _merge(tags, _list(rec, tags_col)) if tags_col else tags
        mentions = _mentions_of(title, text)
        post["mentions"] = _merge(mentions, _list(rec, mentions_col)) if mentions_col else mentions
        if kw_col:
            post["source_keywords"] = _list(rec, kw_col)
        if status_col:
            post["status"] = _status({"status": rec.get(status_col)})
        post["lang"] = detect_lang(text or title)
        post["raw"] = rec
        return post

    return convert


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

_PRESET_LIST: tuple[Preset, ...] = (
    Preset(
        "mediacrawler-xhs-notes",
        "xiaohongshu",
        "posts",
        columns=("note_id", "desc", "liked_count", "collected_count", "time"),
        markers=(
            "type",
            "title",
            "note_url",
            "tag_list",
            "image_list",
            "share_count",
            "comment_count",
            "last_modify_ts",
            "source_keyword",
            "xsec_token",
            "creator_hash",
        ),
        time_unit="ms",
        convert=_mc_xhs_note,
        variant=_xhs_variant,
        description="MediaCrawler Xiaohongshu notes (any output format; 2024 to 2026 schemas)",
    ),
    Preset(
        "mediacrawler-xhs-comments",
        "xiaohongshu",
        "comments",
        columns=("comment_id", "note_id", "content", "create_time", "like_count"),
        markers=(
            "sub_comment_count",
            "pictures",
            "parent_comment_id",
            "ip_location",
            "last_modify_ts",
        ),
        time_unit="ms",
        convert=_mc_comment("xiaohongshu", "note_id", "like_count", "ms"),
        description="MediaCrawler Xiaohongshu comments",
    ),
    Preset(
        "mediacrawler-weibo-notes",
        "weibo",
        "posts",
        columns=(
            "note_id",
            "content",
            "create_time",
            "liked_count",
            "comments_count",
            "shared_count",
        ),
        markers=(
            "create_date_time",
            "note_url",
            "ip_location",
            "gender",
            "profile_url",
            "source_keyword",
        ),
        time_unit="s",
        convert=_mc_weibo_note,
        description="MediaCrawler Weibo posts (weibo_note)",
    ),
    Preset(
        "mediacrawler-weibo-comments",
        "weibo",
        "comments",
        columns=("comment_id", "note_id", "content", "create_time", "comment_like_count"),
        markers=("create_date_time", "sub_comment_count", "parent_comment_id", "ip_location"),
        time_unit="s",
        convert=_mc_comment("weibo", "note_id", "comment_like_count", "s"),
        description="MediaCrawler Weibo comments",
    ),
    Preset(
        "mediacrawler-douyin-aweme",
        "douyin",
        "posts",
        columns=("aweme_id", "desc", "create_time", "liked_count"),
        markers=(
            "aweme_type",
            "title",
            "aweme_url",
            "collected_count",
            "comment_count",
            "share_count",
            "sec_uid",
            "source_keyword",
        ),
        time_unit="s",
        convert=_mc_douyin_aweme,
        description="MediaCrawler Douyin videos (douyin_aweme)",
    ),
    Preset(
        "mediacrawler-douyin-comments",
        "douyin",
        "comments",
        columns=("comment_id", "aweme_id", "content", "create_time", "like_count"),
        markers=("sub_comment_count", "parent_comment_id", "ip_location", "pictures"),
        time_unit="s",
        convert=_mc_comment("douyin", "aweme_id", "like_count", "s"),
        description="MediaCrawler Douyin comments",
    ),
    Preset(
        "mediacrawler-bilibili-video",
        "bilibili",
        "posts",
        columns=("video_id", "title", "desc", "create_time", "video_play_count"),
        markers=(
            "video_type",
            "liked_count",
            "video_favorite_count",
            "video_share_count",
            "video_coin_count",
            "video_danmaku",
            "video_comment",
            "video_url",
            "source_keyword",
        ),
        time_unit="s",
        convert=_mc_bilibili_video,
        description="MediaCrawler Bilibili videos (bilibili_video)",
    ),
    Preset(
        "mediacrawler-bilibili-comments",
        "bilibili",
        "comments",
        columns=(
            "comment_id",
            "video_id",
            "content",
            "create_time",
            "like_count",
            "parent_comment_id",
        ),
        markers=("sub_comment_count",),
        time_unit="s",
        convert=_mc_comment("bilibili", "video_id", "like_count", "s"),
        description="MediaCrawler Bilibili comments",
    ),
    Preset(
        "spider-xhs-notes",
        "xiaohongshu",
        "posts",
        columns=("笔记id", "描述", "点赞数量"),
        markers=(
            "笔记url",
            "笔记类型",
            "标题",
            "收藏数量",
            "评论数量",
            "分享数量",
            "标签",
            "上传时间",
            "ip归属地",
        ),
        time_unit="ms",
        convert=_spider_xhs_note,
        description="Spider_XHS notes (Excel with Chinese headers)",
    ),
    Preset(
        "spider-xhs-comments",
        "xiaohongshu",
        "comments",
        columns=("笔记id", "评论id", "评论内容"),
        markers=("点赞数量", "上传时间", "ip归属地", "昵称"),
        time_unit="ms",
        convert=_spider_xhs_comment,
        description="Spider_XHS comments (Excel with Chinese headers)",
    ),
    Preset(
        "weibo-search",
        "weibo",
        "posts",
        columns=("id", "微博正文"),
        markers=(
            "bid",
            "user_id",
            "用户昵称",
            "发布时间",
            "话题",
            "艾特用户",
            "转发数",
            "评论数",
            "点赞数",
            "发布位置",
            "发布工具",
        ),
        convert=_weibo_search,
        description="dataabc/weibo-search keyword search results (CSV)",
    ),
    Preset(
        "weibo-crawler",
        "weibo",
        "posts",
        columns=("id", "正文"),
        any_of=(("日期", "发布时间"),),
        markers=(
            "bid",
            "点赞数",
            "评论数",
            "转发数",
            "话题",
            "@用户",
            "位置",
            "工具",
            "原始图片url",
        ),
        convert=_weibo_crawler,
        description="dataabc/weibo-crawler user timelines (CSV)",
    ),
    Preset(
        "reddit-submissions",
        "reddit",
        "posts",
        columns=("id", "author", "created_utc", "title", "subreddit"),
        markers=("selftext", "score", "num_comments", "permalink", "url", "over_18"),
        time_unit="s",
        convert=_reddit_submission,
        description="Reddit submissions (Pushshift / Arctic Shift dumps)",
    ),
    Preset(
        "reddit-comments",
        "reddit",
        "comments",
        columns=("id", "author", "body", "created_utc", "link_id"),
        markers=("parent_id", "score", "subreddit", "permalink"),
        time_unit="s",
        convert=_reddit_comment,
        description="Reddit comments (Pushshift / Arctic Shift dumps)",
    ),
    Preset(
        "x-api-v2-pages",
        "x",
        "posts",
        columns=("data",),
        any_of=(("includes", "meta"),),
        markers=("includes", "meta", "__twarc", "errors"),
        convert=_x_tweet,
        expand=_x_expand,
        description="X API v2 response pages ({data, includes, meta}; twarc2 output)",
    ),
    Preset(
        "x-tweets",
        "x",
        "posts",
        columns=("id", "text", "created_at", "author_id"),
        markers=(
            "public_metrics",
            "public_metrics.like_count",
            "author.username",
            "lang",
            "conversation_id",
            "entities",
            "note_tweet",
            "edit_history_tweet_ids",
        ),
        convert=_x_tweet,
        description="X API v2 tweet objects (JSONL) or twarc-csv flattened columns",
    ),
)

#: All built-in presets by name, in detection order.
PRESETS: dict[str, Preset] = {p.name: p for p in _PRESET_LIST}


def get_preset(name: str) -> Preset:
    """The preset called *name*.

    Raises
    ------
    ValidationError
        For an unknown name; the message lists the known ones.
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise ValidationError(
            f"unknown preset {name!r}",
            "Known presets: " + ", ".join(PRESETS) + " (or use --map field=column).",
        ) from None


def rank_presets(columns: Iterable[str]) -> list[PresetMatch]:
    """All presets ranked by fit to *columns*, best first.

    A preset with all its required columns scores 10 plus its marker columns
    found; an incomplete one scores the share of required columns present.
    """
    cols = set(columns)
    matches = []
    for preset in _PRESET_LIST:
        missing = [c for c in preset.columns if c not in cols]
        for group in preset.any_of:
            if not any(c in cols for c in group):
                missing.append(" or ".join(group))
        if not missing:
            score = 10.0 + len(preset.columns) + sum(m in cols for m in preset.markers)
        else:
            found = len(preset.columns) + len(preset.any_of) - len(missing)
            score = found / (len(preset.columns) + len(preset.any_of))
        matches.append(PresetMatch(preset, score, tuple(missing)))
    matches.sort(key=lambda m: -m.score)
    return matches


def detect_preset(columns: Iterable[str], *, file: str | None = None) -> Preset:
    """The preset whose columns the file has (the best fit when several do).

    Raises
    ------
    InputError
        When no preset has all its columns; the message names the file, the
        columns found and the presets that came closest with what they miss.

    Examples
    --------
    >>> detect_preset(["note_id", "desc", "liked_count", "collected_count", "time"]).name
    'mediacrawler-xhs-notes'
    """
    cols = list(columns)
    ranked = rank_presets(cols)
    if ranked and ranked[0].complete:
        return ranked[0].preset
    closest = [m for m in ranked if m.score > 0][:3]
    near = "; ".join(f"{m.preset.name} (missing {', '.join(m.missing)})" for m in closest)
    shown = ", ".join(map(repr, cols[:40])) + (" ..." if len(cols) > 40 else "")
    raise InputError(
        "no preset recognises these columns: "
        + (shown or "(none)")
        + (f". Closest: {near}" if near else ""),
        "Name the id and text columns with --map post_id=COLUMN --map text=COLUMN "
        "(and likes=, created_at=, ... as needed), or force a preset with --preset NAME.",
        file=file,
    )


def check_columns(preset: Preset, columns: Iterable[str], *, file: str | None = None) -> None:
    """Raise :class:`InputError` if a forced preset's columns are missing from a file."""
    cols = list(columns)
    if preset.matches(cols) or preset.expand is not None and "data" in cols:
        return
    missing = [c for c in preset.columns if c not in cols]
    missing += [" or ".join(g) for g in preset.any_of if not any(c in cols for c in g)]
    raise InputError(
        f"preset {preset.name!r} needs column(s) {', '.join(map(repr, missing))}, "
        "which the file lacks. Columns found: " + ", ".join(map(repr, cols)),
        "Choose another preset, or let dazi detect it (omit --preset), or use --map.",
        file=file,
        column=missing[0] if missing else None,
    )
