"""Reddit submissions and comments from Pushshift and Arctic Shift dumps (zstd NDJSON)."""

from __future__ import annotations

from collections.abc import Mapping

from corpus.parsing import detect_lang
from corpus.presets.base import Preset, register
from corpus.presets.values import (
    _BLANK_COMMENT,
    _count,
    _id,
    _mentions_of,
    _new_post,
    _signed,
    _status,
    _str,
    _tags_of,
    _text,
    _time,
)

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
    post["created_at"] = _time(rec, "created_utc")
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
    post["crawled_at"] = _time(rec, "retrieved_on") if "retrieved_on" in rec else None
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
    c["created_at"] = _time(rec, "created_utc")
    c["likes"] = _signed(rec, "score")
    c["raw"] = rec
    return c




for _preset in (
    Preset(
        "reddit-submissions",
        "reddit",
        "posts",
        columns=("id", "author", "created_utc", "title", "subreddit"),
        markers=("selftext", "score", "num_comments", "permalink", "url", "over_18"),
        convert=_reddit_submission,
        source='Pushshift / Arctic Shift dumps (2005 to now); Reddit API "link" objects',
        description="Reddit submissions (Pushshift / Arctic Shift dumps)",
    ),
    Preset(
        "reddit-comments",
        "reddit",
        "comments",
        columns=("id", "author", "body", "created_utc", "link_id"),
        markers=("parent_id", "score", "subreddit", "permalink"),
        convert=_reddit_comment,
        source='Pushshift / Arctic Shift dumps (2005 to now); Reddit API "comment" objects',
        description="Reddit comments (Pushshift / Arctic Shift dumps)",
    ),
):
    register(_preset)
