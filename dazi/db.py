"""Opening a dazi database: SQLite by default, PostgreSQL by URL.

>>> db = connect("sqlite://")            # in memory; a path means a file
>>> db.dialect
'sqlite'

Where the database is
    ``connect(url)`` takes a SQLAlchemy URL (``postgresql://...``) or a bare
    file path (SQLite).  With nothing given it reads ``DAZI_DATABASE_URL`` and
    falls back to ``./dazi.db``.

How it behaves
    SQLite runs in WAL mode with foreign keys on, a busy timeout, and
    ``synchronous=FULL`` so a committed coding survives a crash.  Write
    transactions (:meth:`Database.write`) start with ``BEGIN IMMEDIATE`` so two
    writers queue instead of failing half way.  Threads of one process (the
    app server's sessions) first queue in order on an in-process lock per
    database file: SQLite's own busy handler lets waiting writers sleep and
    poll, so under load a few of them waited seconds while others went first.
    Other processes still meet at ``BEGIN IMMEDIATE`` and are retried.  The
    schema is created or migrated by Alembic when the database is opened; a
    database written by a newer dazi is refused rather than misread.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Connection, CursorResult, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from dazi.errors import StorageError
from dazi.params import convert_column
from dazi.schema import UTCDateTime

__all__ = [
    "DEFAULT_PATH", "ENV_VAR", "Database", "bulk_insert", "column_kinds", "connect", "insert_params", "inserted_id", "resolve_url",
]

ENV_VAR = "DAZI_DATABASE_URL"
DEFAULT_PATH = "dazi.db"
_MIGRATIONS = Path(__file__).parent / "migrations"

T = TypeVar("T")


def resolve_url(url: str | os.PathLike | None = None) -> str:
    """Turn ``--db`` / ``DAZI_DATABASE_URL`` / the default into a SQLAlchemy URL.

    A value with ``://`` is a URL (``postgresql://`` is served by psycopg 3);
    anything else is a path to a SQLite file.
    """
    if url is None or str(url) == "":
        url = os.environ.get(ENV_VAR) or DEFAULT_PATH
    url = str(url)
    if "://" not in url:
        return "sqlite:///" + str(Path(url).expanduser().resolve())
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: How long a SQLite connection waits for another's lock before "database is locked".
_BUSY_TIMEOUT_MS = 30_000


def _json_dumps(value) -> str:
    return orjson.dumps(value).decode()


def _json_loads(value):
    # SQLite gives JSON columns NUMERIC affinity: a stored "3" comes back as 3
    if isinstance(value, (int, float)):
        return value
    return orjson.loads(value)


def _is_retryable(exc: BaseException) -> bool:
    """Lock and serialisation failures that succeed when tried again."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        msg = str(orig).lower()
        return "locked" in msg or "busy" in msg
    sqlstate = getattr(orig, "sqlstate", None)
    # serialization_failure, deadlock_detected, and connection loss
    return sqlstate in {"40001", "40P01"} or bool(getattr(exc, "connection_invalidated", False))


class _FifoLock:
    """A re-entrant lock that passes itself to waiting threads in arrival order.

    ``threading.Lock`` promises no order; this one keeps a queue of waiters
    and hands ownership to the oldest on release, so no writer waits while
    later ones go first.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[tuple[int, threading.Lock]] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the lock; False if it did not come."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:
                self._owner, self._depth = me, 1
                return True
            turn = threading.Lock()
            turn.acquire()
            entry = (me, turn)
            self._waiters.append(entry)
        if turn.acquire(timeout=timeout):
            return True  # release() made us the owner before waking us
        with self._mutex:
            try:
                self._waiters.remove(entry)
            except ValueError:  # handed over just as the wait timed out: we own it now
                return True
        return False

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.release()
            else:
                self._owner = None


#: SQLite connections to a file one Database keeps open (each thread takes one while it runs a
#: transaction), and how many more it may open when many threads read at once.
_SQLITE_POOL_SIZE, _SQLITE_MAX_OVERFLOW = 8, 32
#: PostgreSQL connections one Database keeps open, and how many more it may open under load.
_PG_POOL_SIZE, _PG_MAX_OVERFLOW = 5, 10

_WRITE_LOCKS: dict[str, _FifoLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()
#: How long a writer waits for the other writers of this process (as SQLite's busy timeout).
_WRITE_WAIT = 30.0


def _write_lock(path: str) -> _FifoLock:
    """The one in-process write queue of a SQLite file (shared by every Database on it)."""
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(path)
        if lock is None:
            lock = _WRITE_LOCKS[path] = _FifoLock()
        return lock


class Database:
    """A dazi database: one SQLAlchemy engine plus dazi's connection rules.

    Parameters
    ----------
    url : str or path, optional
        See :func:`resolve_url`.
    migrate : bool, default True
        Create or upgrade the schema when opening.  The schema is always
        checked: a database from a newer dazi raises :class:`StorageError`.
    """

    def __init__(self, url: str | os.PathLike | None = None, *, migrate: bool = True):
        self.url = resolve_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise StorageError(
                f"Not a database URL: {_shown(self.url)!r}",
                "Give a file path (SQLite) or a URL like postgresql://user@host/dbname.",
            ) from exc
        self.dialect = parsed.get_backend_name()
        self._write_queue: _FifoLock | None = None
        self._idle: PoolProxiedConnection | None = None  # see _keep_one_open
        self._idle_guard = threading.Lock()
        self._reading = threading.local()  # this thread's open read transaction (see read)
        self.engine = self._make_engine(parsed)
        try:
            if migrate:
                self.migrate()
        except BaseException:
            self.close()  # (no pooled connection may outlive a database that did not open)
            raise

    # -- engine ---------------------------------------------------------
    def _make_engine(self, parsed) -> Engine:
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                folder = Path(database).parent
                if Path(database).is_dir():
                    raise StorageError(
                        f"The database path is a folder, not a file: {database}",
                        f"Name a file inside it, e.g. --db {Path(database) / 'dazi.db'}",
                    )
                if not folder.exists():
                    raise StorageError(
                        f"The folder for the database does not exist: {folder}",
                        "Create the folder first, or pass another --db path.",
                    )
            memory = not database or database == ":memory:"
            if not memory:
                self._write_queue = _write_lock(os.path.realpath(database.removeprefix("file:").split("?")[0]))
            # A shared in-memory database needs one connection.  A file keeps a pool of open
            # connections, each used by one thread at a time (check_same_thread=False lets the
            # app's session threads take turns): opening a connection and setting it up cost
            # ~1 ms, and a Save & next made about 20 of them (issue 14).  A process forked with
            # the pool open opens its own (see _install_sqlite_rules).
            pool = {} if memory else {"pool_size": _SQLITE_POOL_SIZE, "max_overflow": _SQLITE_MAX_OVERFLOW,
                                      "pool_timeout": _WRITE_WAIT}
            engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                connect_args={"check_same_thread": False, "timeout": 30},
                **pool,
            )
            self._install_sqlite_rules(engine, memory)
            return engine
        if self.dialect == "postgresql":
            return create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                pool_pre_ping=True,
                pool_size=_PG_POOL_SIZE,
                max_overflow=_PG_MAX_OVERFLOW,
            )
        raise StorageError(
            f"Unsupported database {self.dialect!r} in {_shown(self.url)!r}",
            "dazi works with SQLite (a file path) and PostgreSQL (postgresql://...).",
        )

    @staticmethod
    def _install_sqlite_rules(engine: Engine, memory: bool) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # we issue BEGIN ourselves (SQLAlchemy's recipe for pysqlite)
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # 8 KiB pages: bulk imports write ~25% less CPU than at the 4 KiB default (takes effect only on
            # a new, empty file; an existing database keeps its page size)
            cur.execute("PRAGMA page_size=8192")
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()
            _record.info["pid"] = os.getpid()

        @event.listens_for(engine, "checkout")
        def _on_checkout(_dbapi_conn, record, proxy):
            # SQLAlchemy's recipe for pools across fork: a SQLite connection opened by the parent
            # must never be used by a child; the pool drops it and opens a new one
            if record.info.get("pid", os.getpid()) != os.getpid():
                record.dbapi_connection = proxy.dbapi_connection = None
                raise DisconnectionError("connection opened by another process")

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            if conn.get_execution_options().get("dazi_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

    # -- transactions ---------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (a consistent snapshot).

        Inside :meth:`snapshot` (same thread) it is the snapshot's connection.
        """
        joined = getattr(self._reading, "conn", None)
        if joined is not None:
            yield joined
            return
        with self._storage_errors(), self.engine.connect() as conn:
            self._keep_one_open()
            with conn.begin():
                yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One read transaction that every :meth:`read` of this thread joins until it ends.

        For a page that shows several reads at once (the app's workspace reads
        a post, its coding, its place, comments and the coder's progress): one
        connection and one consistent view instead of one transaction each.
        A :meth:`write` inside it is a transaction of its own, which the
        snapshot does not see: keep writes out of it.
        """
        if getattr(self._reading, "conn", None) is not None:
            with self.read() as conn:
                yield conn
            return
        with self.read() as conn:
            self._reading.conn = conn
            try:
                yield conn
            finally:
                self._reading.conn = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: all of it commits, or none.

        On a SQLite file the threads of this process take turns in arrival
        order (see :class:`_FifoLock`) before ``BEGIN IMMEDIATE``.
        """
        with self._storage_errors(), self.engine.connect() as conn:
            self._keep_one_open()
            conn = conn.execution_options(dazi_write=True)
            with self._write_turn(), conn.begin():  # (opening the connection needs no turn)
                yield conn

    @contextmanager
    def bulk_write(self) -> Iterator[Connection]:
        """A write transaction for a large batch (an import): all of it commits, or none.

        On a SQLite file that no other connection has open, the transaction
        runs with a rollback journal instead of the WAL: each new page is
        written once, into the file, where the WAL writes it to the log and
        again at the checkpoint (measured: 1,000,000 posts 36.6 -> 33.5 s,
        100,000 posts ~5% less time).
        A commit is as durable (``synchronous=FULL``) and a crash as harmless
        (the next opener rolls the journal back); a reader that opens the
        file meanwhile waits for the commit (``busy_timeout``) instead of
        reading the last one.  When another connection has the file open
        (the app, a second command) this is :meth:`write`, in WAL.  The file
        is in WAL mode again afterwards.
        """
        if self._write_queue is None:  # PostgreSQL, or SQLite in memory
            with self.write() as conn:
                yield conn
            return
        with self._storage_errors(), self._write_turn():
            with self._idle_guard:  # our own idle connection would keep the WAL
                idle, self._idle = self._idle, None
            if idle is not None:
                idle.close()
            self.engine.pool.dispose()  # (and the pool's idle ones; those in use elsewhere stay)
            with self.engine.connect() as conn:
                # a SQLite file here (the write queue is SQLite's): the driver's sqlite3 connection
                raw = cast(sqlite3.Connection, conn.connection.dbapi_connection)
                journal = _rollback_journal(raw)
                try:
                    with conn.execution_options(dazi_write=True).begin():
                        yield conn
                finally:
                    if journal:
                        raw.execute("PRAGMA journal_mode=WAL")
            self._keep_one_open()

    def _keep_one_open(self) -> None:
        """Hold one idle connection to a SQLite file for this Database's life.

        (The pool keeps connections open too; this one also outlives a
        ``bulk_write``, which empties the pool.)  When the last connection to a WAL database closes, SQLite checkpoints
        the log into the file and deletes it, so without an idle connection
        every read and save paid a checkpoint (2-6 ms per close, measured in
        the app).  The held connection never starts a transaction, so it
        blocks nobody; :meth:`close` releases it (and so checkpoints once).
        Opened on the first transaction, once the file is known to open.
        """
        if self._idle is not None or self._write_queue is None:
            return
        with self._idle_guard:
            if self._idle is None:
                try:
                    self._idle = self.engine.raw_connection()
                except Exception:  # only a speed-up: the transaction itself reports faults
                    pass

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        queue = self._write_queue
        if queue is None:
            yield
            return
        if not queue.acquire(_WRITE_WAIT):
            raise StorageError(
                f"Database error ({_shown(self.url)}): database is locked (other sessions of this "
                f"program kept writing for {_WRITE_WAIT:.0f} s)",
                "Others are saving a lot at once; try again in a moment.",
            )
        try:
            yield
        finally:
            queue.release()

    def analyze(self, tables: Sequence[str]) -> bool:
        """Refresh SQLite's query-planner statistics of ``tables`` (``ANALYZE``); False if it could not.

        Statistics only make reads faster, so a database that cannot be
        written now (read-only, full, busy for long) is left as it is: the
        next real write reports the fault.  PostgreSQL keeps its own
        statistics (nothing to do, True).
        """
        if self.dialect != "sqlite":
            return True
        try:
            with self.write() as conn:
                for table in tables:
                    conn.exec_driver_sql(f'ANALYZE "{table}"')
        except StorageError:
            return False
        return True

    def retrying(self, fn: Callable[[Connection], T], *, attempts: int = 8) -> T:
        """Run ``fn(conn)`` in a write transaction, retrying on lock contention.

        SQLite reports ``database is locked`` and PostgreSQL serialisation
        failures or dropped connections when several writers meet; the whole
        transaction is tried again with jittered exponential backoff, so such
        errors never reach a user unless the database stays busy.
        """
        delay = 0.02
        for attempt in range(attempts):
            try:
                with self.write() as conn:
                    return fn(conn)
            except StorageError as exc:
                cause = exc.__cause__
                if attempt == attempts - 1 or cause is None or not _is_retryable(cause):
                    raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if _is_storage_fault(exc):
                raise _storage_error(self.url, exc) from exc
            raise
        except PoolTimeout as exc:
            pool = self.engine.pool  # (a QueuePool: PostgreSQL's, or a SQLite file's)
            waited = f" for {pool.timeout():.0f} s" if isinstance(pool, QueuePool) else ""
            size = _PG_POOL_SIZE + _PG_MAX_OVERFLOW if self.dialect == "postgresql" else (
                _SQLITE_POOL_SIZE + _SQLITE_MAX_OVERFLOW)
            raise StorageError(
                f"Database error ({_shown(self.url)}): all {size} "
                f"connections of this program were busy{waited}",
                "Many saves are waiting at once: try again in a moment. If it happens often, the database "
                "server is too slow for the team: check its load.",
            ) from exc

    # -- schema ---------------------------------------------------------
    def _alembic_config(self):
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        return cfg

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None for an empty one)."""
        with self._storage_errors(), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self) -> None:
        """Create the schema on an empty database or upgrade an older one."""
        cfg = self._alembic_config()
        script = ScriptDirectory.from_config(cfg)
        head = script.get_current_head()
        current = self.schema_revision()
        if current == head:
            return
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise StorageError(
                f"The database {_shown(self.url)} was written by a newer version of dazi "
                f"(schema {current}); this dazi knows up to {head}.",
                "Upgrade dazi (pip install -U dazi) before opening this database.",
            )
        if current is None:
            with self._storage_errors(), self.engine.connect() as conn:
                stray = set(inspect(conn).get_table_names()) - {"alembic_version"}
            if "projects" in stray:
                raise StorageError(
                    f"The database {_shown(self.url)} has dazi tables but no schema version.",
                    "It was not made by dazi's migrations; restore a backup or start a new database.",
                )
        with self._storage_errors(), self.engine.connect() as conn:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    def close(self) -> None:
        """Release every pooled connection (and the idle one held open)."""
        with self._idle_guard:
            idle, self._idle = self._idle, None
        if idle is not None:
            try:
                idle.close()
            except Exception:  # a connection to a file that has gone: nothing left to release
                pass
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def shown_url(self) -> str:
        """The URL fit to print (a password replaced by ``***``), for messages such as ``dazi init``'s."""
        return _shown(self.url)

    def __repr__(self) -> str:
        return f"<Database {self.shown_url}>"


#: PostgreSQL error classes about the server or its storage, not about dazi's SQL:
#: connection (08), read-only transaction (25006), resources such as a full disk (53),
#: operator intervention such as a terminated backend (57P), system errors (58).
_PG_STORAGE_STATES = ("08", "25006", "53", "57P", "58")


def _is_storage_fault(exc: DBAPIError) -> bool:
    """Whether a driver error is about the database's storage or connection (the user's to fix)."""
    if isinstance(exc, OperationalError) or getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    if type(orig) is sqlite3.DatabaseError:  # "file is not a database", "database disk image is malformed"
        return True
    return str(getattr(orig, "sqlstate", None) or "").startswith(_PG_STORAGE_STATES)


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///") or "mode=memory" in url:
        return None
    path = url.removeprefix("sqlite:///").removeprefix("file:").split("?")[0]
    return Path(path) if path not in ("", ":memory:") else None


def _shown(url: str) -> str:
    """A database URL fit to print: the password (if the URL holds one) replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


def _storage_error(url: str, exc: BaseException) -> StorageError:
    msg = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
    low = msg.lower()
    path = _sqlite_path(url)
    if "readonly" in low or "read-only" in low:
        hint = ("The database is read-only (file permissions, a read-only disk, or a read-only server): "
                "nothing was written. Make it writable, or copy it somewhere writable.")
    elif "is full" in low or "no space" in low or ("disk" in low and "space" in low):
        hint = "The disk is full: free some space, then try again; nothing was written."
    elif "disk i/o error" in low and path is not None and _free_bytes(path.parent) < 1 << 20:
        hint = (f"The disk holding {path.parent} is full ({_free_bytes(path.parent):,} bytes free): free some "
                "space, then try again; nothing was written.")
    elif "disk i/o error" in low:
        hint = "The disk could not be read or written (removed, failing or full): check it, then try again."
    elif "locked" in low or "busy" in low:
        hint = "Another program is writing to the database; try again in a moment."
    elif "unable to open" in low and path is not None and path.exists() and not os.access(path.parent, os.W_OK):
        hint = (f"The folder {path.parent} is read-only: SQLite needs to create {path.name}-wal and "
                f"{path.name}-shm beside the database, even to read it. Make the folder writable, or copy "
                "the database to a writable folder.")
    elif "unable to open" in low:
        hint = "Check that the path exists and is writable."
    elif "not a database" in low or "malformed" in low:
        hint = "The file is not a dazi database or it is damaged: check the path, or restore a backup."
    elif "too many clients" in low or "too many connections" in low:
        hint = (f"The database server has no free connection: each app server keeps up to "
                f"{_PG_POOL_SIZE + _PG_MAX_OVERFLOW}; raise the server's max_connections or run fewer app servers.")
    elif "connect" in low or "connection" in low or "server" in low or "terminat" in low:
        hint = "Check that the database server is running and DAZI_DATABASE_URL is right, then try again."
    else:
        hint = None
    return StorageError(f"Database error ({_shown(url)}): {msg}", hint)


def column_kinds(table, columns: Sequence[str]) -> tuple[str | None, ...]:
    """How each column's values become driver parameters (see :mod:`dazi.params`).

    Read from the column types, so the schema stays the one definition.
    """
    kinds: list[str | None] = []
    for name in columns:
        ctype = table.c[name].type
        if isinstance(ctype, JSON):
            kinds.append("json")
        elif isinstance(ctype, UTCDateTime):
            kinds.append("time")
        elif isinstance(ctype, Boolean):
            kinds.append("bool")
        else:
            kinds.append(None)
    return tuple(kinds)


def insert_params(conn: Connection, table, columns: Sequence[str], params: list[tuple]) -> int:
    """Insert rows of prepared driver parameters through ``executemany``.

    ``params`` hold one tuple per row, values in the order of ``columns``,
    already converted as :mod:`dazi.params` does (for example by import
    workers).  On SQLite, JSON columns take UTF-8 ``bytes`` (or ``str``) and
    store them as text, through ``CAST(? AS TEXT)``: a ``bytes`` parameter
    alone would be stored as a blob.  Returns the number of rows.
    """
    if not params:
        return 0
    if conn.dialect.name == "sqlite":
        placeholders = ["CAST(? AS TEXT)" if kind == "json" else "?" for kind in column_kinds(table, columns)]
    else:
        placeholders = ["%s"] * len(columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(placeholders)})"
    conn.exec_driver_sql(sql, params)
    return len(params)


def _rollback_journal(raw: sqlite3.Connection) -> bool:
    """Switch a SQLite connection from WAL to a rollback journal if no other
    connection has the file open (the switch needs the file alone: it is
    tried once, without waiting).  Whether it switched."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        return raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0].lower() == "delete"
    except sqlite3.OperationalError:  # database is locked: somebody else has it open
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


def inserted_id(result: CursorResult) -> Any:
    """The primary key of the row a single-row INSERT just added.

    ``CursorResult.inserted_primary_key`` is None only for statements that are
    not single-row inserts: a programming error, not bad input.
    """
    key = result.inserted_primary_key
    if key is None:
        raise TypeError("inserted_id() needs the result of a single-row INSERT")
    return key[0]


def bulk_insert(conn: Connection, table, rows: list[dict]) -> int:
    """Insert many rows through the driver's ``executemany``, bypassing
    SQLAlchemy's per-row parameter processing (a large share of import time).

    Values are converted here exactly as the column types would: JSON columns
    serialised with orjson, aware datetimes stored as SQLAlchemy stores them,
    booleans as the backend expects.  All rows must have the same keys.
    """
    if not rows:
        return 0
    columns = list(rows[0])
    sqlite = conn.dialect.name == "sqlite"
    # column by column: one comprehension per column is much cheaper than a generator per row
    cols = [convert_column(kind, [row[name] for row in rows], sqlite=sqlite)
            for name, kind in zip(columns, column_kinds(table, columns), strict=True)]
    return insert_params(conn, table, columns, list(zip(*cols, strict=True)))


def connect(url: str | os.PathLike | None = None, *, migrate: bool = True) -> Database:
    """Open (and if needed create or upgrade) a dazi database.

    Parameters
    ----------
    url : str or path, optional
        SQLAlchemy URL or SQLite file path; default ``$DAZI_DATABASE_URL`` or
        ``./dazi.db``.
    migrate : bool, default True
        Bring the schema up to date.

    Returns
    -------
    Database
    """
    return Database(url, migrate=migrate)
