"""What the two search indexes share: what an index was built from, kept in the project's
settings (so that checking whether it is up to date costs two index lookups), and when
PostgreSQL's statistics are refreshed."""

from __future__ import annotations

from sqlalchemy import Connection, select

from corpus.store import corpus_stamp
from dazi.db import Database
from dazi.projects import Project
from dazi.schema import projects


def _stamp(conn: Connection, project: Project, version: str) -> list:
    """What an index was built from: its version and :func:`corpus.store.corpus_stamp`.

    New posts raise the highest id; an import that updates posts with a
    newer crawl adds an import.  Deleted posts need no indexing (their index
    rows go with them, or are never joined).
    """
    return [version, *corpus_stamp(conn, project)]


def _is_fresh(db: Database, project: Project, key: str, version: str) -> bool:
    with db.read() as conn:
        return _settings(conn, project).get(key) == _stamp(conn, project, version)


def _settings(conn: Connection, project: Project) -> dict:
    """The project's settings as stored now (the ``Project`` read earlier may be stale)."""
    return conn.execute(select(projects.c.settings).where(projects.c.id == project.id)).scalar() or {}


def _save_setting(conn: Connection, project: Project, key: str, value: object) -> None:
    settings = _settings(conn, project)
    if settings.get(key) != value:
        conn.execute(projects.update().where(projects.c.id == project.id).values(settings={**settings, key: value}))


#: Posts indexed in one run after which PostgreSQL's statistics are refreshed.
_ANALYZE_AFTER = 10_000
