"""Reading stored posts and comments.

Posts are read by key or by page, never all at once unless a caller asks
for a frame of selected columns (sampling, tables, exports).  Ids come back as
``str``; frames use pandas' string dtype for them so nothing turns an id
into a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Select, and_, func, or_, select

from corpus.fields import POST_FIELDS
from dazi.db import Database
from dazi.errors import NotFound
from dazi.projects import Project
from dazi.schema import comments, imports, posts

__all__ = [
    "corpus_stamp",
    "get_post",
    "get_post_by_pk",
    "get_posts_by_pk",
    "post_comments",
    "count_posts",
    "list_posts",
    "iter_posts",
    "posts_frame",
    "PostPage",
    "resolve_post_pks",
]

_POST_COLUMNS = [posts.c[name] for name in POST_FIELDS]


def corpus_stamp(conn: Connection, project: Project) -> tuple[int | None, int | None]:
    """``(highest post key, highest import id)`` of the project: changes when posts come or an
    import updates them, and costs two index lookups (a count would read every post on
    PostgreSQL).  What the search indexes and the app's cached summaries are keyed on."""
    if conn.dialect.name == "sqlite":
        # walk the ids down from the top (the project index would be read whole)
        top = conn.exec_driver_sql(
            "SELECT id FROM posts NOT INDEXED WHERE project_id = ? ORDER BY id DESC LIMIT 1", (project.id,)
        ).scalar()
    else:
        top = conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)
                           .order_by(posts.c.id.desc()).limit(1)).scalar()
    last_import = conn.execute(select(func.max(imports.c.id)).where(imports.c.project_id == project.id)).scalar()
    return top, last_import


def _post_dict(row, *, with_raw: bool = True) -> dict:
    post = {name: row._mapping[name] for name in POST_FIELDS if name in row._mapping}
    if not with_raw:
        post.pop("raw", None)
    post["pk"] = row._mapping["id"]
    for name in ("hashtags", "mentions", "source_keywords"):
        if name in post and post[name] is None:
            post[name] = []
    return post


def get_post(db: Database, project: Project, post_id: str, platform: str | None = None) -> dict:
    """One post by its platform id (and platform, if ids could clash)."""
    query = select(posts).where(posts.c.project_id == project.id, posts.c.post_id == str(post_id))
    if platform:
        query = query.where(posts.c.platform == platform)
    with db.read() as conn:
        rows = conn.execute(query.limit(2)).all()
    if not rows:
        raise NotFound(f"No post with id {post_id!r} in project {project.name!r}")
    if len(rows) > 1:
        raise NotFound(
            f"Post id {post_id!r} exists on several platforms", "Name the platform as well (--platform)."
        )
    return _post_dict(rows[0])


def get_post_by_pk(db: Database, project: Project, pk: int) -> dict:
    """One post by its database key."""
    with db.read() as conn:
        row = conn.execute(select(posts).where(posts.c.project_id == project.id, posts.c.id == pk)).first()
    if row is None:
        raise NotFound(f"No post #{pk} in project {project.name!r}")
    return _post_dict(row)


def get_posts_by_pk(db: Database, project: Project, pks: Sequence[int], *, with_raw: bool = False) -> dict[int, dict]:
    """Several posts by database key, as ``{pk: post}``."""
    cols = [posts.c.id, *(c for c in _POST_COLUMNS if with_raw or c.name != "raw")]
    out: dict[int, dict] = {}
    with db.read() as conn:
        for start in range(0, len(pks), 500):
            chunk = list(pks[start : start + 500])
            query = select(*cols).where(posts.c.project_id == project.id, posts.c.id.in_(chunk))
            for row in conn.execute(query):
                out[row.id] = _post_dict(row, with_raw=with_raw)
    return out


def resolve_post_pks(db: Database, project: Project, post_ids: Iterable[str]) -> dict[str, int]:
    """Map platform post ids to database keys (unknown ids are left out)."""
    ids = [str(i) for i in post_ids]
    out: dict[str, int] = {}
    with db.read() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = select(posts.c.post_id, posts.c.id).where(
                posts.c.project_id == project.id, posts.c.post_id.in_(chunk)
            )
            out.update({r.post_id: r.id for r in conn.execute(query)})
    return out


def post_comments(db: Database, project: Project, post: dict) -> list[dict]:
    """A post's comments, oldest first; replies carry ``parent_comment_id``."""
    query = (
        select(comments)
        .where(
            comments.c.project_id == project.id,
            comments.c.platform == post["platform"],
            comments.c.post_id == post["post_id"],
        )
        .order_by(comments.c.created_at, comments.c.id)
    )
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _filtered(query: Select, project: Project, *, platform: str | None, status: str | None, text: str | None, hashtag: str | None) -> Select:
    query = query.where(posts.c.project_id == project.id)
    if platform:
        query = query.where(posts.c.platform == platform)
    if status:
        query = query.where(posts.c.status == status)
    if text:
        like = f"%{text}%"
        query = query.where(or_(posts.c.text.like(like), posts.c.title.like(like)))
    if hashtag:
        # hashtags are a JSON list; match the quoted element in its text form
        query = query.where(func.cast(posts.c.hashtags, posts.c.text.type).like(f'%"{hashtag}"%'))
    return query


def count_posts(db: Database, project: Project, *, platform=None, status=None, text=None, hashtag=None) -> int:
    """How many posts match the filters."""
    query = _filtered(select(func.count()).select_from(posts), project, platform=platform, status=status, text=text, hashtag=hashtag)
    with db.read() as conn:
        return int(conn.execute(query).scalar() or 0)


@dataclass
class PostPage:
    """One page of posts and the total that matched."""

    posts: list[dict]
    total: int
    offset: int
    limit: int


_SORTS = {
    "created_at": posts.c.created_at,
    "engagement": posts.c.engagement,
    "likes": posts.c.likes,
    "comments": posts.c.comments,
    "post_id": posts.c.post_id,
}


def list_posts(
    db: Database,
    project: Project,
    *,
    offset: int = 0,
    limit: int = 50,
    sort: str = "created_at",
    descending: bool = True,
    platform: str | None = None,
    status: str | None = None,
    text: str | None = None,
    hashtag: str | None = None,
) -> PostPage:
    """A page of posts (without ``raw``), filtered and sorted in the database."""
    column = _SORTS.get(sort, posts.c.created_at)
    order = column.desc() if descending else column.asc()
    cols = [posts.c.id, *(c for c in _POST_COLUMNS if c.name != "raw")]
    query = _filtered(select(*cols), project, platform=platform, status=status, text=text, hashtag=hashtag)
    query = query.order_by(order.nulls_last() if descending else order.nulls_first(), posts.c.id).offset(offset).limit(limit)
    total = count_posts(db, project, platform=platform, status=status, text=text, hashtag=hashtag)
    with db.read() as conn:
        rows = [_post_dict(r, with_raw=False) for r in conn.execute(query)]
    return PostPage(rows, total, offset, limit)


def iter_posts(db: Database, project: Project, *, batch_size: int = 2000, with_raw: bool = False) -> Iterator[dict]:
    """Every post in key order, read in batches (bounded memory)."""
    cols = [posts.c.id, *(c for c in _POST_COLUMNS if with_raw or c.name != "raw")]
    last = 0
    while True:
        query = (
            select(*cols)
            .where(and_(posts.c.project_id == project.id, posts.c.id > last))
            .order_by(posts.c.id)
            .limit(batch_size)
        )
        with db.read() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield _post_dict(row, with_raw=with_raw)
        last = rows[-1].id


def posts_frame(db: Database, project: Project, columns: Sequence[str] = ("post_id", "platform")) -> pd.DataFrame:
    """Selected canonical columns of every post as a DataFrame indexed by ``pk``.

    ``post_id`` and other id-like columns use pandas' string dtype.
    """
    unknown = [c for c in columns if c not in POST_FIELDS]
    if unknown:
        raise NotFound(f"Unknown post field(s): {', '.join(unknown)}", f"Fields: {', '.join(POST_FIELDS)}.")
    query = select(posts.c.id.label("pk"), *(posts.c[c] for c in columns)).where(posts.c.project_id == project.id).order_by(posts.c.id)
    with db.read() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["pk", *columns])
    for col in ("post_id", "platform", "author_id", "author_name", "status", "lang", "location", "url", "title", "text"):
        if col in frame:
            frame[col] = frame[col].astype("string")
    return frame.set_index("pk")
