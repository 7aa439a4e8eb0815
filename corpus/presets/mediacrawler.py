"""MediaCrawler (NanmiCoder/MediaCrawler): seven platforms, contents and comments, every store.

MediaCrawler writes the same record whatever the store: csv (UTF-8 with BOM),
json, jsonl, its Excel workbook (sheets Contents, Comments, Creators), or its
SQLite database (tables ``xhs_note``, ``douyin_aweme``, ``kuaishou_video``,
``bilibili_video``, ``weibo_note``, ``tieba_note``, ``zhihu_content`` and the
matching ``*_comment``; creator sheets and tables are skipped by the loader).
Field names follow the tool's ``store/<platform>/__init__.py`` (the
``save_content_item`` and ``save_comment_item`` dicts) and ``model/m_*.py``
(tieba, zhihu).

Both schema generations are read: before 2026-07 records carry ``user_id``,
``avatar``, ``ip_location`` (and ``gender`` on Weibo); since 2026-07-01 they
carry ``creator_hash`` (a hash of the user id) instead, nicknames are masked
(``张***三``) and every id is a string.  Counts are strings (``"1.2万"``).
Times are read by magnitude (the tool writes milliseconds for Xiaohongshu and
Kuaishou, seconds elsewhere, but files edited in Excel or by other scripts
mix them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from corpus.parsing import detect_lang
from corpus.presets.base import Preset, register
from corpus.presets.values import (
    _BLANK_COMMENT,
    _count,
    _id,
    _list,
    _mentions_of,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _status,
    _str,
    _tags_of,
    _text,
    _time,
    _title,
)


def _source(platform: str) -> str:
    return f"MediaCrawler (NanmiCoder), 2024 to 2026 schemas; store/{platform}/__init__.py"

_XHS_COUNTS = (
    ("likes", "liked_count"),
    ("collects", "collected_count"),
    ("comments", "comment_count"),
    ("shares", "share_count"),
)


def _mc_author_id(rec: Mapping) -> str | None:
    # Files since 2026-07 drop user_id and carry creator_hash (a hash of it).
    author = _opt_id(rec, "user_id")
    return author if author is not None else _opt_id(rec, "creator_hash")


def _mc_author(rec: Mapping, post: dict, name_column: str = "nickname") -> None:
    post["author_id"] = _mc_author_id(rec)
    post["author_name"] = _str(rec.get(name_column))


def _mc_keywords(rec: Mapping) -> list[str]:
    kw = rec.get("source_keyword")
    if not kw:
        return []
    kw = _str(kw)
    return [kw] if kw else []


def _mc_post(post: dict, rec: dict, *, created_at: object, counts: tuple[tuple[str, str], ...],
             lang_text: str | None = None, hashtags: list[str] | None = None, status: str | None = None) -> dict:
    """Fill the fields every MediaCrawler content table gives the same way, once the converter has set the
    id, title, text, url and author: time, place, counts, tags and mentions (from title and text), keyword,
    language, status, collection time and the raw record."""
    title, text = post["title"], post["text"]
    post["created_at"] = created_at
    post["location"] = _str(rec.get("ip_location"))
    _set_counts(post, rec, counts)
    post["hashtags"] = _tags_of(title, text) if hashtags is None else hashtags
    post["mentions"] = _mentions_of(title, text)
    post["source_keywords"] = _mc_keywords(rec)
    post["lang"] = detect_lang(text or title if lang_text is None else lang_text)
    post["status"] = _status(rec) if status is None else status
    post["crawled_at"] = _time(rec, "last_modify_ts")
    post["raw"] = rec
    return post


def _mc_xhs_note(rec: dict) -> dict:
    post = _new_post("xiaohongshu")
    post["post_id"] = _id(rec, "note_id")
    text = _text(rec.get("desc"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("note_url"))
    _mc_author(rec, post)
    return _mc_post(post, rec, created_at=_time(rec, "time"), counts=_XHS_COUNTS,
                    hashtags=_merge(_tags_of(title, text), _list(rec, "tag_list")))


def _xhs_variant(cols: frozenset[str]) -> str:
    if "creator_hash" in cols and "user_id" not in cols:
        return "2026-07+ schema (creator_hash, masked nicknames, no user_id/avatar/ip_location)"
    if "source_keyword" in cols:
        return "2024-12 to 2026-06 schema (with source_keyword, xsec_token)"
    return "2024 schema (no source_keyword, no xsec_token)"


def _mc_comment(
    platform: str,
    post_column: str,
    like_column: str | None,
    time_column: str = "create_time",
    parent_column: str = "parent_comment_id",
    name_column: str = "nickname",
) -> Callable[[dict], dict]:
    """A converter for MediaCrawler's comment tables, which share one layout."""

    def convert(rec: dict) -> dict:
        c = _BLANK_COMMENT.copy()
        c["comment_id"] = _id(rec, "comment_id")
        c["post_id"] = _id(rec, post_column)
        c["platform"] = platform
        parent = _opt_id(rec, parent_column)
        c["parent_comment_id"] = None if parent in (None, "0") else parent
        c["text"] = _text(rec.get("content"))
        c["author_id"] = _mc_author_id(rec)
        c["author_name"] = _str(rec.get(name_column))
        c["created_at"] = _time(rec, time_column)
        c["location"] = _str(rec.get("ip_location"))
        c["likes"] = _count(rec, like_column) if like_column else None
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
    created = _time(rec, "create_time")
    if created is None:
        created = _time(rec, "create_date_time")
    return _mc_post(post, rec, created_at=created, counts=_WEIBO_COUNTS, lang_text=text,
                    status=_weibo_status(rec, text))


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
    return _mc_post(post, rec, created_at=_time(rec, "create_time"), counts=_DOUYIN_COUNTS)


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
    return _mc_post(post, rec, created_at=_time(rec, "create_time"), counts=_BILI_COUNTS,
                    lang_text=f"{title or ''}\n{text}")




_KS_COUNTS = (("likes", "liked_count"),)


def _mc_kuaishou_video(rec: dict) -> dict:
    post = _new_post("kuaishou")
    post["post_id"] = _id(rec, "video_id")
    text = _text(rec.get("desc"))
    title = _title(rec.get("title"), text)  # the tool writes the caption as both
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("video_url"))
    _mc_author(rec, post)
    # viewd_count (sic) is views, not engagement: kept in raw
    return _mc_post(post, rec, created_at=_time(rec, "create_time"), counts=_KS_COUNTS)


_TIEBA_COUNTS = (("comments", "total_replay_num"),)


def _mc_tieba_note(rec: dict) -> dict:
    post = _new_post("tieba")
    post["post_id"] = _id(rec, "note_id")
    text = _text(rec.get("desc"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("note_url"))
    post["author_id"] = _opt_id(rec, "creator_hash") or _str(rec.get("user_link"))
    post["author_name"] = _str(rec.get("user_nickname"))
    _mc_post(post, rec, created_at=_time(rec, "publish_time"), counts=_TIEBA_COUNTS,
             lang_text=f"{title or ''}\n{text}")
    tieba = _str(rec.get("tieba_name"))
    if tieba and not post["source_keywords"]:
        post["source_keywords"] = [tieba]
    return post


def _mc_tieba_comment(rec: dict) -> dict:
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _id(rec, "comment_id")
    c["post_id"] = _id(rec, "note_id")
    c["platform"] = "tieba"
    # the tool's model spells it parment_comment_id
    parent = _opt_id(rec, "parment_comment_id") or _opt_id(rec, "parent_comment_id")
    c["parent_comment_id"] = None if parent in (None, "0") else parent
    c["text"] = _text(rec.get("content"))
    c["author_id"] = _opt_id(rec, "creator_hash") or _str(rec.get("user_link"))
    c["author_name"] = _str(rec.get("user_nickname"))
    c["created_at"] = _time(rec, "publish_time")
    c["location"] = _str(rec.get("ip_location"))
    c["raw"] = rec
    return c


_ZHIHU_COUNTS = (("likes", "voteup_count"), ("comments", "comment_count"))


def _mc_zhihu_content(rec: dict) -> dict:
    post = _new_post("zhihu")
    post["post_id"] = _id(rec, "content_id")
    text = _text(rec.get("content_text") or rec.get("desc"))
    title = _title(rec.get("title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _str(rec.get("content_url"))
    post["author_id"] = _mc_author_id(rec) or _str(rec.get("user_url_token"))
    post["author_name"] = _str(rec.get("user_nickname"))
    return _mc_post(post, rec, created_at=_time(rec, "created_time"), counts=_ZHIHU_COUNTS,
                    lang_text=f"{title or ''}\n{text}")


def _generation(cols: frozenset[str]) -> str | None:
    if "creator_hash" in cols and "user_id" not in cols:
        return "2026-07+ schema (creator_hash, masked nicknames, string ids)"
    return None


for _preset in (
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
        convert=_mc_xhs_note,
        variant=_xhs_variant,
        source=_source("xhs"),
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
        convert=_mc_comment("xiaohongshu", "note_id", "like_count"),
        source=_source("xhs"),
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
        convert=_mc_weibo_note,
        variant=_generation,
        source=_source("weibo"),
        description="MediaCrawler Weibo posts (weibo_note)",
    ),
    Preset(
        "mediacrawler-weibo-comments",
        "weibo",
        "comments",
        columns=("comment_id", "note_id", "content", "create_time", "comment_like_count"),
        markers=("create_date_time", "sub_comment_count", "parent_comment_id", "ip_location"),
        convert=_mc_comment("weibo", "note_id", "comment_like_count"),
        source=_source("weibo"),
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
        convert=_mc_douyin_aweme,
        variant=_generation,
        source=_source("douyin"),
        description="MediaCrawler Douyin videos (douyin_aweme)",
    ),
    Preset(
        "mediacrawler-douyin-comments",
        "douyin",
        "comments",
        columns=("comment_id", "aweme_id", "content", "create_time", "like_count"),
        markers=("sub_comment_count", "parent_comment_id", "ip_location", "pictures"),
        convert=_mc_comment("douyin", "aweme_id", "like_count"),
        source=_source("douyin"),
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
        convert=_mc_bilibili_video,
        variant=_generation,
        source=_source("bilibili"),
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
        convert=_mc_comment("bilibili", "video_id", "like_count"),
        source=_source("bilibili"),
        description="MediaCrawler Bilibili comments",
    ),
    Preset(
        "mediacrawler-kuaishou-video",
        "kuaishou",
        "posts",
        columns=("video_id", "desc", "create_time", "liked_count", "viewd_count"),
        markers=(
            "video_type",
            "title",
            "video_url",
            "video_cover_url",
            "video_play_url",
            "source_keyword",
            "creator_hash",
        ),
        convert=_mc_kuaishou_video,
        variant=_generation,
        source=_source("kuaishou"),
        description="MediaCrawler Kuaishou videos (kuaishou_video)",
    ),
    Preset(
        "mediacrawler-kuaishou-comments",
        "kuaishou",
        "comments",
        columns=("comment_id", "video_id", "content", "create_time", "sub_comment_count"),
        markers=("nickname", "avatar", "user_id", "creator_hash", "last_modify_ts"),
        convert=_mc_comment("kuaishou", "video_id", None),
        source=_source("kuaishou"),
        description="MediaCrawler Kuaishou comments",
    ),
    Preset(
        "mediacrawler-tieba-notes",
        "tieba",
        "posts",
        columns=("note_id", "title", "note_url", "tieba_name"),
        markers=(
            "desc",
            "publish_time",
            "user_nickname",
            "user_link",
            "tieba_link",
            "total_replay_num",
            "total_replay_page",
            "ip_location",
            "creator_hash",
        ),
        convert=_mc_tieba_note,
        variant=_generation,
        source="MediaCrawler (NanmiCoder); model/m_baidu_tieba.py TiebaNote",
        description="MediaCrawler Baidu Tieba threads (tieba_note)",
    ),
    Preset(
        "mediacrawler-tieba-comments",
        "tieba",
        "comments",
        columns=("comment_id", "content", "note_id", "tieba_name"),
        any_of=(("parment_comment_id", "parent_comment_id"),),
        markers=("publish_time", "user_nickname", "sub_comment_count", "note_url", "ip_location"),
        convert=_mc_tieba_comment,
        source="MediaCrawler (NanmiCoder); model/m_baidu_tieba.py TiebaComment",
        description="MediaCrawler Baidu Tieba replies",
    ),
    Preset(
        "mediacrawler-zhihu-content",
        "zhihu",
        "posts",
        columns=("content_id", "content_type", "content_text", "created_time"),
        markers=(
            "content_url",
            "question_id",
            "title",
            "desc",
            "updated_time",
            "voteup_count",
            "comment_count",
            "source_keyword",
            "user_nickname",
            "user_link",
            "creator_hash",
        ),
        convert=_mc_zhihu_content,
        variant=_generation,
        source="MediaCrawler (NanmiCoder); model/m_zhihu.py ZhihuContent",
        description="MediaCrawler Zhihu answers, articles and videos (zhihu_content)",
    ),
    Preset(
        "mediacrawler-zhihu-comments",
        "zhihu",
        "comments",
        columns=("comment_id", "content", "publish_time", "content_id"),
        markers=(
            "parent_comment_id",
            "like_count",
            "dislike_count",
            "sub_comment_count",
            "content_type",
            "user_nickname",
            "ip_location",
        ),
        convert=_mc_comment(
            "zhihu", "content_id", "like_count", time_column="publish_time", name_column="user_nickname"
        ),
        source="MediaCrawler (NanmiCoder); model/m_zhihu.py ZhihuComment",
        description="MediaCrawler Zhihu comments",
    ),
):
    register(_preset)
