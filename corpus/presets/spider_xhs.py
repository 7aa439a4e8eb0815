"""Spider_XHS (cv-cat/Spider_XHS): Excel workbooks with Chinese headers.

List values are Python reprs (``"['a', 'b']"``); 上传时间 is a date string
or an epoch number.
"""

from __future__ import annotations

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
    post["created_at"] = _time(rec, "上传时间")
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
    c["created_at"] = _time(rec, "上传时间")
    c["location"] = _location(rec.get("ip归属地"))
    c["likes"] = _count(rec, "点赞数量")
    c["raw"] = rec
    return c




for _preset in (
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
        convert=_spider_xhs_note,
        source='Spider_XHS (cv-cat), 2024-2025; xhs_utils/data_util.py handle_note_info',
        description="Spider_XHS notes (Excel with Chinese headers)",
    ),
    Preset(
        "spider-xhs-comments",
        "xiaohongshu",
        "comments",
        columns=("笔记id", "评论id", "评论内容"),
        markers=("点赞数量", "上传时间", "ip归属地", "昵称"),
        convert=_spider_xhs_comment,
        source='Spider_XHS (cv-cat), 2024-2025; xhs_utils/data_util.py handle_comment_info',
        description="Spider_XHS comments (Excel with Chinese headers)",
    ),
):
    register(_preset)
