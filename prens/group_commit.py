"""Group commit: the writes waiting for the database share one transaction and one commit.

Each caller queues its write, then takes the process's write lock. Whoever gets the lock first
leads: it runs every write queued so far in one transaction, commits once, and marks each done.
The callers it carried find their write done when they get the lock, and return. Idle, a batch
is one write and costs what a transaction of its own would. Under load, the BEGIN, the COMMIT
(an fsync) and the hand-overs of the GIL around them are paid once per batch, not once per write.
Each caller gets its answer only after the commit that stored its write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from prens.database import begin_write, write_lock


@dataclass
class _Write:
    fn: Callable[[Connection], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """Runs write functions for many threads in shared transactions."""

    def __init__(self, engine: Engine, max_batch: int = 64):
        self.engine, self.max_batch = engine, max_batch
        self._queue: list[_Write] = []
        self._queue_lock = threading.Lock()

    def run(self, fn: Callable[[Connection], Any]) -> Any:
        """Run `fn(conn)` in a transaction shared with other waiting writes; return once it is
        committed, or raise what `fn` or the commit raised."""
        write = _Write(fn)
        with self._queue_lock:
            self._queue.append(write)
        while not write.done.is_set():
            with write_lock(self.engine):
                if write.done.is_set():
                    break
                with self._queue_lock:
                    batch, self._queue = (
                        self._queue[: self.max_batch],
                        self._queue[self.max_batch :],
                    )
                if batch:
                    self._commit(batch)
            if not write.done.is_set():
                # Another leader (on a database without a process lock) is running our batch.
                write.done.wait(0.05)
        if write.error is not None:
            raise write.error
        return write.result

    def _commit(self, batch: list[_Write]) -> None:
        try:
            with begin_write(self.engine) as conn:
                for write in batch:
                    try:
                        with self._savepoint(conn):
                            write.result = write.fn(conn)
                    except Exception as exc:  # this write is undone alone; the batch goes on
                        write.error = exc
        except Exception as exc:  # the commit failed: no write of the batch is stored
            for write in batch:
                write.result, write.error = None, write.error or exc
        finally:
            for write in batch:
                write.done.set()

    @contextmanager
    def _savepoint(self, conn: Connection) -> Iterator[None]:
        """Each write in a savepoint, so a write that fails half-way leaves nothing behind."""
        if self.engine.dialect.name != "sqlite":
            with conn.begin_nested():
                yield
            return
        # On SQLite, straight to the driver: SQLAlchemy's savepoint bookkeeping costs more than
        # the write it protects. SQLite keeps the transaction going after a failed statement.
        raw = conn.connection.driver_connection
        assert raw is not None  # a live connection inside a transaction
        raw.execute("SAVEPOINT prens_write")
        try:
            yield
        except BaseException:
            raw.execute("ROLLBACK TO prens_write")
            raw.execute("RELEASE prens_write")
            raise
        raw.execute("RELEASE prens_write")
