"""The substring index: each post's 1- and 2-character grams (:func:`corpus.query.gram_document`)
in SQLite FTS5 or a PostgreSQL ``tsvector``; :func:`index_grams` builds it, :func:`forget_texts`
takes changed posts out of both indexes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

from sqlalchemy import BindParameter, Connection, bindparam, or_, select, text

from corpus.cached_tokens import _document, _hash
from corpus.index_stamps import _ANALYZE_AFTER, _is_fresh, _save_setting, _settings, _stamp
from corpus.query import GRAM_SEP, gram_document, gram_lexemes
from corpus.text import fold
from dazi.db import Database, bulk_insert
from dazi.projects import Project
from dazi.schema import post_gram_index, post_index, posts, projects

#: Version of the substring index's documents (:func:`corpus.query.gram_document`,
#: :func:`corpus.query.gram_lexemes`); a new version rebuilds the index.
GRAMS_VERSION = "grams-1"
_GRAM_STAMP_KEY = "substring_index"
#: In a project's settings: some of its posts were too long to index by their grams.
_UNINDEXABLE_KEY = "substring_index_unindexable"
#: In a project's settings (set by SQLite triggers): posts left the index outside dazi.
_REBUILD_KEY = "substring_index_rebuild"

__all__ = ["GRAMS_VERSION", "ensure_gram_index", "forget_texts", "index_grams"]


def ensure_gram_index(db: Database, project: Project, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Index the project's new posts for substring search, if there are any.

    A substring search calls this first; it costs two index lookups when no
    import happened since the last call (see :func:`ensure_index`).  Returns
    how many posts were indexed.
    """
    if _is_fresh(db, project, _GRAM_STAMP_KEY, GRAMS_VERSION):
        return 0
    return index_grams(db, project, progress=progress)


def index_grams(
    db: Database,
    project: Project,
    *,
    verify: bool = False,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Bring the project's substring index up to date; returns how many posts were indexed.

    The index holds every post's substrings of one and two characters
    (:func:`corpus.query.gram_document`): on SQLite in a contentless FTS5
    table, which stores the index but not the text (half the
    size), on PostgreSQL in a ``tsvector`` with a GIN index.  Posts without
    an index entry, or indexed by another :data:`GRAMS_VERSION`, are
    indexed; finding them reads the project's post ids, not their texts.
    Posts whose text changes in an import leave the index at that moment
    (:func:`forget_texts`).  ``verify=True`` also reads every text and
    compares it with what was indexed, for texts changed outside dazi (on
    SQLite such a change rebuilds the index, whose old entries cannot be
    told apart without their text).
    """
    with db.read() as conn:
        rebuild = _settings(conn, project).get(_REBUILD_KEY)
    if rebuild:  # posts deleted or rewritten outside dazi (SQLite triggers)
        db.retrying(_clear_grams)
    with db.read() as conn:
        stamp = _stamp(conn, project, GRAMS_VERSION)
        pks = _unindexed(conn, project)
    if verify:
        pks = sorted(set(pks) | set(_changed_texts(db, project, batch_size)))
    total = len(pks)
    done = 0
    if progress:
        progress(0, total)
    for start in range(0, total, batch_size):
        chunk = pks[start : start + batch_size]
        with db.read() as conn:
            rows = conn.execute(
                select(posts.c.id, posts.c.title, posts.c.text, post_gram_index.c.post_pk.label("had"))
                .outerjoin(post_gram_index, post_gram_index.c.post_pk == posts.c.id)
                .where(posts.c.id.in_(chunk))
            ).all()
        if db.dialect == "sqlite" and any(r.had is not None for r in rows):
            # entries of another version, which a contentless table cannot delete (their text is gone):
            # start again
            db.retrying(_clear_grams)
            return index_grams(db, project, batch_size=batch_size, progress=progress)
        entries = [(r.id, r.had is not None, _hash(doc), doc) for r in rows
                   for doc in (_document(r.title, r.text),)]
        db.retrying(partial(_write_grams, project=project, entries=entries))
        done += len(entries)
        if progress:
            progress(done, total)
    db.retrying(lambda conn: _save_setting(conn, project, _GRAM_STAMP_KEY, stamp))
    if done >= _ANALYZE_AFTER and db.dialect != "sqlite":
        db.retrying(lambda conn: conn.exec_driver_sql("ANALYZE posts, post_gram_index, post_grams"))
    return done


def _unindexed(conn: Connection, project: Project) -> list[int]:
    """Ids of the project's posts without a substring-index entry of this version.

    Read from the project's post index and the bookkeeping's primary key:
    no post text is read.
    """
    return list(conn.execute(
        select(posts.c.id)
        .outerjoin(post_gram_index, post_gram_index.c.post_pk == posts.c.id)
        .where(posts.c.project_id == project.id,
               or_(post_gram_index.c.post_pk.is_(None), post_gram_index.c.pipeline_version != GRAMS_VERSION))
        .order_by(posts.c.id)
    ).scalars())


def _changed_texts(db: Database, project: Project, batch_size: int) -> Iterator[int]:
    """Ids of indexed posts whose title or text is no longer what was indexed."""
    last = 0
    while True:
        with db.read() as conn:
            rows = conn.execute(
                select(posts.c.id, posts.c.title, posts.c.text, post_gram_index.c.text_hash)
                .join(post_gram_index, post_gram_index.c.post_pk == posts.c.id)
                .where(post_gram_index.c.project_id == project.id, post_gram_index.c.post_pk > last)
                .order_by(post_gram_index.c.post_pk).limit(batch_size)
            ).all()
        if not rows:
            return
        last = rows[-1].id
        yield from (r.id for r in rows if _hash(_document(r.title, r.text)) != r.text_hash)


def _clear_grams(conn: Connection) -> None:
    """Empty the substring index of every project (SQLite: ``delete-all``)."""
    conn.exec_driver_sql("INSERT INTO post_grams (post_grams) VALUES ('delete-all')")
    conn.execute(post_gram_index.delete())
    for pk, settings in conn.execute(select(projects.c.id, projects.c.settings)).all():
        keys = (_GRAM_STAMP_KEY, _UNINDEXABLE_KEY, _REBUILD_KEY)
        if settings and any(k in settings for k in keys):
            kept = {k: v for k, v in settings.items() if k not in keys}
            conn.execute(projects.update().where(projects.c.id == pk).values(settings=kept))


def _write_grams(conn: Connection, project: Project, entries: list[tuple[int, bool, str, str]]) -> None:
    """Index ``(post pk, was indexed, text hash, document)`` entries.

    Another search or ``dazi index`` may be indexing the same posts: SQLite
    writers take turns, and entries indexed meanwhile are left out (none was
    indexed when read: :func:`index_grams` starts over otherwise);
    PostgreSQL writers of a project take turns on an advisory lock and
    replace whatever is there.
    """
    pks = [pk for pk, _, _, _ in entries]
    expanding: BindParameter[int] = bindparam("pks", expanding=True)
    if conn.dialect.name == "sqlite":
        done = set(conn.execute(select(post_gram_index.c.post_pk).where(post_gram_index.c.post_pk.in_(pks)))
                   .scalars())
        entries = [e for e in entries if e[0] not in done]
        if not entries:
            return
    else:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key, :project)"),
                     {"key": _GRAM_LOCK, "project": project.id})
        conn.execute(post_gram_index.delete().where(post_gram_index.c.post_pk.in_(pks)))
        conn.execute(text("DELETE FROM post_grams WHERE rowid IN :pks").bindparams(expanding), {"pks": pks})
    bulk_insert(conn, post_gram_index, [
        {"post_pk": pk, "project_id": project.id, "pipeline_version": GRAMS_VERSION, "text_hash": h}
        for pk, _, h, _ in entries
    ])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO post_grams (rowid, grams) VALUES (?, ?)",
                             [(pk, gram_document(doc, project.id)) for pk, _, _, doc in entries])
        return
    rows = [(pk, gram_lexemes(doc, project.id), fold(doc)) for pk, _, _, doc in entries]
    conn.exec_driver_sql(
        "INSERT INTO post_grams (rowid, grams, folded) VALUES (%s, array_to_tsvector(%s::text[]), %s)", rows)
    if any(lexemes[:1] == [GRAM_SEP] for _, lexemes, _ in rows):
        # one flag for the project: a check per search would scan the gram table
        _save_setting(conn, project, _UNINDEXABLE_KEY, True)


#: First key of the PostgreSQL advisory lock that writers of a project's substring index take.
_GRAM_LOCK = 0x6461_7A69  # "dazi"


def forget_texts(conn: Connection, old: Sequence[tuple[int, str | None, str]]) -> None:
    """Take posts out of both search indexes before their title or text changes.

    ``old`` holds ``(post pk, title, text)`` as they were indexed; run in the
    transaction that changes them (the importer does, when a newer crawl of
    a post differs in its spacing).  Their next search indexes them anew.
    The contentless SQLite gram table deletes an entry by its indexed text:
    an entry indexed from other text than ``old`` stays, and the SQLite
    trigger on the change marks the project for a rebuild of the index.
    """
    pks = [pk for pk, _, _ in old]
    if not pks:
        return
    expanding: BindParameter[int] = bindparam("pks", expanding=True)
    conn.execute(post_index.delete().where(post_index.c.post_pk.in_(pks)))
    conn.execute(text("DELETE FROM post_fts WHERE rowid IN :pks").bindparams(expanding), {"pks": pks})
    if conn.dialect.name != "sqlite":
        conn.execute(text("DELETE FROM post_grams WHERE rowid IN :pks").bindparams(expanding), {"pks": pks})
        conn.execute(post_gram_index.delete().where(post_gram_index.c.post_pk.in_(pks)))
        return
    indexed = {pk: (h, project_id) for pk, h, project_id in conn.execute(
        select(post_gram_index.c.post_pk, post_gram_index.c.text_hash, post_gram_index.c.project_id).where(
            post_gram_index.c.post_pk.in_(pks), post_gram_index.c.pipeline_version == GRAMS_VERSION)
    )}
    gone = []
    for pk, title, body in old:
        doc = _document(title, body)
        h, project_id = indexed.get(pk, (None, None))
        if h == _hash(doc):
            conn.exec_driver_sql("INSERT INTO post_grams (post_grams, rowid, grams) VALUES ('delete', ?, ?)",
                                 (pk, gram_document(doc, project_id)))
            gone.append(pk)
    if gone:
        conn.execute(post_gram_index.delete().where(post_gram_index.c.post_pk.in_(gone)))


def _has_unindexable(conn: Connection, project: Project) -> bool:
    """Whether some of the project's posts had too many grams for a PostgreSQL
    ``tsvector`` (:data:`corpus.query.GRAM_LIMIT`): then every lookup takes them
    as candidates and LIKE on their folded text decides."""
    return bool(_settings(conn, project).get(_UNINDEXABLE_KEY))
