"""The SQL engine: SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) with no code change."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from prens.cooperative import call_blocking
from prens.privacy import private_dir, private_file

try:
    import fcntl
except ImportError:  # not on Windows: there, this process's threads are queued only
    fcntl = None  # type: ignore[assignment]

WRITE_OPTION = "prens_write"
# Rows per write transaction for the jobs' bulk writes (the flush's appends and marks). Every
# web process's intake queues for the same write lock: 500 rows at once held it for 10-30 ms,
# and the intake's slowest answers came while a flush was running.
WRITE_CHUNK_ROWS = 100


class SQLiteWriteLock:
    """The lock a writer to one SQLite file holds from BEGIN IMMEDIATE to COMMIT: a thread lock
    for this process's threads, then an `flock` on a file beside the database for the other
    processes (web workers, `prens worker`, a command run by hand).

    SQLite's own busy handler polls with sleeps of up to 100 ms, which gives writers that wait
    for each other a long latency tail; a waiter here sleeps in the kernel and is woken as soon
    as the lock is free. SQLite's locks still guard the file from any other program. In a gevent
    web process the wait for another process's hold runs in a native thread (prens.cooperative),
    so that the process's other requests go on meanwhile.

    `flock` does not queue its waiters: a process that lets the lock go and asks again at once
    gets it back before the waiter it woke has run, and can keep it from the other processes
    for as long as it has writes. So a writer first takes a second lock, the turn, and holds it
    while it waits for the write lock: a process that has just written finds the turn held by
    the one waiting, and waits behind it. Writers of different processes then alternate."""

    def __init__(self, path: str | None):
        self.path = path  # None: an in-memory database, seen by this process only
        self._threads = threading.Lock()
        self._fds: tuple[int, int] | None = None  # the turn, the write lock

    def _files(self) -> tuple[int, int] | None:
        if self.path is None or fcntl is None:
            return None
        if self._fds is None:
            self._fds = (
                os.open(f"{self.path}-turn", os.O_RDWR | os.O_CREAT, 0o600),
                os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600),
            )
        return self._fds

    def close_files(self) -> None:
        """Close the lock files (a forked child: they share the parent's holds)."""
        for fd in self._fds or ():
            os.close(fd)
        self._fds = None

    def __enter__(self) -> SQLiteWriteLock:
        self._threads.acquire()
        try:
            fds = self._files()
            if fds is not None:
                self._lock(*fds)
        except BaseException:
            self._threads.release()
            raise
        return self

    def _lock(self, turn: int, write: int) -> None:
        """Take the turn, then the write lock, then let the turn go; wait (letting requests
        run) only when another process holds one of them."""
        assert fcntl is not None
        undo = functools.partial(fcntl.flock, write, fcntl.LOCK_UN)  # if the wait is interrupted
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process waits for the write lock: queue behind it
            call_blocking(_wait_for_both, turn, write, undo=undo)
            return
        try:
            fcntl.flock(write, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process writes: wait, holding the turn
            call_blocking(_wait_for_write, turn, write, undo=undo)
        else:
            fcntl.flock(turn, fcntl.LOCK_UN)

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._fds is not None:
                fcntl.flock(self._fds[1], fcntl.LOCK_UN)  # type: ignore[union-attr]
        finally:
            self._threads.release()


def _wait_for_both(turn: int, write: int) -> None:
    fcntl.flock(turn, fcntl.LOCK_EX)  # type: ignore[union-attr]
    _wait_for_write(turn, write)


def _wait_for_write(turn: int, write: int) -> None:
    """Wait for the write lock, holding the turn; then let the turn go."""
    try:
        fcntl.flock(write, fcntl.LOCK_EX)  # type: ignore[union-attr]
    finally:
        fcntl.flock(turn, fcntl.LOCK_UN)  # type: ignore[union-attr]


_write_locks: dict[str, SQLiteWriteLock] = {}
_write_locks_guard = threading.Lock()


def _forget_locks_after_fork() -> None:
    # A forked child has one thread: a lock another thread of its parent held stays held in the
    # child forever, and an inherited open file would share the parent's hold. Start afresh.
    global _write_locks_guard
    for lock in _write_locks.values():
        lock.close_files()  # the parent's open files stay open, and their holds with them
    _write_locks.clear()
    _write_locks_guard = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_after_fork)


def write_lock(engine: Engine) -> AbstractContextManager[object]:
    """The lock for writing to `engine`'s database: SQLite has one writer at a time, and its
    writers queue here (SQLiteWriteLock); other databases need none."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _write_locks_guard:
        lock = _write_locks.get(str(engine.url))
        if lock is None:
            database = engine.url.database
            in_memory = not database or database == ":memory:" or database.startswith("file:")
            lock = SQLiteWriteLock(None if in_memory else f"{database}-writer")
            _write_locks[str(engine.url)] = lock
        return lock


def _writer(engine: Engine) -> Engine:
    writer: Engine | None = getattr(engine, "_prens_writer", None)
    if writer is None:  # made once per engine: intake begins a write for every submission
        writer = engine.execution_options(**{WRITE_OPTION: True})
        engine._prens_writer = writer  # type: ignore[attr-defined]
    return writer


def begin_write(engine: Engine) -> AbstractContextManager[Connection]:
    """Begin a transaction that writes (SQLite: BEGIN IMMEDIATE); the caller holds write_lock."""
    return _writer(engine).begin()


def write_connection(engine: Engine) -> Connection:
    """A connection whose every transaction writes (begins as `begin_write` does), for a caller
    that runs many write transactions in a row; each is begun under write_lock."""
    return _writer(engine).connect()


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
        # Personal data: the database (and so its -wal and -shm, which SQLite creates with the
        # database's permissions) is readable by its owner only.
        private_file(private_dir(Path(parsed.database).parent) / Path(parsed.database).name)
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
