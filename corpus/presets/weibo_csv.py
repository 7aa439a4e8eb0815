"""dataabc's weibo-search and weibo-crawler: UTF-8-with-BOM CSVs with Chinese headers."""

from __future__ import annotations

from corpus.parsing import detect_lang, extract_hashtags, extract_mentions
from corpus.presets.base import Preset, register
from corpus.presets.mediacrawler import _weibo_status
from corpus.presets.values import (
    _first,
    _id,
    _list,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _str,
    _text,
    _time,
)

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
    post["created_at"] = _time(rec, time_column)
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




for _preset in (
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
        source='dataabc/weibo-search (2020-2025); weibo/pipelines.py CsvPipeline',
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
        source='dataabc/weibo-crawler (2020-2025); weibo.py write_csv',
        description="dataabc/weibo-crawler user timelines (CSV)",
    ),
):
    register(_preset)
