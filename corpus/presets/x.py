"""X / Twitter API v2: raw response pages, tweet objects and twarc-csv's flattened columns."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from corpus.parsing import detect_lang, extract_hashtags, extract_mentions, parse_list
from corpus.presets.base import Preset, RowError, register
from corpus.presets.values import (
    _LIST_HINT,
    _dig,
    _id,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _status,
    _str,
    _text,
    _time,
)

_X_COUNTS = (
    ("likes", "public_metrics.like_count"),
    ("collects", "public_metrics.bookmark_count"),
    ("comments", "public_metrics.reply_count"),
    ("shares", "public_metrics.retweet_count"),
)


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
    post["created_at"] = _time(rec, "created_at")
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




for _preset in (
    Preset(
        "x-api-v2-pages",
        "x",
        "posts",
        columns=("data",),
        any_of=(("includes", "meta"),),
        markers=("includes", "meta", "__twarc", "errors"),
        convert=_x_tweet,
        expand=_x_expand,
        source='X API v2 (2021 to now), twarc2 search/timeline output',
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
        source='X API v2 tweet objects; twarc-csv 0.7 (DocNow/twarc-csv)',
        description="X API v2 tweet objects (JSONL) or twarc-csv flattened columns",
    ),
):
    register(_preset)
