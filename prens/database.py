"""The SQL engine: SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) with no code change."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

WRITE_OPTION = "prens_write"


_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[object]:
    """This process's lock for writing to `engine`'s database (SQLite has one writer at a time;
    other databases need none). SQLite's own busy handler polls with sleeps of up to 100 ms,
    which gives writers that wait for each other a long latency tail; a thread lock hands over
    at once, so threads queue here and SQLite's wait is left to other processes."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _write_locks_guard:
        return _write_locks.setdefault(str(engine.url), threading.Lock())


def begin_write(engine: Engine) -> AbstractContextManager[Connection]:
    """Begin a transaction that writes (SQLite: BEGIN IMMEDIATE); the caller holds write_lock."""
    return engine.execution_options(**{WRITE_OPTION: True}).begin()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes, queued behind this process's other writers."""
    with write_lock(engine), begin_write(engine) as conn:
        yield conn


def make_engine(url: str, synchronous: str = "FULL") -> Engine:
    """Create the engine for `url`; SQLite gets WAL, a busy timeout and write locks at BEGIN."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8, max_overflow=16
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # A writing transaction takes the write lock at BEGIN: a deferred one that reads and then
        # writes fails at once with "database is locked" instead of waiting for the busy timeout.
        # Reads stay deferred so they never wait for writers (WAL).
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        # Straight to the driver: this runs for every transaction, and a statement through
        # SQLAlchemy costs more than SQLite takes to run it.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
