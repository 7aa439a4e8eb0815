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
    writers queue instead of failing half way.  The schema is created or
    migrated by Alembic when the database is opened; a database written by a
    newer dazi is refused rather than misread.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from dazi.errors import StorageError
from dazi.params import convert_column

__all__ = [
    "DEFAULT_PATH", "ENV_VAR", "Database", "bulk_insert", "column_kinds", "connect", "insert_params", "resolve_url",
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
                f"Not a database URL: {self.url!r}",
                "Give a file path (SQLite) or a URL like postgresql://user@host/dbname.",
            ) from exc
        self.dialect = parsed.get_backend_name()
        self.engine = self._make_engine(parsed)
        if migrate:
            self.migrate()

    # -- engine ---------------------------------------------------------
    def _make_engine(self, parsed) -> Engine:
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                folder = Path(database).parent
                if not folder.exists():
                    raise StorageError(
                        f"The folder for the database does not exist: {folder}",
                        "Create the folder first, or pass another --db path.",
                    )
            memory = not database or database == ":memory:"
            engine = create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                # a shared in-memory database needs one connection; files use
                # a fresh connection per checkout so each thread has its own
                poolclass=None if memory else NullPool,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            self._install_sqlite_rules(engine, memory)
            return engine
        if self.dialect == "postgresql":
            return create_engine(
                self.url,
                json_serializer=_json_dumps,
                json_deserializer=_json_loads,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=10,
            )
        raise StorageError(
            f"Unsupported database {self.dialect!r} in {self.url!r}",
            "dazi works with SQLite (a file path) and PostgreSQL (postgresql://...).",
        )

    @staticmethod
    def _install_sqlite_rules(engine: Engine, memory: bool) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # we issue BEGIN ourselves (SQLAlchemy's recipe for pysqlite)
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            if conn.get_execution_options().get("dazi_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

    # -- transactions ---------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (a consistent snapshot)."""
        with self._storage_errors(), self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction: all of it commits, or none."""
        with self._storage_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(dazi_write=True)
            with conn.begin():
                yield conn

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
        except OperationalError as exc:
            raise _storage_error(self.url, exc) from exc
        except DBAPIError as exc:
            if getattr(exc, "connection_invalidated", False):
                raise _storage_error(self.url, exc) from exc
            raise

    # -- schema ---------------------------------------------------------
    def _alembic_config(self):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        return cfg

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None for an empty one)."""
        from alembic.runtime.migration import MigrationContext

        with self._storage_errors(), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self) -> None:
        """Create the schema on an empty database or upgrade an older one."""
        from alembic import command
        from alembic.script import ScriptDirectory

        cfg = self._alembic_config()
        script = ScriptDirectory.from_config(cfg)
        head = script.get_current_head()
        current = self.schema_revision()
        if current == head:
            return
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise StorageError(
                f"The database {self.url} was written by a newer version of dazi "
                f"(schema {current}); this dazi knows up to {head}.",
                "Upgrade dazi (pip install -U dazi) before opening this database.",
            )
        if current is None:
            with self._storage_errors(), self.engine.connect() as conn:
                stray = set(inspect(conn).get_table_names()) - {"alembic_version"}
            if "projects" in stray:
                raise StorageError(
                    f"The database {self.url} has dazi tables but no schema version.",
                    "It was not made by dazi's migrations; restore a backup or start a new database.",
                )
        with self._storage_errors(), self.engine.connect() as conn:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Database {self.engine.url.render_as_string(hide_password=True)}>"


def _storage_error(url: str, exc: BaseException) -> StorageError:
    msg = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
    low = msg.lower()
    if "readonly" in low or "read-only" in low:
        hint = "The database file is read-only: check its permissions, or copy it somewhere writable."
    elif "disk" in low and ("full" in low or "space" in low):
        hint = "The disk is full: free some space; nothing was written."
    elif "locked" in low or "busy" in low:
        hint = "Another program is writing to the database; try again in a moment."
    elif "unable to open" in low:
        hint = "Check that the path exists and is writable."
    elif "connect" in low or "connection" in low or "server" in low:
        hint = "Check that the database server is running and DAZI_DATABASE_URL is right."
    else:
        hint = None
    return StorageError(f"Database error ({url.split('@')[-1]}): {msg}", hint)


def column_kinds(table, columns: Sequence[str]) -> tuple[str | None, ...]:
    """How each column's values become driver parameters (see :mod:`dazi.params`).

    Read from the column types, so the schema stays the one definition.
    """
    from sqlalchemy import JSON, Boolean

    from dazi.schema import UTCDateTime

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
    workers).  Returns the number of rows.
    """
    if not params:
        return 0
    placeholder = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join([placeholder] * len(columns))})")
    conn.exec_driver_sql(sql, params)
    return len(params)


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
