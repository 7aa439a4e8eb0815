"""The canonical post and comment fields every loader fills and every export uses.

A *canonical post* is a plain ``dict`` with exactly the keys of
:data:`POST_FIELDS`.  Loaders turn any crawler's record into one; storage,
search, coding and exports read only these names.

=====================  =====================================================
field                  meaning
=====================  =====================================================
post_id                the platform's id, always a ``str`` (never a float)
platform               ``xiaohongshu``, ``weibo``, ``douyin``, ``bilibili``,
                       ``kuaishou``, ``tieba``, ``zhihu``, ``tiktok``,
                       ``instagram``, ``reddit``, ``x`` or ``other``
url                    link to the original, or ``None``
title                  title (``None`` where the platform has none, or where
                       it only repeats the start of ``text``)
text                   body text, newlines kept (``""`` if empty)
author_id              the author's id (or hash), ``str`` or ``None``
author_name            display name, ``str`` or ``None``
created_at             timezone-aware :class:`datetime.datetime` (UTC) or None
location               location label (IP属地), ``str`` or ``None``
likes, collects,       parsed counts as ``int`` or ``None`` when absent
comments, shares
engagement             sum of the four counts that are present, or ``None``
counts_approximate     ``True`` when any count came from text like "1.2万"
                       or "10万+"
counts_raw             ``{field: original string}`` for the counts
hashtags               list of hashtag strings without ``#`` / ``[话题]``
mentions               list of mentioned names without ``@``
source_keywords        list of search keywords that found the post
lang                   ``zh``, ``en``, ``mixed`` or ``None``
status                 ``ok``, ``deleted`` or ``unavailable``
crawled_at             when the crawler saw the post (aware datetime) or None
raw                    the original record, as read (a ``dict``)
=====================  =====================================================
"""

from __future__ import annotations

POST_FIELDS: tuple[str, ...] = (
    "post_id",
    "platform",
    "url",
    "title",
    "text",
    "author_id",
    "author_name",
    "created_at",
    "location",
    "likes",
    "collects",
    "comments",
    "shares",
    "engagement",
    "counts_approximate",
    "counts_raw",
    "hashtags",
    "mentions",
    "source_keywords",
    "lang",
    "status",
    "crawled_at",
    "raw",
)

#: The four counts that add up to engagement, in the order exports show them.
COUNT_FIELDS: tuple[str, ...] = ("likes", "collects", "comments", "shares")

#: Fields that hold lists.
LIST_FIELDS: tuple[str, ...] = ("hashtags", "mentions", "source_keywords")

PLATFORMS: tuple[str, ...] = (
    "xiaohongshu",
    "weibo",
    "douyin",
    "bilibili",
    "kuaishou",
    "tieba",
    "zhihu",
    "tiktok",
    "instagram",
    "reddit",
    "x",
    "other",
)

STATUSES: tuple[str, ...] = ("ok", "deleted", "unavailable")

COMMENT_FIELDS: tuple[str, ...] = (
    "comment_id",
    "post_id",
    "platform",
    "parent_comment_id",
    "text",
    "author_id",
    "author_name",
    "created_at",
    "location",
    "likes",
    "raw",
)
"""Keys of a *canonical comment* dict; ``post_id`` is the parent post's id and
``parent_comment_id`` is ``None`` for a top-level comment."""
