"""The SQLite write lock holds across processes (web processes, `prens worker`, a command run
by hand), including a process forked from one holding it."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

from prens.database import SQLiteWriteLock, make_engine, write_lock, write_transaction

HOLD = """
import sys
from prens.database import make_engine, write_lock
engine = make_engine(sys.argv[1])
with write_lock(engine):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def _try_write(url: str, got: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In a forked child: report whether the write lock is free within 0.5 s, then wait for it."""
    engine = make_engine(url)
    done = threading.Event()

    def take() -> None:
        with write_lock(engine):
            done.set()

    threading.Thread(target=take, daemon=True).start()
    got.put(done.wait(0.5))
    got.put(done.wait(10))


def test_a_writer_in_another_process_waits_for_the_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    engine = make_engine(url)
    with write_transaction(engine) as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
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
            with write_transaction(engine) as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
            finished.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not finished.wait(0.5)  # queued behind the other process
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(10)
        assert finished.is_set()
    finally:
        holder.kill()
        holder.communicate()  # closes the pipes
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    engine.dispose()


def test_a_forked_process_does_not_share_its_parents_hold(tmp_path: Path) -> None:
    """A child forked while its parent holds the lock must wait like any other process (an
    inherited open file would share the parent's lock)."""
    url = f"sqlite:///{tmp_path / 'f.db'}"
    engine = make_engine(url)
    fork = multiprocessing.get_context("fork")
    got = fork.Queue()
    with write_lock(engine):
        child = fork.Process(target=_try_write, args=(url, got))
        child.start()
        free_while_held = got.get(timeout=10)
    free_after = got.get(timeout=10)
    child.join(10)
    got.close()
    got.join_thread()
    assert free_while_held is False
    assert free_after is True
    engine.dispose()


def test_a_process_that_lets_the_lock_go_waits_behind_the_one_waiting(tmp_path: Path) -> None:
    """A web process letting the lock go takes it again at once when its next batch is ready;
    `flock` would give it back before waking the process that waits, again and again."""
    path = str(tmp_path / "w.db-writer")
    # Two locks on their own open files hold against each other as two processes' would.
    busy, waiting = SQLiteWriteLock(path), SQLiteWriteLock(path)
    order: list[str] = []

    def wait() -> None:
        with waiting:
            order.append("the waiting process")

    for _ in range(5):
        order.clear()
        busy.__enter__()
        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.2)  # it waits for the lock
        busy.__exit__(None, None, None)
        with busy:  # at once, again
            order.append("the busy process again")
        waiter.join(10)
        assert order == ["the waiting process", "the busy process again"]
