"""PostgreSQL connections dropped under dazi: the next action reconnects and nothing confirmed is lost.

A second connection ends dazi's backends with ``pg_terminate_backend`` (what
a server restart, a failover or an idle-connection killer does).  Between two
actions the pool's pre-ping finds the dead connections and opens new ones; a
connection that dies inside a write makes :meth:`dazi.db.Database.retrying`
run the whole transaction again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from coding.codebook_store import current_codebook
from coding.coders import get_coder
from coding.codings import codings_long, get_unit, save_coding
from dazi.db import connect
from dazi.projects import create_project, get_project
from dazi.schema import coding_events, projects
from tests.app_helpers import values
from tests.conftest import PG_ADMIN_URL, _truncate_pg

pytestmark = pytest.mark.postgres

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def pg_url(_pg_database) -> str:
    _truncate_pg(_pg_database)
    return _pg_database


@pytest.fixture
def admin():
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def terminate(admin, url: str, pid: int | None = None) -> int:
    """End every backend on ``url``'s database (or only ``pid``) from another connection; returns how many."""
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        sql = ("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
               "WHERE datname = %(name)s AND pid <> pg_backend_pid()")
        if pid is not None:
            sql += " AND pid = %(pid)s"
        return conn.exec_driver_sql(sql, {"name": name, "pid": pid}).scalar()


def test_the_next_save_after_dropped_connections_reconnects(pg_url, admin):
    from tests.test_two_servers import build_pg_study

    pks = build_pg_study(pg_url)
    db = connect(pg_url, migrate=False)
    try:
        project = get_project(db)
        alice = get_coder(db, project, "alice")
        book = current_codebook(db, project).codebook
        confirmed = []
        for i, pk in enumerate(pks[:4]):
            save_coding(db, project, alice, pk, values(book, i, coder="alice"))
            confirmed.append(pk)
            assert terminate(admin, pg_url) >= 1  # the pooled connection(s) of this Database
        assert get_unit(db, project, alice, pks[0]).done  # a read reconnects too
        for i, pk in enumerate(confirmed):
            assert get_unit(db, project, alice, pk).values == {k: v for k, v in values(book, i, coder="alice").items()
                                                                if v is not None}
    finally:
        db.close()


def test_a_connection_dropped_inside_a_write_is_retried_whole(pg_url, admin):
    db = connect(pg_url, migrate=False)
    try:
        create_project(db, "default")
        attempts = []

        def _tx(conn):
            attempts.append(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar())
            conn.execute(projects.update().values(blind=False))
            if len(attempts) == 1:  # the backend dies half way through the transaction
                assert terminate(admin, pg_url, attempts[0]) == 1
            conn.execute(projects.update().values(settings={"after": len(attempts)}))
            return len(attempts)

        assert db.retrying(_tx) == 2
        assert attempts[0] != attempts[1]
        project = get_project(db, "default")
        assert project.blind is False and project.settings == {"after": 2}
    finally:
        db.close()


def test_the_app_saves_after_its_connections_were_dropped(pg_url, admin, monkeypatch, panel):
    """AppTest on PostgreSQL: alice saves, her server's connections are ended, her next save lands."""
    from streamlit.testing.v1 import AppTest

    from tests.app_helpers import FILLED
    from tests.test_two_servers import build_pg_study

    build_pg_study(pg_url)
    monkeypatch.setenv("DAZI_DATABASE_URL", pg_url)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    at.run()
    at.switch_page("ui/pages/code.py").run()
    saved = []
    for _ in range(3):
        pk = at.session_state["ws_cursor"]
        assert terminate(admin, pg_url) >= 1
        panel.save(at, FILLED)
        assert not at.exception and not at.error and not panel.data["error"], (at.exception, at.error)
        assert at.session_state["ws_cursor"] != pk
        saved.append(pk)
    db = connect(pg_url, migrate=False)
    try:
        project = get_project(db)
        alice = get_coder(db, project, "alice")
        assert all(get_unit(db, project, alice, pk).done for pk in saved)
        frame = codings_long(db, project, None)
        assert sorted(set(frame[frame.coder == "alice"].post_pk)) == sorted(saved)
        with db.read() as conn:
            events = conn.execute(select(func.count()).select_from(coding_events)
                                  .where(coding_events.c.field == "value")).scalar()
        assert events == 8 * len(saved)  # each save written once, none twice
    finally:
        db.close()


def test_a_server_with_no_free_connection_is_a_clear_error(pg_url, admin):
    """A role limited to one connection stands in for a server at max_connections."""
    import uuid

    from dazi.errors import StorageError

    role = f"dazi_limited_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
    url = pg_url.replace("postgres@", f"{role}@", 1)
    holder = sa.create_engine(url)
    try:
        with holder.connect():
            with pytest.raises(StorageError) as info:
                connect(url, migrate=False).schema_revision()
        assert "too many connections" in info.value.message and "max_connections" in info.value.hint
    finally:
        holder.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_every_pooled_connection_busy_is_a_clear_error(pg_url):
    from dazi.db import _PG_MAX_OVERFLOW, _PG_POOL_SIZE
    from dazi.errors import StorageError

    db = connect(pg_url, migrate=False)
    db.engine.pool._timeout = 0.2  # (30 s in use)
    held = [db.engine.connect() for _ in range(_PG_POOL_SIZE + _PG_MAX_OVERFLOW)]
    try:
        with pytest.raises(StorageError) as info:
            create_project(db, "waits")
        assert f"all {_PG_POOL_SIZE + _PG_MAX_OVERFLOW} connections of this program were busy" in info.value.message
        assert "try again" in info.value.hint
    finally:
        for conn in held:
            conn.close()
    assert create_project(db, "waits").name == "waits"  # free again
    db.close()
