"""SQLite used the standard way: WAL, synchronous=FULL, a busy timeout, and BEGIN IMMEDIATE for
every writing transaction. A writer in another process makes ours wait, never fail; readers
never wait for a writer."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import text

from prens.store.database import make_engine, write_transaction

HOLD = """
import sys
from sqlalchemy import text
from prens.store.database import make_engine, write_transaction
engine = make_engine(sys.argv[1])
with write_transaction(engine) as conn:
    conn.execute(text("INSERT INTO t VALUES (2)"))
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def test_the_connection_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_a_writer_in_another_process_makes_ours_wait_and_readers_go_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    engine = make_engine(url)
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "held"
        finished = threading.Event()

        def write() -> None:
            # Reads first, then writes: BEGIN IMMEDIATE waits at the start, so the write that
            # follows the read cannot fail with "database is locked".
            with write_transaction(engine) as conn:
                count = conn.execute(text("SELECT count(*) FROM t")).scalar()
                conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": count + 1})
            finished.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not finished.wait(0.5)  # waits for the other process's commit
        with engine.connect() as conn:  # a reader does not wait (WAL)
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(10)
        assert finished.is_set()
    finally:
        holder.kill()
        holder.communicate()  # closes the pipes
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2, 3]
    engine.dispose()
