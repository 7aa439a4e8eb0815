"""Replace authors and @mentions with stable pseudonyms before data leaves a project.

A pseudonym is ``"user_"`` plus the first 12 hex digits of
HMAC-SHA256(salt, key), where the key is the platform plus the author's id
(or, when there is no id, the name).  The same author gets the same
pseudonym in every post and every import that uses the same salt (the
project's secret), and nobody without the salt can recompute it from a known
id or name.  12 hex digits (48 bits) make a collision among a million authors
about 1 in 500; 8 would make dozens likely.

``@name`` mentions are rewritten with the pseudonym derived from the *name*,
so the same name always becomes the same pseudonym.  An author mentioned by
name while their posts carry an id would get two different pseudonyms; pass
``names={name: author_id}`` (built from the corpus) to tie the two together.

What is removed from ``raw`` (the record as read): the fields in
:data:`PERSONAL_FIELDS` at any depth (ids, nicknames, avatars, profile links,
X ``author``/``includes`` objects, mention lists); every other text value in
``raw`` has its ``@mentions`` rewritten.  The post ``url`` is dropped too,
because on Weibo and X it contains the author's id or handle (keep it with
``keep_url=True`` when the data stay inside the project).  Locations (IP
provinces) are coarse and kept.  Text that quotes a name without ``@`` is not
rewritten: that needs reading, not pattern matching.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from corpus.parsing import replace_mentions

__all__ = [
    "PERSONAL_FIELDS",
    "pseudonym",
    "pseudonymize_comment",
    "pseudonymize_post",
]

#: Keys dropped from ``raw`` wherever they occur: author ids and hashes,
#: names, avatars, profile links, and lists of mentioned users.
PERSONAL_FIELDS: frozenset[str] = frozenset(
    {
        # MediaCrawler (all platforms)
        "user_id",
        "nickname",
        "avatar",
        "profile_url",
        "creator_hash",
        "sec_uid",
        "user_nickname",
        "user_name",
        "user_avatar",
        "gender",
        "user_signature",
        # URLs that embed the author (Weibo note_url carries the user id)
        "note_url",
        "aweme_url",
        "video_url",
        "url",
        "permalink",
        "xsec_token",
        # Spider_XHS
        "用户id",
        "昵称",
        "头像url",
        "用户主页url",
        "home_url",
        "笔记url",
        # weibo-search / weibo-crawler
        "用户昵称",
        "艾特用户",
        "@用户",
        "screen_name",
        "源用户id",
        "源用户昵称",
        # Reddit
        "author",
        "author_fullname",
        "author_flair_text",
        "author_flair_css_class",
        # X API v2 / twarc
        "author_id",
        "author.username",
        "author.name",
        "author.id",
        "in_reply_to_user_id",
        "includes",
        "mentions",
        "entities.mentions",
        "username",
        "name",
    }
)

_PREFIX = "user_"
_DIGITS = 12


def pseudonym(platform: str, key: str, salt: str, *, kind: str = "id") -> str:
    """The pseudonym of one author on one platform.

    Parameters
    ----------
    platform : str
        ``xiaohongshu``, ``weibo`` ...: the same id on two platforms is two people.
    key : str
        The author's id, or name when *kind* is ``"name"``.
    salt : str
        The project's secret.
    kind : {"id", "name"}
        Ids and names are hashed apart, so an id that looks like some name
        does not collide with it.

    Examples
    --------
    >>> pseudonym("xiaohongshu", "5f0e1d2c", "s3cret")
    'user_bf857868625b'
    """
    message = f"{platform}\x1f{kind}\x1f{key}".encode()
    digest = hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()
    return _PREFIX + digest[:_DIGITS]


def _check_salt(salt: str) -> None:
    if not isinstance(salt, str) or not salt:
        raise ValueError("a non-empty salt (the project's secret) is required")


class _Pseudonymizer:
    """Pseudonyms for one record: its author, and every @name it mentions."""

    def __init__(self, platform: str, salt: str, names: Mapping[str, str] | None):
        self.platform = platform
        self.salt = salt
        self.names = names or {}
        self.cache: dict[str, str] = {}

    def author(self, author_id: str | None, author_name: str | None) -> str | None:
        if author_id:
            return pseudonym(self.platform, str(author_id), self.salt)
        if author_name:
            return self.name(author_name)
        return None

    def name(self, name: str) -> str:
        p = self.cache.get(name)
        if p is None:
            known_id = self.names.get(name)
            if known_id:
                p = pseudonym(self.platform, str(known_id), self.salt)
            else:
                p = pseudonym(self.platform, name, self.salt, kind="name")
            self.cache[name] = p
        return p

    def text(self, text: str | None) -> str | None:
        if not text or "@" not in text:
            return text
        return replace_mentions(text, self.name)

    def raw(self, value: object) -> object:
        """Drop personal keys at any depth; rewrite @mentions in every string."""
        if isinstance(value, dict):
            return {k: self.raw(v) for k, v in value.items() if k not in PERSONAL_FIELDS}
        if isinstance(value, list):
            return [self.raw(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def pseudonymize_post(
    post: dict,
    salt: str,
    *,
    names: Mapping[str, str] | None = None,
    keep_url: bool = False,
) -> dict:
    """A copy of a canonical post with its author and mentions pseudonymised.

    ``author_id`` and ``author_name`` both become the author's pseudonym
    (derived from the id, or from the name when there is no id); ``@name`` in
    ``title`` and ``text`` and the ``mentions`` list become pseudonyms;
    ``raw`` loses :data:`PERSONAL_FIELDS`; ``url`` becomes None unless
    *keep_url*.  The input is not changed.

    Parameters
    ----------
    post : dict
        A canonical post (:data:`corpus.fields.POST_FIELDS`).
    salt : str
        The project's secret; the same salt gives the same pseudonyms.
    names : mapping of str to str, optional
        ``{display name: author id}`` so that mentions of a known author get
        the same pseudonym as the author's own posts.
    keep_url : bool
        Keep the link to the original post.

    Examples
    --------
    >>> post = {"platform": "weibo", "author_id": "123", "author_name": "小李",
    ...         "title": None, "text": "谢谢 @小王!", "mentions": ["小王"], "url": "u", "raw": {}}
    >>> p = pseudonymize_post(post, "s3cret")
    >>> p["author_name"] == p["author_id"] == pseudonym("weibo", "123", "s3cret")
    True
    >>> p["text"] == "谢谢 @" + p["mentions"][0] + "!"
    True
    """
    _check_salt(salt)
    ps = _Pseudonymizer(post.get("platform") or "other", salt, names)
    out = dict(post)
    who = ps.author(post.get("author_id"), post.get("author_name"))
    out["author_id"] = who
    out["author_name"] = who
    out["title"] = ps.text(post.get("title"))
    out["text"] = ps.text(post.get("text"))
    out["mentions"] = [ps.name(m) for m in post.get("mentions") or ()]
    if not keep_url:
        out["url"] = None
    raw = post.get("raw")
    out["raw"] = ps.raw(raw) if raw else raw
    return out


def pseudonymize_comment(
    comment: dict,
    salt: str,
    *,
    names: Mapping[str, str] | None = None,
) -> dict:
    """A copy of a canonical comment with its author and @mentions pseudonymised.

    Same rules as :func:`pseudonymize_post` (comments have no url, title or
    mentions list).
    """
    _check_salt(salt)
    ps = _Pseudonymizer(comment.get("platform") or "other", salt, names)
    out = dict(comment)
    who = ps.author(comment.get("author_id"), comment.get("author_name"))
    out["author_id"] = who
    out["author_name"] = who
    out["text"] = ps.text(comment.get("text"))
    raw = comment.get("raw")
    out["raw"] = ps.raw(raw) if raw else raw
    return out
