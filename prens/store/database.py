"""The SQL engine: SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) with no code change.

SQLite is used the standard way: WAL (readers never wait for the writer), `synchronous=FULL`
(a commit is on disk when it returns), a `busy_timeout` (a writer waits for another's commit
instead of failing), and `BEGIN IMMEDIATE` for every transaction that writes (it takes the write
lock at its start, so a transaction that reads and then writes never fails half-way with
"database is locked"). The database itself keeps one writer at a time.

A transaction whose writes can be derived again from what they were derived from (what a sync
stored of the sheet: the next sync sees the same sheet and stores it again) may be written
without waiting for the disk (`durable=False`): SQLite's `synchronous=NORMAL` for that
transaction, PostgreSQL's `synchronous_commit = off`. It survives a crash of the program; a
power cut (or, on PostgreSQL, a crash of the server) may lose it, and only with the transactions
after it (the log is written in order, and every durable commit syncs what came before it).

Within one process, writers also queue on a lock of their own (one per database) before BEGIN
IMMEDIATE: a thread waiting there sleeps until the writer before it commits, where SQLite's busy
handler would wake it on a timer (1, 2, 5 ... 100 ms) and let newer writers pass it. Writers of
other processes (`prens worker`, a command run by hand) wait through the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from prens.privacy import private_dir, private_file

WRITE_OPTION = "prens_write"
DURABLE_OPTION = "prens_durable"
BUSY_TIMEOUT_MS = 30_000
# Rows per write transaction for the jobs' bulk writes (the flush's appends and marks, what the
# sync stores and writes back), so that a submission arriving meanwhile waits a few ms at most:
# at 50 submissions/s, chunks of 100 gave a p99 of 47 ms against 31 ms with 25 (same run, while
# every commit synced the disk); since the sync's writes do not, chunks of 50 gave 15.0 ms against
# 15.6 ms with 25, and a 20,000-row BPJS import's sync about 1.3 s sooner (docs/benchmarks.md).
WRITE_CHUNK_ROWS = 50


_writers: dict[str, threading.Lock] = {}
_writers_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock | None:
    """This process's queue for writing to `engine`'s SQLite database (None: not SQLite)."""
    if engine.dialect.name != "sqlite":
        return None
    with _writers_guard:
        return _writers.setdefault(str(engine.url), threading.Lock())


@contextmanager
def write_transaction(engine: Engine, durable: bool = True) -> Iterator[Connection]:
    """A transaction that writes: on SQLite it waits for this process's writer before it, then
    begins with BEGIN IMMEDIATE. Not to be nested in another write on the same database.
    `durable=False`: its commit does not wait for the disk (only for what can be derived again,
    see the module's docstring)."""
    # The connection is checked out before the queue and returned after it: the lock covers
    # only the transaction.
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True, DURABLE_OPTION: durable})
        with _writer_lock(engine) or nullcontext(), conn.begin():
            if not durable and engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield conn


def make_engine(url: str, synchronous: str = "FULL") -> Engine:
    """Create the engine for `url`; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE writes."""
    parsed = make_url(url)
    # A statement's parameters hold personal data (a registration's NIK, phone, answers): kept
    # out of the text of a failed statement's error, and so out of every log and traceback.
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        # Personal data: the database (and so its -wal and -shm, which SQLite creates with the
        # database's permissions) is readable by its owner only.
        private_file(private_dir(Path(parsed.database).parent) / Path(parsed.database).name)
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        pool_size=8,
        max_overflow=16,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # SQLAlchemy's documented recipe for SQLite transactions ("Serializable isolation /
        # Savepoints / Transactional DDL"): emit BEGIN ourselves, IMMEDIATE for writers. Reads
        # stay deferred, so they never wait for a writer (WAL).
        options = conn.get_execution_options()
        if not options.get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        # Set on every write, so that a pooled connection never keeps another's level.
        level = synchronous if options.get(DURABLE_OPTION, True) else "NORMAL"
        conn.exec_driver_sql(f"PRAGMA synchronous={level}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
