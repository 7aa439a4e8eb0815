"""4CAT (digitalmethodsinitiative/4cat): its NDJSON and CSV downloads of Zeeschuimer datasources.

NDJSON: 4CAT keeps each imported item as the platform's object itself, with
Zeeschuimer's envelope (without ``data``) beside it as ``__import_meta``.
The preset ``4cat-ndjson`` reads ``__import_meta.source_platform`` of the
first line and hands the file to the platform's preset; the objects are read
by :mod:`.objects`, as in a Zeeschuimer export.

CSV: 4CAT's "Download csv" writes the columns its ``map_item`` returns
(``datasources/xiaohongshu/search_rednote.py``, ``datasources/douyin/
search_douyin.py``, ``datasources/tiktok/search_tiktok.py``,
``datasources/tiktok_comments/search_tiktok_comments.py``,
``datasources/instagram/search_instagram.py``); Zeeschuimer's own CSV
export writes the same columns, ``;``-separated (the reader detects the
delimiter).  ``timestamp`` is the 4CAT server's local time, so the exact
``unix_timestamp`` is read when present.  Missing values are empty cells.
"""

from __future__ import annotations

from collections.abc import Callable

from corpus.parsing import detect_lang, extract_hashtags, extract_mentions
from corpus.presets import objects
from corpus.presets.base import PRESETS, Preset, RowError, register
from corpus.presets.values import (
    _BLANK_COMMENT,
    _count,
    _first,
    _id,
    _list,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _str,
    _tags_of,
    _text,
    _time_of,
    _title,
)
from corpus.presets.zeeschuimer import _PLATFORMS, unknown_platform

_SOURCE = "4CAT 1.4x (digitalmethodsinitiative/4cat); "
_META = "__import_meta"


# ---------------------------------------------------------------------------
# NDJSON
# ---------------------------------------------------------------------------


def _ndjson_converter(expected: str, read: Callable) -> Callable[[dict], dict]:
    def convert(rec: dict) -> dict:
        meta = rec.get(_META)
        if not isinstance(meta, dict):
            raise RowError(_META, f"the line has no {_META} object", "Export the dataset from 4CAT again.")
        if meta.get("source_platform") != expected:
            raise RowError(
                f"{_META}.source_platform",
                f"this line holds a {meta.get('source_platform')!r} item, but the file's first "
                f"line a {expected!r} one",
                "Download each 4CAT dataset separately and import each file.",
            )
        item = read(rec, meta, "")
        item["raw"] = rec
        return item

    return convert


def _choose(rec: dict) -> Preset:
    meta = rec.get(_META)
    platform = meta.get("source_platform") if isinstance(meta, dict) else None
    if not isinstance(platform, str) or not platform:
        raise RowError(f"{_META}.source_platform", "the first line does not name its platform")
    entry = _PLATFORMS.get(platform)
    if entry is None:
        raise unknown_platform(platform, f"{_META}.source_platform")
    return PRESETS["4cat-" + entry[0].removeprefix("zeeschuimer-")]


def _no_convert(rec: dict) -> dict:
    raise RowError(_META, "a 4CAT NDJSON file is read by its platform's preset")


register(
    Preset(
        "4cat-ndjson",
        "other",
        "posts",
        columns=(_META,),
        convert=_no_convert,
        choose=_choose,
        source=_SOURCE + "datasources/*/search_*.py (import_from_file keeps __import_meta)",
        description="4CAT NDJSON download of a Zeeschuimer dataset (platform from __import_meta)",
    )
)
for _name, (_zs_name, _platform, _kind, _read, _module) in _PLATFORMS.items():
    register(
        Preset(
            "4cat-" + _zs_name.removeprefix("zeeschuimer-"),
            _platform,
            _kind,
            columns=(_META,),
            convert=_ndjson_converter(_name, _read),
            detect=False,
            source=_SOURCE + f"NDJSON of Zeeschuimer's {_module}",
            description=f"4CAT NDJSON of {_name}",
        )
    )


# ---------------------------------------------------------------------------
# CSV (4CAT's download, Zeeschuimer's ;-separated export)
# ---------------------------------------------------------------------------


def _csv_time(rec: dict) -> object:
    if rec.get("unix_timestamp") not in (None, ""):
        return _time_of(rec.get("unix_timestamp"), "unix_timestamp")
    return _time_of(rec.get("timestamp"), "timestamp")


def _csv_post(platform: str, rec: dict) -> dict:
    post = _new_post(platform)
    post["post_id"] = _id(rec, "id")
    post["created_at"] = _csv_time(rec)
    keyword = objects._keyword({"source_platform_url": _first(rec, "collected_from_url", "post_source_domain")})
    post["source_keywords"] = keyword
    post["raw"] = rec
    return post


def _rednote_csv(rec: dict) -> dict:
    post = _csv_post("xiaohongshu", rec)
    text = _text(rec.get("body"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("url"))
    post["author_name"] = _str(rec.get("author"))
    _set_counts(post, rec, (("likes", "likes"),))
    post["hashtags"] = _merge(_tags_of(title, text), _list(rec, "hashtags"))
    post["mentions"] = extract_mentions(text)
    post["lang"] = detect_lang(text or title)
    return post


def _douyin_csv(rec: dict) -> dict:
    post = _csv_post("douyin", rec)
    text = _text(rec.get("body"))
    post["text"] = text
    post["url"] = _str(rec.get("post_url"))
    post["author_id"] = _opt_id(rec, "author_user_id")
    post["author_name"] = _str(rec.get("author_nickname"))
    post["location"] = _str(rec.get("region"))
    _set_counts(
        post,
        rec,
        (
            ("likes", "digg_count"),
            ("collects", "collect_count"),
            ("comments", "comment_count"),
            ("shares", "share_count"),
        ),
    )
    post["hashtags"] = _merge(_list(rec, "hashtags"), extract_hashtags(text))
    post["mentions"] = extract_mentions(text)
    post["lang"] = detect_lang(text)
    return post


def _tiktok_csv(rec: dict) -> dict:
    post = _csv_post("tiktok", rec)
    text = _text(rec.get("body"))
    post["text"] = text
    post["url"] = _str(rec.get("tiktok_url"))
    post["author_id"] = _opt_id(rec, "author_id") or _str(rec.get("author"))
    post["author_name"] = _str(rec.get("author"))
    post["location"] = _str(rec.get("location_created"))
    _set_counts(post, rec, (("likes", "likes"), ("comments", "comments"), ("shares", "shares")))
    post["hashtags"] = _merge(_list(rec, "hashtags"), extract_hashtags(text))
    post["mentions"] = extract_mentions(text)
    post["lang"] = detect_lang(text)
    return post


def _instagram_csv(rec: dict) -> dict:
    post = _csv_post("instagram", rec)
    text = _text(rec.get("body"))
    post["text"] = text
    post["url"] = _str(rec.get("url"))
    post["author_name"] = _str(rec.get("author"))
    post["location"] = _str(rec.get("location_name"))
    _set_counts(post, rec, (("likes", "num_likes"), ("comments", "num_comments")))
    if post["comments"] is not None and rec.get("num_comments") == "-1":  # 4CAT's "unknown"
        post["comments"] = None
    post["hashtags"] = _merge(_list(rec, "hashtags"), extract_hashtags(text))
    post["mentions"] = extract_mentions(text)
    post["lang"] = detect_lang(text)
    return post


def _tiktok_comment_csv(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "id")
    c["post_id"] = _id(rec, "post_id")
    c["platform"] = "tiktok"
    thread = _opt_id(rec, "thread_id")
    c["parent_comment_id"] = thread if thread and thread != c["post_id"] else None
    c["text"] = _text(rec.get("body"))
    c["author_id"] = _str(rec.get("author"))
    c["author_name"] = _str(rec.get("author"))
    c["created_at"] = _csv_time(rec)
    c["likes"] = _count(rec, "likes")
    c["raw"] = rec
    return c


def _rednote_comment_csv(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "id")
    c["post_id"] = _id(rec, "thread_id")
    c["platform"] = "xiaohongshu"
    c["text"] = _text(rec.get("body"))
    c["author_name"] = _str(rec.get("author"))
    c["created_at"] = _csv_time(rec)
    c["location"] = _str(rec.get("ip_location"))
    c["likes"] = _count(rec, "likes")
    c["raw"] = rec
    return c


_CSV = "4CAT CSV download or Zeeschuimer CSV export (;-separated) of "
for _preset in (
    Preset(
        "4cat-xiaohongshu-csv",
        "xiaohongshu",
        "posts",
        columns=("id", "thread_id", "title", "body", "author", "author_avatar_url", "likes"),
        markers=("url", "hashtags", "timestamp", "image_urls", "image_url", "video_url",
                 "unix_timestamp", "collected_from_url"),
        convert=_rednote_csv,
        source=_SOURCE + "datasources/xiaohongshu/search_rednote.py map_item",
        description=_CSV + "RedNote (xiaohongshu.com)",
    ),
    Preset(
        "4cat-xiaohongshu-comments-csv",
        "xiaohongshu",
        "comments",
        columns=("id", "thread_id", "body", "likes", "replies", "ip_location"),
        markers=("url", "timestamp", "author", "author_avatar_url", "unix_timestamp"),
        convert=_rednote_comment_csv,
        source=_SOURCE + "datasources/xiaohongshu_comments/search_rednote_comments.py map_item",
        description=_CSV + "RedNote comments (xiaohongshu-comments)",
    ),
    Preset(
        "4cat-douyin-csv",
        "douyin",
        "posts",
        columns=("id", "thread_id", "body", "digg_count", "author_nickname"),
        markers=("subject", "timestamp", "post_source_domain", "post_url", "region", "hashtags",
                 "mentions", "collect_count", "comment_count", "share_count", "play_count",
                 "author_user_id", "author_profile_url", "unix_timestamp"),
        convert=_douyin_csv,
        source=_SOURCE + "datasources/douyin/search_douyin.py map_item",
        description=_CSV + "Douyin (douyin.com)",
    ),
    Preset(
        "4cat-tiktok-csv",
        "tiktok",
        "posts",
        columns=("id", "thread_id", "author", "body", "likes", "comments", "shares"),
        any_of=(("tiktok_url", "author_full", "plays"),),
        markers=("author_full", "author_id", "author_followers", "timestamp", "unix_timestamp",
                 "music_name", "video_url", "tiktok_url", "thumbnail_url", "plays", "hashtags",
                 "stickers", "warning"),
        convert=_tiktok_csv,
        source=_SOURCE + "datasources/tiktok/search_tiktok.py map_item",
        description=_CSV + "TikTok (tiktok.com)",
    ),
    Preset(
        "4cat-tiktok-comments-csv",
        "tiktok",
        "comments",
        columns=("id", "thread_id", "body", "post_id", "likes"),
        any_of=(("comment_url", "post_url", "replies"),),
        markers=("author", "author_full", "author_avatar_url", "timestamp", "unix_timestamp",
                 "replies", "post_url", "post_body", "comment_url", "is_liked_by_post_author",
                 "is_sticky", "is_comment_on_comment", "language_guess", "collected_from_url"),
        convert=_tiktok_comment_csv,
        source=_SOURCE + "datasources/tiktok_comments/search_tiktok_comments.py map_item",
        description=_CSV + "TikTok comments (tiktok-comments)",
    ),
    Preset(
        "4cat-instagram-csv",
        "instagram",
        "posts",
        columns=("id", "thread_id", "body", "author", "num_likes"),
        markers=("post_source_domain", "parent_id", "author_fullname", "author_avatar_url",
                 "timestamp", "type", "url", "image_url", "media_url", "hashtags", "num_comments",
                 "num_media", "location_name", "unix_timestamp"),
        convert=_instagram_csv,
        source=_SOURCE + "datasources/instagram/search_instagram.py map_item",
        description=_CSV + "Instagram (instagram.com)",
    ),
):
    register(_preset)
