"""Reading a project's comments: one post's thread, many posts' at once, all of them for export.

Comments are stored beside the posts (:data:`dazi.schema.comments`), linked by
``(platform, post_id)``; a reply names its parent in ``parent_comment_id``.
The CLI (``dazi comments POST_ID``), the Posts page and the exports (the
workbook's Comments sheet, ``*_comments.csv``) all read them through here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import func, select, tuple_

from dazi.db import Database
from dazi.projects import Project
from dazi.schema import comments

__all__ = [
    "COMMENT_EXPORT_FIELDS",
    "comment_lines",
    "comments_by_post",
    "count_comments",
    "iter_comments",
    "thread_order",
]

#: Columns of a comments export, in order (``raw`` stays in the database).
COMMENT_EXPORT_FIELDS: tuple[str, ...] = (
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
)
_COLUMNS = [comments.c[name] for name in COMMENT_EXPORT_FIELDS]


def count_comments(db: Database, project: Project) -> int:
    """How many comments the project holds."""
    with db.read() as conn:
        return int(conn.execute(
            select(func.count()).select_from(comments).where(comments.c.project_id == project.id)
        ).scalar() or 0)


def comments_by_post(
    db: Database, project: Project, posts: Sequence[Mapping], *, limit: int | None = 200
) -> dict[tuple[str, str], list[dict]]:
    """The comments of several posts in one query, as ``{(platform, post_id): [comment, ...]}``.

    Each list is in thread order (:func:`thread_order`) and holds at most
    *limit* comments (None: all).  Posts without comments are left out.
    """
    keys = list(dict.fromkeys((str(p["platform"]), str(p["post_id"])) for p in posts))
    out: dict[tuple[str, str], list[dict]] = {}
    if not keys:
        return out
    with db.read() as conn:
        for start in range(0, len(keys), 200):
            chunk = keys[start : start + 200]
            query = (
                select(*_COLUMNS)
                .where(comments.c.project_id == project.id,
                       tuple_(comments.c.platform, comments.c.post_id).in_(chunk))
                .order_by(comments.c.created_at, comments.c.id)
            )
            for row in conn.execute(query):
                out.setdefault((row.platform, row.post_id), []).append(dict(row._mapping))
    return {key: thread_order(items)[:limit] if limit is not None else thread_order(items)
            for key, items in out.items()}


def thread_order(items: Sequence[Mapping]) -> list[dict]:
    """Comments with each reply right after the comment it answers (oldest first at each level).

    A reply whose parent is not among *items* is shown at the top level.

    Examples
    --------
    >>> rows = [{"comment_id": "1", "parent_comment_id": None}, {"comment_id": "2", "parent_comment_id": None},
    ...         {"comment_id": "3", "parent_comment_id": "1"}]
    >>> [c["comment_id"] for c in thread_order(rows)]
    ['1', '3', '2']
    """
    ids = {c["comment_id"] for c in items}
    children: dict[str | None, list[Mapping]] = {}
    for c in items:
        parent = c.get("parent_comment_id")
        children.setdefault(parent if parent in ids and parent != c["comment_id"] else None, []).append(c)
    out: list[dict] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for c in children.get(parent, ()):
            if c["comment_id"] in seen:
                continue
            seen.add(c["comment_id"])
            out.append({**c, "depth": depth})
            walk(c["comment_id"], depth + 1)

    walk(None, 0)
    for c in items:  # a cycle of replies: shown once, at the top level
        if c["comment_id"] not in seen:
            seen.add(c["comment_id"])
            out.append({**c, "depth": 0})
    return out


def comment_lines(items: Sequence[Mapping]) -> list[str]:
    """Comments as plain lines of text: author, date, likes, then the text; replies indented.

    Text is never interpreted (the app shows these lines with ``st.text``).

    Examples
    --------
    >>> comment_lines([{"comment_id": "1", "author_name": "小王", "created_at": None, "likes": 3,
    ...                 "text": "一起！", "depth": 0}])
    ['小王 · 3 likes: 一起！']
    """
    lines = []
    for c in items:
        head = [c.get("author_name") or "?"]
        if c.get("created_at") is not None:
            head.append(f"{c['created_at']:%Y-%m-%d %H:%M} UTC")
        if c.get("likes") is not None:
            head.append(f"{c['likes']:,} likes")
        indent = "    " * int(c.get("depth") or 0) + ("↳ " if c.get("depth") else "")
        text = (c.get("text") or "").replace("\r\n", "\n").replace("\n", "\n" + " " * len(indent))
        lines.append(f"{indent}{' · '.join(head)}: {text}")
    return lines


def iter_comments(db: Database, project: Project, *, batch_size: int = 2000) -> Iterator[dict]:
    """Every comment of the project, in the order they were imported, read in batches (bounded memory)."""
    last = 0
    while True:
        query = (
            select(comments.c.id, *_COLUMNS)
            .where(comments.c.project_id == project.id, comments.c.id > last)
            .order_by(comments.c.id)
            .limit(batch_size)
        )
        with db.read() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield {name: row._mapping[name] for name in COMMENT_EXPORT_FIELDS}
        last = rows[-1].id
