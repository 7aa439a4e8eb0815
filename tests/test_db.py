"""The storage layer: URLs, SQLite rules, migrations, projects."""

from __future__ import annotations

import sqlite3
from datetime import UTC

import pytest
import sqlalchemy as sa

from dazi.db import connect, resolve_url
from dazi.errors import NotFound, StorageError, ValidationError
from dazi.projects import create_project, ensure_project, get_project, list_projects, set_blind, update_settings


@pytest.mark.parametrize(
    "given, expected_start",
    [
        pytest.param("proj.db", "sqlite:////", id="bare path is sqlite"),
        pytest.param("postgresql://u@h/db", "postgresql+psycopg://u@h/db", id="postgres uses psycopg 3"),
        pytest.param("sqlite:///x.db", "sqlite:///x.db", id="url kept"),
    ],
)
def test_resolve_url(given, expected_start):
    assert resolve_url(given).startswith(expected_start)


def test_resolve_url_env_and_default(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAZI_DATABASE_URL", raising=False)
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'dazi.db'}"
    monkeypatch.setenv("DAZI_DATABASE_URL", "postgresql://a@b/c")
    assert resolve_url(None) == "postgresql+psycopg://a@b/c"


def test_sqlite_runs_wal_with_foreign_keys(sqlite_db):
    with sqlite_db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 8192  # a new file gets 8 KiB pages


def test_an_existing_database_keeps_its_page_size(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")  # made by other software with the 4 KiB default
    con.commit()
    con.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA page_size").fetchone()[0] == 4096
    raw.close()
    from dazi.db import Database

    db = Database(f"sqlite:///{path}", migrate=False)
    try:
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    finally:
        db.close()


def test_schema_is_at_head(db):
    assert db.schema_revision() == "0010"
    with db.read() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"projects", "posts", "comments", "coding_events", "codings", "adjudications", "llm_calls", "llm_prompts"} <= tables


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    connect(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="newer version of dazi"):
        connect(path)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StorageError, match="folder for the database does not exist"):
        connect(tmp_path / "nope" / "dazi.db")


def test_read_only_database_gives_a_clear_error(tmp_path):
    # root ignores file permissions, so open the file read-only the SQLite way
    path = tmp_path / "ro.db"
    db = connect(path)
    create_project(db, "p")
    db.close()
    db = connect(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(StorageError) as info:
        create_project(db, "q")
    assert "read-only" in info.value.describe()
    assert [p.name for p in list_projects(db)] == ["p"]


def test_projects(db):
    p = create_project(db, "study 1")
    assert p.blind is True and len(p.salt) == 32
    assert get_project(db, "study 1") == p
    assert ensure_project(db, "study 1") == p
    assert ensure_project(db, "other").name == "other"
    assert [x.name for x in list_projects(db)] == ["other", "study 1"]
    with pytest.raises(ValidationError, match="already exists"):
        create_project(db, "study 1")
    with pytest.raises(NotFound, match="No project named 'nope'") as info:
        get_project(db, "nope")
    assert "other, study 1" in info.value.hint
    assert set_blind(db, p, False).blind is False
    assert update_settings(db, p, pseudonymize=True).settings == {"pseudonymize": True}


@pytest.mark.parametrize("name", [pytest.param("", id="empty"), pytest.param("a/b", id="slash")])
def test_bad_project_names(db, name):
    with pytest.raises(ValidationError):
        create_project(db, name)


def test_write_rolls_back_on_error(db, project):
    from dazi.schema import projects

    with pytest.raises(RuntimeError):
        with db.write() as conn:
            conn.execute(projects.update().values(blind=False))
            raise RuntimeError("boom")
    assert get_project(db, "default").blind is True


def test_write_lock_serves_threads_in_arrival_order():
    import threading
    import time

    from dazi.db import _FifoLock

    lock = _FifoLock()
    assert lock.acquire(1) and lock.acquire(1)  # re-entrant
    order: list[int] = []

    def take(i: int) -> None:
        assert lock.acquire(10)
        order.append(i)
        lock.release()

    threads = []
    for i in range(6):
        t = threading.Thread(target=take, args=(i,))
        t.start()
        threads.append(t)
        while len(lock._waiters) < i + 1:  # queued before the next one starts
            time.sleep(0.001)
    lock.release()
    assert order == []  # still held once
    lock.release()
    for t in threads:
        t.join()
    assert order == list(range(6))
    # a waiter that times out leaves the queue and the lock usable
    assert lock.acquire(1)
    waited = []
    t = threading.Thread(target=lambda: waited.append(lock.acquire(0.05)))
    t.start()
    t.join()
    assert waited == [False] and not lock._waiters
    lock.release()
    assert lock.acquire(0)
    lock.release()


def test_writers_on_one_file_share_one_queue(tmp_path):
    first, second = connect(tmp_path / "a.db"), connect(str(tmp_path / "a.db"))
    other = connect(tmp_path / "b.db")
    try:
        assert first._write_queue is second._write_queue is not None
        assert other._write_queue is not first._write_queue
        assert connect("sqlite://")._write_queue is None
    finally:
        for d in (first, second, other):
            d.close()


def test_analyze_refreshes_statistics_and_skips_a_read_only_database(sqlite_db, tmp_path):
    from dazi.projects import create_project as _create
    from tests.conftest import make_posts

    make_posts(sqlite_db, _create(sqlite_db, "p"), 5)
    assert sqlite_db.analyze(["posts"]) is True
    with sqlite_db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'posts'").scalar() > 0
    path = sqlite_db.engine.url.database
    read_only = connect(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert read_only.analyze(["posts"]) is False  # statistics are optional: no error
    finally:
        read_only.close()


def test_a_writer_kept_waiting_by_this_process_gets_a_clear_error(sqlite_db, monkeypatch):
    import threading

    import dazi.db as dazi_db

    monkeypatch.setattr(dazi_db, "_WRITE_WAIT", 0.1)
    got: list[BaseException] = []

    def second_writer() -> None:
        try:
            with sqlite_db.write():
                pass
        except StorageError as exc:
            got.append(exc)

    with sqlite_db.write():  # this thread holds the turn
        t = threading.Thread(target=second_writer)
        t.start()
        t.join()
    assert len(got) == 1 and "database is locked" in str(got[0]) and "try again" in got[0].hint
    with sqlite_db.write():  # the queue is free again
        pass


def test_messages_never_show_the_database_password():
    from dazi.db import Database

    url = "postgresql://dazi:S3CRET@127.0.0.1:1/nowhere"
    with pytest.raises(StorageError) as info:
        connect(url)
    assert "S3CRET" not in info.value.describe() and "dazi:***@127.0.0.1:1/nowhere" in info.value.message
    db = Database(url, migrate=False)
    assert db.shown_url == "postgresql+psycopg://dazi:***@127.0.0.1:1/nowhere" and "S3CRET" not in repr(db)


def test_a_database_at_schema_0002_is_migrated_with_its_sign_in_history(tmp_path):
    """Migration 0003 keys sign-in attempts by name: the old attempts keep counting for their coder."""
    from datetime import datetime

    from alembic import command

    from coding.coders import add_coder, authenticate
    from dazi.db import Database
    from dazi.errors import AccessDenied

    path = tmp_path / "old.db"
    db = connect(path)
    add_coder(db, ensure_project(db, "default"), "alice", passcode="1234")
    db.close()
    old = Database(f"sqlite:///{path}", migrate=False)  # back to 0002 (the downgrade works too)
    with old.engine.connect() as conn, conn.begin():
        cfg = old._alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    old.close()
    con = sqlite3.connect(path)  # three failures as an older dazi recorded them (no name)
    assert "name" not in {row[1] for row in con.execute("PRAGMA table_info(login_attempts)")}
    con.executemany("INSERT INTO login_attempts (coder_id, at, success) VALUES (1, ?, 0)",
                    [(datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),)] * 3)
    con.commit()
    con.close()
    db = connect(path)
    try:
        assert db.schema_revision() == "0010"
        with pytest.raises(AccessDenied, match="Too many wrong passcodes"):
            authenticate(db, get_project(db), "alice", "1234")
    finally:
        db.close()


def test_a_sqlite_file_keeps_one_idle_connection_until_closed(tmp_path):
    """Between transactions the WAL stays (no checkpoint per transaction, issue #7);
    close() releases the idle connection, which checkpoints and removes the log."""
    path = tmp_path / "kept.db"
    db = connect(path)
    wal = tmp_path / "kept.db-wal"
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert wal.exists()  # the last transaction's connection closed, the idle one keeps the log
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1
    assert wal.exists()
    db.close()
    assert not wal.exists()
    db.close()  # twice is harmless


def test_a_bulk_write_alone_writes_pages_once_and_leaves_wal_mode(tmp_path):
    """bulk_write: a rollback journal while nobody else has the file open (pages written once,
    not to the WAL and again at the checkpoint), WAL again afterwards; with another connection
    open, an ordinary WAL write.  Both commit all or nothing."""
    path = tmp_path / "bulk.db"
    db = connect(path)
    try:
        with db.bulk_write() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        with pytest.raises(RuntimeError), db.bulk_write() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            raise RuntimeError("stop")
        other = sqlite3.connect(path)  # somebody else (the app) has the file open
        other.execute("SELECT count(*) FROM t").fetchone()
        with db.bulk_write() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            conn.exec_driver_sql("INSERT INTO t VALUES (3)")
        assert other.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (3,)]
        other.close()
    finally:
        db.close()


def test_a_sqlite_file_reuses_its_connections_and_a_forked_child_opens_its_own(tmp_path):
    """Reads and writes take an open connection from the pool (issue 14: a fresh connection per
    read cost ~1 ms, about 20 per Save & next); a child process never uses the parent's."""
    import multiprocessing

    db = connect(tmp_path / "pooled.db")
    opened: list[int] = []
    sa.event.listen(db.engine, "connect", lambda *_: opened.append(1))
    try:
        for _ in range(5):
            with db.read() as conn:
                conn.exec_driver_sql("SELECT 1")
            with db.write() as conn:
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        assert len(opened) <= 1, opened  # (the pool held one already: none, or one more for the idle holder)
        with db.write() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (7)")
        ctx = multiprocessing.get_context("fork")
        answers = ctx.Queue()
        child = ctx.Process(target=_child_reads, args=(db, answers))  # (forked: db is the parent's object)
        child.start()
        assert answers.get(timeout=60) == (7, True)
        child.join(60)
        assert child.exitcode == 0
        with db.read() as conn:  # the parent's connections still work
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 7
    finally:
        db.close()


def _child_reads(db, answers) -> None:
    import os

    with db.read() as conn:
        value = conn.exec_driver_sql("SELECT x FROM t").scalar()
        mine = conn.connection._connection_record.info["pid"] == os.getpid()
    answers.put((value, mine))


def test_a_snapshot_is_one_read_transaction_that_reads_join(tmp_path):
    """Database.snapshot: the reads inside it share its connection and its view of the data
    (a write committed meanwhile is not seen until it ends); outside it, reads see the write."""
    db = connect(tmp_path / "snap.db")
    try:
        with db.write() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with db.snapshot() as outer:
            assert outer.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
            with db.write() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            with db.read() as inner:
                assert inner is outer
                assert inner.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        with db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    finally:
        db.close()
