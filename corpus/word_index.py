"""The whole-word index: each post's tokens (:func:`corpus.query.index_text`) in SQLite FTS5
or a PostgreSQL ``tsvector``; :func:`index_posts` builds it, :func:`ensure_index` keeps it current."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, bindparam, select, text

from corpus.cached_tokens import _IN_CHUNK, _cached_hashes, _document, _fresh_codes, _hash, _read_codes
from corpus.index_stamps import _ANALYZE_AFTER, _is_fresh, _save_setting, _stamp
from corpus.query import index_text
from corpus.text import PIPELINE_VERSION, decode
from dazi.db import Database, bulk_insert
from dazi.projects import Project
from dazi.schema import post_index, posts

__all__ = ["ensure_index", "index_posts"]

_STAMP_KEY = "search_index"


def ensure_index(db: Database, project: Project, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Update the search index if posts came, went or changed since it was built.

    A whole-word search calls this first.  Checking costs two index
    lookups, not a pass over the posts: :func:`index_posts` records what it
    indexed (:func:`_stamp`) in the project's settings.  Texts changed
    outside ``dazi import`` are picked up by ``dazi index``
    (:func:`index_posts`), which compares every post's text hash.
    Returns how many posts were (re)indexed.
    """
    if _is_fresh(db, project, _STAMP_KEY, PIPELINE_VERSION):
        return 0
    return index_posts(db, project, progress=progress)


def index_posts(
    db: Database,
    project: Project,
    *,
    n_process: int = 1,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the project's search index up to date; returns how many posts were (re)indexed.

    Only posts that are new, whose title or text changed, or that an older
    pipeline indexed are tokenised (texts already in the token cache are
    not).  Texts nobody tokenised yet go through one
    :meth:`~corpus.text.Pipeline.encode_many` stream on ``n_process``
    processes while this process writes finished batches.
    """
    with db.read() as conn:
        stamp = _stamp(conn, project, PIPELINE_VERSION)
        stale = conn.execute(
            select(posts.c.id, posts.c.title, posts.c.text, post_index.c.pipeline_version, post_index.c.text_hash)
            .outerjoin(post_index, post_index.c.post_pk == posts.c.id)
            .where(posts.c.project_id == project.id)
        ).all()
    by_hash: dict[str, list[tuple[int, bool]]] = {}
    docs: dict[str, str] = {}
    for row in stale:
        doc = _document(row.title, row.text)
        h = _hash(doc)
        if row.pipeline_version != PIPELINE_VERSION or row.text_hash != h:
            by_hash.setdefault(h, []).append((row.id, row.pipeline_version is not None))
            docs[h] = doc
    del stale
    total = sum(map(len, by_hash.values()))
    done = 0

    def write(batch: list[tuple[str, list[int]]]) -> None:
        nonlocal done
        entries = [(pk, had, h, words)
                   for h, codes in batch
                   for words in (index_text(decode(docs[h], codes)),)
                   for pk, had in by_hash[h]]
        db.retrying(lambda conn: _write_index(conn, project, PIPELINE_VERSION, entries))
        done += len(entries)
        if progress:
            progress(done, total)

    with db.read() as conn:
        known = _cached_hashes(conn, list(docs), PIPELINE_VERSION)
    known_list = list(known)
    for start in range(0, len(known_list), batch_size):
        chunk = known_list[start : start + batch_size]
        with db.read() as conn:
            codes = _read_codes(conn, chunk, PIPELINE_VERSION)
        write([(h, codes[h]) for h in chunk])
    fresh = {h: doc for h, doc in docs.items() if h not in known}
    for batch in _fresh_codes(db, fresh, n_process=n_process, batch_size=batch_size):
        write(batch)
    db.retrying(lambda conn: _save_setting(conn, project, _STAMP_KEY, stamp))
    if done >= _ANALYZE_AFTER and db.dialect != "sqlite":
        # fresh statistics, or PostgreSQL's planner takes the index for
        # selective and scans every post against it (5x slower at 100,000)
        db.retrying(lambda conn: conn.exec_driver_sql("ANALYZE posts, post_index, post_fts"))
    return done


def _write_index(conn: Connection, project: Project, version: str,
                 entries: list[tuple[int, bool, str, str]]) -> None:
    """Replace the index rows of ``(post pk, was indexed, text hash, words)`` entries."""
    old = [pk for pk, had, _, _ in entries if had]
    if old:
        conn.execute(post_index.delete().where(post_index.c.post_pk.in_(old)))
    # On SQLite a deleted post leaves its FTS row behind (FTS5 tables have no
    # foreign keys) and a new post may get its id: clear every id written.
    pks = [pk for pk, _, _, _ in entries] if conn.dialect.name == "sqlite" else old
    for start in range(0, len(pks), _IN_CHUNK):
        conn.execute(text("DELETE FROM post_fts WHERE rowid IN :pks").bindparams(bindparam("pks", expanding=True)),
                     {"pks": pks[start : start + _IN_CHUNK]})
    bulk_insert(conn, post_index, [
        {"post_pk": pk, "project_id": project.id, "pipeline_version": version, "text_hash": h}
        for pk, _, h, _ in entries
    ])
    params = [(pk, words) for pk, _, _, words in entries]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO post_fts (rowid, words) VALUES (?, ?)", params)
    else:
        conn.exec_driver_sql("INSERT INTO post_fts (rowid, words) VALUES (%s, to_tsvector('simple', %s))", params)
