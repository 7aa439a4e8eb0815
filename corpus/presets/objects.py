"""Platform objects as Zeeschuimer captures them, shared by its envelopes and 4CAT's NDJSON.

Zeeschuimer (digitalmethodsinitiative/zeeschuimer, ``modules/*.js``) stores
what the platform's web app received: API objects, objects embedded in the
page, or (RedNote) items read from the page's HTML.  A Zeeschuimer export
wraps each in an envelope (``{..., "data": object}``, :mod:`.zeeschuimer`);
4CAT's NDJSON download is the object itself with the envelope beside it as
``__import_meta`` (:mod:`.fourcat`).  The converters here read the object and
take the envelope (``meta``) for the collection time and the page it was
collected from.  The field paths follow 4CAT's ``map_item`` functions
(``datasources/xiaohongshu/search_rednote.py``, ``datasources/douyin/
search_douyin.py``, ``datasources/tiktok/search_tiktok.py``,
``datasources/tiktok_comments/search_tiktok_comments.py``,
``datasources/instagram/search_instagram.py``).

Each converter takes ``(obj, meta, prefix)``; *prefix* (``"data."`` or
``""``) makes error messages name the field as the file holds it
(``data.note_card.time``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from corpus.parsing import detect_lang, extract_hashtags, extract_mentions
from corpus.presets.base import RowError
from corpus.presets.values import (
    _BLANK_COMMENT,
    _count,
    _id,
    _mentions_of,
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

__all__ = [
    "douyin_video",
    "instagram_post",
    "rednote_comment",
    "rednote_note",
    "tiktok_comment",
    "tiktok_video",
]

_SHAPE_HINT = (
    "The item does not have the shape this tool writes; export it again from the tool, "
    "or remove this line."
)


def _obj(parent: Mapping, key: str, path: str, *, required: bool = False) -> dict:
    """``parent[key]`` as a dict ({} when absent); anything else is a RowError at *path*."""
    value = parent.get(key)
    if value is None or value == "$undefined":
        if required:
            raise RowError(path, f"the field {path!r} is missing", _SHAPE_HINT)
        return {}
    if not isinstance(value, dict):
        raise RowError(path, f"the field {path!r} is not an object", _SHAPE_HINT)
    return value


def _objs(parent: Mapping, key: str, path: str) -> list[dict]:
    """``parent[key]`` as a list of dicts ([] when absent); non-dict items are skipped."""
    value = parent.get(key)
    if value is None or value == "$undefined":
        return []
    if not isinstance(value, list):
        raise RowError(path, f"the field {path!r} is not a list", _SHAPE_HINT)
    return [v for v in value if isinstance(v, dict)]


def _names(items: list[dict], key: str) -> list[str]:
    out = []
    for item in items:
        name = _str(item.get(key))
        if name:
            out.append(name)
    return out


def _keyword(meta: Mapping | None) -> list[str]:
    """The search term of the page the item was collected from (``?keyword=``, ``?q=``)."""
    if not meta:
        return []
    url = meta.get("source_platform_url")
    if not url or type(url) is not str or ("?" not in url and "/search/" not in url):
        return []
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    for key in ("keyword", "q", "query"):
        values = query.get(key)
        if values and values[0].strip():
            return [values[0].strip()]
    path = unquote(parts.path)
    if path.startswith("/search/") and len(path) > 8:  # douyin.com/search/<term>
        return [path[8:].split("/", 1)[0].strip()]
    return []


def _collected(meta: Mapping | None, prefix: str) -> object:
    if not meta:
        return None
    column = "timestamp_collected" if prefix else "__import_meta.timestamp_collected"
    return _time_of(meta.get("timestamp_collected"), column)


# ---------------------------------------------------------------------------
# RedNote (Xiaohongshu): modules/rednote.js, modules/rednote-comments.js
# ---------------------------------------------------------------------------

_XHS = "https://www.xiaohongshu.com"


def _rednote_url(note_id: str, token: object) -> str:
    token = _str(token)
    return f"{_XHS}/explore/{note_id}" + (f"?xsec_token={token}" if token else "")


def rednote_note(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """A RedNote note from any of Zeeschuimer's three shapes.

    - API objects (``note_card``: ``display_title``, ``desc``, ``time`` in
      ms, ``user``, ``interact_info`` counts as text like "1.2万",
      ``tag_list``); search results may lack ``desc`` and ``time``.
    - Objects embedded in the page (``note``, camelCase: ``interactInfo``,
      ``tagList``, ``xsecToken``).
    - Items read from the page's HTML (``"_zs-origin": "html"``: ``id``,
      ``url``, ``title``, ``author_name``, ``likes``; no text, no time):
      imported with what they have; the loader reports them.
    """
    post = _new_post("xiaohongshu")
    post["source_keywords"] = _keyword(meta)
    post["crawled_at"] = _collected(meta, prefix)
    post["raw"] = obj
    if obj.get("_zs-origin") == "html":
        note_id = _prefixed(_id, obj, "id", prefix)
        post["post_id"] = note_id
        post["title"] = _str(obj.get("title"))
        url = _str(obj.get("url"))
        post["url"] = (_XHS + url if url and url.startswith("/") else url) or _rednote_url(note_id, None)
        post["author_name"] = _str(obj.get("author_name"))
        _set_counts(post, obj, (("likes", "likes"),))
        post["lang"] = detect_lang(post["title"])
        return post
    if "note" in obj:
        note = _obj(obj, "note", prefix + "note")
        p = prefix + "note."
        note_id = _str(obj.get("id")) or _str(note.get("noteId")) or _str(note.get("id"))
        if not note_id:
            raise RowError(prefix + "id", "the note has no id", _SHAPE_HINT)
        user = _obj(note, "user", p + "user")
        counts = _obj(note, "interactInfo", p + "interactInfo") or _obj(
            note, "interact_info", p + "interact_info"
        )
        spec = (
            ("likes", "likedCount"),
            ("collects", "collectedCount"),
            ("comments", "commentCount"),
            ("shares", "shareCount"),
        )
        tags = _names(_objs(note, "tagList", p + "tagList"), "name")
        token = note.get("xsecToken") or obj.get("xsec_token")
        time_column, location = "time", note.get("ipLocation")
        author_id = _str(user.get("userId")) or _str(user.get("user_id"))
    else:
        card = obj.get("note_card")
        p = prefix + "note_card."
        if card is None and ("interact_info" in obj or "desc" in obj):
            note, p = obj, prefix  # a video item: its fields are at the top (4CAT's map_item)
        else:
            note = _obj(obj, "note_card", prefix + "note_card")
            if not note:
                raise RowError(
                    prefix + "note_card",
                    "a RedNote item without the note (no note_card, note or HTML fields): "
                    "a thumbnail stub with no content",
                    "Zeeschuimer also captures such stubs (e.g. from hover cards); remove this "
                    "line, or import with --skip-bad-rows.",
                )
        note_id = _str(obj.get("id")) or _str(obj.get("note_id")) or _str(note.get("note_id"))
        if not note_id:
            raise RowError(prefix + "id", "the note has no id", _SHAPE_HINT)
        user = _obj(note, "user", p + "user")
        counts = _obj(note, "interact_info", p + "interact_info")
        spec = (
            ("likes", "liked_count"),
            ("collects", "collected_count"),
            ("comments", "comment_count"),
            ("shares", "share_count"),
        )
        tags = _names(_objs(note, "tag_list", p + "tag_list"), "name")
        token = obj.get("xsec_token") or note.get("xsec_token")
        time_column, location = "time", note.get("ip_location")
        author_id = _str(user.get("user_id")) or _str(user.get("userId"))
    post["post_id"] = note_id
    text = _text(note.get("desc"))
    title = _title(note.get("title") or note.get("display_title"), text)
    post["title"] = title
    post["text"] = text
    post["url"] = _rednote_url(note_id, token)
    post["author_id"] = author_id
    post["author_name"] = _str(user.get("nickname") or user.get("nick_name"))
    post["created_at"] = _time_of(note.get(time_column), p + time_column, collected_at=post["crawled_at"])
    post["location"] = _str(location)
    try:
        _set_counts(post, counts, spec)
    except RowError as exc:
        raise RowError(p + "interact_info." + str(exc.column), exc.reason, exc.hint) from None
    post["hashtags"] = _merge(_tags_of(title, text), tags)
    post["mentions"] = _mentions_of(title, text)
    post["lang"] = detect_lang(text or title)
    return post


def rednote_comment(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """A RedNote comment (``id``, ``note_id``, ``content``, ``create_time`` ms, ``user_info``)."""
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _prefixed(_id, obj, "id", prefix)
    c["post_id"] = _prefixed(_id, obj, "note_id", prefix)
    c["platform"] = "xiaohongshu"
    target = _obj(obj, "target_comment", prefix + "target_comment")
    c["parent_comment_id"] = _str(target.get("id"))
    c["text"] = _text(obj.get("content"))
    user = _obj(obj, "user_info", prefix + "user_info")
    c["author_id"] = _str(user.get("user_id"))
    c["author_name"] = _str(user.get("nickname"))
    c["created_at"] = _time_of(obj.get("create_time"), prefix + "create_time")
    c["location"] = _str(obj.get("ip_location"))
    c["likes"] = _prefixed(_count, obj, "like_count", prefix)
    c["raw"] = obj
    return c


def _prefixed(read, obj: Mapping, column: str, prefix: str):
    """``read(obj, column)`` with a RowError naming ``prefix + column``."""
    try:
        return read(obj, column)
    except RowError as exc:
        raise RowError(prefix + column, exc.reason, exc.hint) from None


# ---------------------------------------------------------------------------
# Douyin: modules/douyin.js
# ---------------------------------------------------------------------------


def douyin_video(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """A Douyin video: the API's snake_case shape or the page's camelCase one."""
    post = _new_post("douyin")
    post["crawled_at"] = _collected(meta, prefix)
    if "aweme_id" in obj:
        post_id = _prefixed(_id, obj, "aweme_id", prefix)
        author = _obj(obj, "author", prefix + "author")
        stats = _obj(obj, "statistics", prefix + "statistics")
        stats_path = prefix + "statistics."
        spec = (
            ("likes", "digg_count"),
            ("collects", "collect_count"),
            ("comments", "comment_count"),
            ("shares", "share_count"),
        )
        extras = _objs(obj, "text_extra", prefix + "text_extra")
        tags = _names(extras, "hashtag_name")
        time_column = "create_time"
        author_id = _str(obj.get("author_user_id")) or _str(author.get("uid")) or _str(author.get("sec_uid"))
    elif "awemeId" in obj:
        post_id = _prefixed(_id, obj, "awemeId", prefix)
        author = _obj(obj, "authorInfo", prefix + "authorInfo")
        stats = _obj(obj, "stats", prefix + "stats")
        stats_path = prefix + "stats."
        spec = (
            ("likes", "diggCount"),
            ("collects", "collectCount"),
            ("comments", "commentCount"),
            ("shares", "shareCount"),
        )
        extras = _objs(obj, "textExtra", prefix + "textExtra")
        tags = _names(extras, "hashtagName")
        time_column = "createTime"
        author_id = _str(obj.get("authorUserId")) or _str(author.get("uid")) or _str(author.get("secUid"))
    else:
        raise RowError(
            prefix + "aweme_id",
            "a Douyin item without aweme_id or awemeId (a live stream or an advert, not a video)",
            "Remove this line, or import with --skip-bad-rows.",
        )
    post["post_id"] = post_id
    text = _text(obj.get("desc"))
    post["text"] = text
    post["url"] = f"https://www.douyin.com/video/{post_id}"
    post["author_id"] = author_id
    post["author_name"] = _str(author.get("nickname"))
    post["created_at"] = _time_of(obj.get(time_column), prefix + time_column, collected_at=post["crawled_at"])
    post["location"] = _str(obj.get("ip_label") or obj.get("region"))
    try:
        _set_counts(post, stats, spec)
    except RowError as exc:
        raise RowError(stats_path + str(exc.column), exc.reason, exc.hint) from None
    post["hashtags"] = _merge(tags, extract_hashtags(text))
    post["mentions"] = extract_mentions(text)
    post["source_keywords"] = _keyword(meta)
    post["lang"] = detect_lang(text)
    post["raw"] = obj
    return post


# ---------------------------------------------------------------------------
# TikTok: modules/tiktok.js, modules/tiktok-comments.js
# ---------------------------------------------------------------------------


def tiktok_video(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """A TikTok video (``id``, ``desc``, ``createTime`` s, ``author``, ``stats``)."""
    post = _new_post("tiktok")
    post["crawled_at"] = _collected(meta, prefix)
    post_id = _prefixed(_id, obj, "id", prefix)
    post["post_id"] = post_id
    author = obj.get("author")
    if isinstance(author, dict):
        handle = _str(author.get("uniqueId"))
        post["author_id"] = _str(author.get("id")) or handle
        post["author_name"] = handle or _str(author.get("nickname"))
    else:  # the page's embedded shape: author is the handle
        handle = _str(author)
        post["author_id"] = handle
        post["author_name"] = handle
    text = _text(obj.get("desc"))
    post["text"] = text
    post["url"] = f"https://www.tiktok.com/@{handle or '_'}/video/{post_id}"
    post["created_at"] = _time_of(obj.get("createTime"), prefix + "createTime", collected_at=post["crawled_at"])
    stats = _obj(obj, "stats", prefix + "stats")
    try:
        _set_counts(
            post,
            stats,
            (
                ("likes", "diggCount"),
                ("collects", "collectCount"),
                ("comments", "commentCount"),
                ("shares", "shareCount"),
            ),
        )
    except RowError as exc:
        raise RowError(prefix + "stats." + str(exc.column), exc.reason, exc.hint) from None
    tags = _names(_objs(obj, "textExtra", prefix + "textExtra"), "hashtagName")
    tags += _names(_objs(obj, "challenges", prefix + "challenges"), "title")
    post["hashtags"] = _merge(tags, extract_hashtags(text))
    post["mentions"] = extract_mentions(text)
    post["location"] = _str(obj.get("locationCreated"))
    post["source_keywords"] = _keyword(meta)
    post["lang"] = detect_lang(text)
    post["raw"] = obj
    return post


def tiktok_comment(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """A TikTok comment (``cid``, ``text``, ``create_time`` s, ``aweme_id``, ``reply_id``)."""
    c = _BLANK_COMMENT.copy()
    c["comment_id"] = _prefixed(_id, obj, "cid", prefix)
    c["post_id"] = _prefixed(_id, obj, "aweme_id", prefix)
    c["platform"] = "tiktok"
    parent = _prefixed(_opt_id, obj, "reply_id", prefix)
    c["parent_comment_id"] = None if parent in (None, "0") else parent
    c["text"] = _text(obj.get("text"))
    user = _obj(obj, "user", prefix + "user")
    c["author_id"] = _str(user.get("uid"))
    c["author_name"] = _str(user.get("unique_id")) or _str(user.get("nickname"))
    c["created_at"] = _time_of(obj.get("create_time"), prefix + "create_time")
    c["likes"] = _prefixed(_count, obj, "digg_count", prefix)
    c["raw"] = obj
    return c


# ---------------------------------------------------------------------------
# Instagram: modules/instagram.js
# ---------------------------------------------------------------------------


def instagram_post(obj: dict, meta: Mapping | None, prefix: str) -> dict:
    """An Instagram post: the "item list" shape (``code``, ``caption.text``, ``taken_at``)
    or the older graph shape (``shortcode``, ``edge_media_to_caption``, ``taken_at_timestamp``)."""
    post = _new_post("instagram")
    post["crawled_at"] = _collected(meta, prefix)
    if obj.get("code"):
        code = _prefixed(_id, obj, "code", prefix)
        caption = obj.get("caption")
        text = _text(caption.get("text") if isinstance(caption, dict) else None)
        time_value, time_column = obj.get("taken_at"), "taken_at"
        likes, comments = ("likes", "like_count"), ("comments", "comment_count")
        counts = obj
    elif obj.get("shortcode"):
        code = _prefixed(_id, obj, "shortcode", prefix)
        edges = _objs(_obj(obj, "edge_media_to_caption", prefix + "edge_media_to_caption"), "edges",
                      prefix + "edge_media_to_caption.edges")
        node = edges[0].get("node") if edges else None
        text = _text(node.get("text") if isinstance(node, dict) else None)
        time_value, time_column = obj.get("taken_at_timestamp"), "taken_at_timestamp"
        like = _obj(obj, "edge_media_preview_like", prefix + "edge_media_preview_like")
        comment = _obj(obj, "edge_media_preview_comment", prefix + "edge_media_preview_comment")
        counts = {"likes": like.get("count"), "comments": comment.get("count")}
        likes, comments = ("likes", "likes"), ("comments", "comments")
    else:
        raise RowError(prefix + "code", "an Instagram item without code or shortcode", _SHAPE_HINT)
    post["post_id"] = code
    post["text"] = text
    post["url"] = f"https://www.instagram.com/p/{code}/"
    user = _obj(obj, "user", prefix + "user") or _obj(obj, "owner", prefix + "owner")
    post["author_id"] = _str(user.get("pk")) or _str(user.get("id"))
    post["author_name"] = _str(user.get("username"))
    post["created_at"] = _time_of(time_value, prefix + time_column, collected_at=post["crawled_at"])
    location = obj.get("location")
    post["location"] = _str(location.get("name")) if isinstance(location, dict) else None
    try:
        _set_counts(post, counts, (likes, comments))
    except RowError as exc:
        raise RowError(prefix + str(exc.column), exc.reason, exc.hint) from None
    post["hashtags"] = extract_hashtags(text)
    post["mentions"] = extract_mentions(text)
    post["source_keywords"] = _keyword(meta)
    post["lang"] = detect_lang(text)
    post["raw"] = obj
    return post

