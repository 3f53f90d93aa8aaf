"""Group commit: the writes waiting for the database share one transaction and one commit.

A caller queues its write. If no thread of this process is committing, it becomes the leader:
it takes the database's write lock, runs every write queued so far in one transaction (and those
queued while they ran, until none is left or the batch is full), commits once, lets the lock
go, and only then wakes the batch's callers; it goes on with the next batch until its own write
is done, then hands the lead to the oldest write still queued, whose thread wakes and leads the
next round. Every other caller sleeps on its own event until its write is done: followers never
touch the write lock, so the lock passes only between threads that have writes to run, and is
held for the database's work alone.

While writes keep coming, the leaders use one connection in turn; it goes back to the pool when
the queue is empty. A batch first runs its writes one after the other with nothing between
them. If one fails, the transaction is rolled back and the batch is run again with each write in
a savepoint of its own, so the failing write is undone alone and the others are stored.

Idle, a batch is one write and costs what a transaction of its own would. Under load, the BEGIN,
the COMMIT (an fsync) and the hand-overs of the GIL around them are paid once per batch, not once
per write. Each caller gets its answer only after the commit that stored its write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from prens.cooperative import call_blocking, new_event
from prens.database import write_connection, write_lock

QUEUED, DONE, LEAD = "queued", "done", "lead"


@dataclass
class _Write:
    fn: Callable[[Connection], Any]
    wake: threading.Event = field(default_factory=new_event)
    state: str = QUEUED  # changed under the queue lock, then `wake` is set
    result: Any = None
    error: BaseException | None = None


class _Rerun(Exception):
    """A write of a batch run without savepoints failed: run the batch again with them."""


class GroupCommit:
    """Runs write functions for many threads in shared transactions."""

    def __init__(self, engine: Engine, max_batch: int = 64):
        self.engine, self.max_batch = engine, max_batch
        self._queue: list[_Write] = []
        self._queue_lock = threading.Lock()
        self._leading = False  # a thread of this process is running batches
        self._conn: Connection | None = None  # used by the leader alone, while there is one

    def run(self, fn: Callable[[Connection], Any]) -> Any:
        """Run `fn(conn)` in a transaction shared with other waiting writes; return once it is
        committed, or raise what `fn` or the commit raised. `fn` may be called twice (its
        batch is run again when another write of it fails): only its last call is committed."""
        write = _Write(fn)
        with self._queue_lock:
            self._queue.append(write)
            lead = not self._leading
            self._leading = True
        if not lead:
            write.wake.wait()
            lead = write.state == LEAD
        if lead:
            self._lead(write)
        if write.error is not None:
            raise write.error
        return write.result

    def _lead(self, own: _Write) -> None:
        """Commit batches until `own` is done; then pass the lead on, or give it up."""
        idle: Connection | None = None
        try:
            while own.state != DONE:
                batch: list[_Write] = []
                try:
                    with write_lock(self.engine):
                        with self._queue_lock:
                            batch, self._queue = (
                                self._queue[: self.max_batch],
                                self._queue[self.max_batch :],
                            )
                        self._commit(batch)
                finally:  # the lock is free: now wake the callers
                    self._done(batch)
        finally:
            with self._queue_lock:
                if own.state != DONE:  # taking the write lock raised: `own` was not run
                    if own in self._queue:
                        self._queue.remove(own)
                    own.state = DONE
                    own.error = own.error or RuntimeError("group commit leader failed")
                if self._queue:
                    successor = self._queue[0]
                    successor.state = LEAD
                    successor.wake.set()
                else:
                    self._leading = False
                    idle, self._conn = self._conn, None
            if idle is not None:
                idle.close()  # back to the pool until writes come again

    def _commit(self, batch: list[_Write]) -> None:
        try:
            if self._conn is None:
                self._conn = write_connection(self.engine)
            conn = self._conn
            try:
                self._transaction(conn, batch, isolated=False)
            except _Rerun:
                self._transaction(conn, batch, isolated=True)
        except Exception as exc:  # the commit failed: no write of the batch is stored
            for write in batch:
                write.result, write.error = None, write.error or exc
            broken, self._conn = self._conn, None
            if broken is not None:
                broken.invalidate()  # it may be unusable: the next batch opens another

    def _transaction(self, conn: Connection, batch: list[_Write], isolated: bool) -> None:
        transaction = conn.begin()
        try:
            self._run(conn, batch, isolated)
        except BaseException:
            transaction.rollback()
            raise
        # The COMMIT waits for the disk (an fsync): in a gevent web process the other requests
        # go on meanwhile (prens.cooperative); the leader alone uses this connection.
        call_blocking(transaction.commit)

    def _run(self, conn: Connection, batch: list[_Write], isolated: bool) -> None:
        """Run the writes of `batch`; on the first run, writes queued meanwhile join it (they
        are added to `batch`) until the queue is empty or the batch full: a write that arrives
        while a batch runs is committed with it, not after the next one."""
        done = 0
        while True:
            for write in batch[done:]:
                write.result, write.error = None, None
                try:
                    with self._savepoint(conn) if isolated else nullcontext():
                        write.result = write.fn(conn)
                except Exception as exc:
                    if not isolated:
                        raise _Rerun from exc
                    write.error = exc  # this write is undone alone; the batch goes on
            done = len(batch)
            if isolated:
                return
            with self._queue_lock:
                room = self.max_batch - done
                if room <= 0 or not self._queue:
                    return
                batch += self._queue[:room]
                del self._queue[:room]

    def _done(self, batch: list[_Write]) -> None:
        with self._queue_lock:
            for write in batch:
                write.state = DONE
        for write in batch:
            write.wake.set()

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
