"""Shared fixtures: a database on SQLite and on PostgreSQL, a project, sample files.

Every test that takes ``db`` runs twice, once per backend.  PostgreSQL is the
server at 127.0.0.1:5432 (trust auth; override with ``DAZI_TEST_PG_URL``).  If
it is unreachable the PostgreSQL half fails loudly: deselect it explicitly with
``-m "not postgres"`` on a machine without the server.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa

from dazi.db import Database, connect
from dazi.schema import metadata

DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("DAZI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file, copied for each test (migrating costs ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = connect(path)
    db.close()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo project (``dazi demo``: 500 notes, codings, a trained machine coder), built once per run.

    Building it takes 10-30 s, so the tests that only read it copy this file
    (:func:`copy_demo`) instead of building their own.  Under xdist the
    workers share one build through a lock in the run's base folder (fresh
    for every run, so the template is never older than the code).
    """
    from dazi.demo import build_demo

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "demo-template.db"
    with open(root / "demo-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = root / "demo-template-building.db"
            db = connect(building)
            try:
                build_demo(db)
                with db.engine.connect() as conn:  # everything into the main file, so one file is the copy
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                db.close()
            os.replace(building, path)
    return path


def copy_demo(template: Path, folder: Path) -> Path:
    """A private copy of the demo project in *folder* (``demo.db``), to read and write."""
    path = Path(folder) / "demo.db"
    shutil.copy(template, path)
    return path


ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip a test whose machine lacks something; on CI (``CI=true``), where `make test` provides it, fail.

    CI runs as root with Debian's CJK fonts installed, so a skip there would hide a broken set-up.
    """
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: this machine should provide it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _pg_database():
    """A private PostgreSQL database for this test process, dropped at the end."""
    name = f"dazi_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.orig}). Start it, set "
            "DAZI_TEST_PG_URL, or deselect these tests with -m 'not postgres'.",
            pytrace=False,
        )
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    db = connect(url)
    db.close()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A URL of an empty, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "dazi.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return str(path)
    url = request.getfixturevalue("_pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def db(db_url) -> Database:
    database = connect(db_url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path, _sqlite_template) -> Database:
    """SQLite only, for tests about SQLite itself (WAL, files, permissions)."""
    path = tmp_path / "dazi.db"
    shutil.copy(_sqlite_template, path)
    database = connect(path)
    yield database
    database.close()


@pytest.fixture
def project(db):
    from dazi.projects import create_project

    return create_project(db, "default")


def make_posts(db, project, n: int, *, platform: str = "xiaohongshu", seed: int = 0) -> list[int]:
    """Insert ``n`` simple canonical posts straight into the database; returns their keys.

    For tests of sampling, assignment and coding that do not need the loaders.
    """
    import random
    from datetime import datetime, timedelta

    from dazi.schema import posts

    rng = random.Random(seed)
    keywords = ["找搭子", "饭搭子", "旅行搭子", "学习搭子"]
    rows = []
    for i in range(n):
        likes = rng.randint(0, 2000)
        comments = rng.randint(0, 200)
        kw = keywords[i % len(keywords)]
        rows.append({
            "project_id": project.id, "platform": platform, "post_id": f"{i:024x}",
            "title": f"帖子 {i}", "text": f"{kw} 第{i}条 #{kw}[话题]#", "author_id": f"u{i % 37}",
            "author_name": f"用户{i % 37}", "created_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=i),
            "likes": likes, "collects": 0, "comments": comments, "shares": 0, "engagement": likes + comments,
            "counts_approximate": False, "hashtags": [kw], "mentions": [], "source_keywords": [kw],
            "lang": "zh", "status": "ok" if i % 50 != 49 else "deleted",
        })
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
        from sqlalchemy import select

        return list(conn.execute(select(posts.c.id).where(posts.c.project_id == project.id).order_by(posts.c.id)).scalars())


@pytest.fixture
def panel(monkeypatch):
    """The codes panel of the Code page, faked for AppTest (see :class:`tests.app_helpers.FakePanel`)."""
    import ui.codes_panel
    from tests.app_helpers import FakePanel

    fake = FakePanel()
    monkeypatch.setattr(ui.codes_panel, "_panel", fake.mount)
    monkeypatch.setattr(ui.codes_panel, "submitted", fake.submitted)
    return fake
