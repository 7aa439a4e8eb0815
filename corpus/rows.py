"""Canonical posts and comments as rows of database parameters.

The importer writes posts and comments with the driver's ``executemany``
(:func:`dazi.db.insert_params`).  :class:`RowMaker` turns canonical records
(:mod:`corpus.fields`) into the parameter tuples it needs: ids as strings,
defaults filled in, authors pseudonymised when the project asks for it, JSON
serialised and times formatted as the column types would (:mod:`dazi.params`).

A :class:`RowMaker` is a small picklable value and this module imports no
SQLAlchemy, so :func:`corpus.loaders.load` can run it in its worker
processes (``prepare=``): the rows then arrive ready to write, and the
importer's process only deduplicates and writes them.

>>> from datetime import datetime, timezone
>>> maker = RowMaker(project_id=1, import_id=7, sqlite=True,
...                  post_kinds=POST_KINDS, comment_kinds=COMMENT_KINDS)
>>> post = dict.fromkeys(POST_FIELDS, None)
>>> post.update(post_id=123, platform="weibo", hashtags=["饭搭子"],
...             created_at=datetime(2024, 1, 5, 2, tzinfo=timezone.utc))
>>> row = maker.posts([post])[0]
>>> row[POST_INDEX["post_id"]], row[POST_INDEX["text"]], row[POST_INDEX["status"]]
('123', '', 'ok')
>>> row[POST_INDEX["hashtags"]].decode(), row[POST_INDEX["created_at"]], row[-2:]
('["饭搭子"]', '2024-01-05 02:00:00.000000', (1, 7))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from corpus.fields import POST_FIELDS
from corpus.pseudonyms import pseudonymize_comment, pseudonymize_post
from dazi.params import convert_column

__all__ = [
    "COMMENT_COLUMNS",
    "COMMENT_INDEX",
    "COMMENT_KINDS",
    "POST_COLUMNS",
    "POST_INDEX",
    "POST_KINDS",
    "RowMaker",
    "parent_id",
]

#: Columns of the ``posts`` table a post row fills, in tuple order.
POST_COLUMNS: tuple[str, ...] = (*POST_FIELDS, "project_id", "import_id")
#: Position of each column in a post row.
POST_INDEX: dict[str, int] = {name: i for i, name in enumerate(POST_COLUMNS)}
#: Kind of each post column (see :mod:`dazi.params`); a test checks it against
#: the schema, and the importer passes the kinds read from the schema.
POST_KINDS: tuple[str | None, ...] = tuple(
    "json" if name in ("counts_raw", "hashtags", "mentions", "source_keywords", "raw")
    else "time" if name in ("created_at", "crawled_at")
    else "bool" if name == "counts_approximate"
    else None
    for name in POST_COLUMNS
)

#: Columns of the ``comments`` table a comment row fills, in tuple order.
COMMENT_COLUMNS: tuple[str, ...] = (
    "project_id",
    "platform",
    "post_id",
    "comment_id",
    "parent_comment_id",
    "text",
    "author_id",
    "author_name",
    "created_at",
    "location",
    "likes",
    "raw",
)
#: Position of each column in a comment row.
COMMENT_INDEX: dict[str, int] = {name: i for i, name in enumerate(COMMENT_COLUMNS)}
#: Kind of each comment column.
COMMENT_KINDS: tuple[str | None, ...] = tuple(
    "json" if name == "raw" else "time" if name == "created_at" else None
    for name in COMMENT_COLUMNS
)

_get_post = itemgetter(*POST_FIELDS)
_ID, _TEXT, _APPROX, _STATUS = (POST_INDEX[n] for n in ("post_id", "text", "counts_approximate", "status"))


def parent_id(value: object) -> str | None:
    """A comment's parent id; top-level comments say 0, "0" or "" for none.

    >>> parent_id(0), parent_id("0"), parent_id(""), parent_id(42)
    (None, None, None, '42')
    """
    if value is None or value == "" or value == 0 or value == "0":
        return None
    return str(value)


@dataclass(frozen=True)
class RowMaker:
    """Turns canonical posts and comments into parameter rows for one import.

    Attributes
    ----------
    project_id, import_id : int
        Written into every row.
    sqlite : bool
        Whether the rows are for SQLite (times as text, booleans as 0/1).
    post_kinds, comment_kinds : tuple
        Kind of each column of :data:`POST_COLUMNS` and
        :data:`COMMENT_COLUMNS` (:func:`dazi.db.column_kinds`).
    salt : str or None
        The project's secret: authors and @mentions are pseudonymised
        (:mod:`corpus.pseudonyms`) when it is given.
    """

    project_id: int
    import_id: int
    sqlite: bool
    post_kinds: tuple[str | None, ...]
    comment_kinds: tuple[str | None, ...]
    salt: str | None = None

    def posts(self, posts: list[dict]) -> list[tuple]:
        """One row of :data:`POST_COLUMNS` per canonical post."""
        if not posts:
            return []
        if self.salt is not None:
            posts = [pseudonymize_post(p, self.salt) for p in posts]
        try:
            rows = [_get_post(p) for p in posts]
        except KeyError:  # partial dicts: missing fields are None
            rows = [tuple(p.get(name) for name in POST_FIELDS) for p in posts]
        # column by column: one comprehension per column is much cheaper than a loop per row
        cols: list = list(zip(*rows))
        cols[_ID] = [v if type(v) is str else str(v) for v in cols[_ID]]
        cols[_TEXT] = [v or "" for v in cols[_TEXT]]
        cols[_APPROX] = [bool(v) for v in cols[_APPROX]]
        cols[_STATUS] = [v or "ok" for v in cols[_STATUS]]
        n = len(rows)
        cols += [(self.project_id,) * n, (self.import_id,) * n]
        return self._converted(cols, self.post_kinds)

    def _converted(self, cols: list, kinds: Sequence[str | None]) -> list[tuple]:
        for i, kind in enumerate(kinds):
            if kind is not None:
                cols[i] = convert_column(kind, cols[i], sqlite=self.sqlite)
        return list(zip(*cols, strict=True))

    def comments(self, comments: list[dict]) -> list[tuple]:
        """One row of :data:`COMMENT_COLUMNS` per canonical comment."""
        if not comments:
            return []
        if self.salt is not None:
            comments = [pseudonymize_comment(c, self.salt) for c in comments]
        rows = []
        for c in comments:
            get = c.get
            rows.append((
                self.project_id,
                c["platform"],
                str(c["post_id"]),
                str(c["comment_id"]),
                parent_id(get("parent_comment_id")),
                get("text") or "",
                get("author_id"),
                get("author_name"),
                get("created_at"),
                get("location"),
                get("likes"),
                get("raw"),
            ))
        return self._converted(list(zip(*rows)), self.comment_kinds)
