"""Which process runs the scheduled jobs: one at a time, whatever the number of `prens worker`
(and `prens serve`) processes on one database.

PostgreSQL: a session-level advisory lock, held on a connection of its own for as long as the
process leads. When the process dies, its connection closes and PostgreSQL frees the lock at
once; another process takes it at its next poll.

SQLite (one machine): a lease row in `job_leases`, renewed at every poll. A lease whose holder
process is gone is taken over at once, and one left by a process of another machine expires.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from prens.store.job_state import holder_name, release_lease, take_lease

log = logging.getLogger(__name__)
LEASE_SECONDS = 30


class Leadership:
    """Call `poll()` at every poll interval; `leading` says whether this process leads."""

    def __init__(self, engine: Engine, name: str = "scheduler", worker: str | None = None):
        self.engine, self.name = engine, name
        self.worker = worker or holder_name()
        self.leading = False
        self._conn: Connection | None = None
        self._key: int | None = None

    def poll(self) -> bool:
        """Take the lead if it is free, or confirm it is still ours; return whether we lead."""
        try:
            if self.engine.dialect.name == "postgresql":
                self.leading = self._poll_postgresql()
            else:
                self.leading = self._poll_lease()
        except SQLAlchemyError as exc:
            log.warning("leadership check failed (%s): not leading until it works again", exc)
            self._drop_connection()
            self.leading = False
        return self.leading

    def release(self) -> None:
        if self.engine.dialect.name == "postgresql":
            if self._conn is not None:
                with contextlib.suppress(SQLAlchemyError):
                    self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                    self._conn.commit()
            self._drop_connection()
        elif self.leading:
            release_lease(self.engine, self.name, self.worker)
        self.leading = False

    # -- PostgreSQL ------------------------------------------------------------------------

    def _lock_key(self, conn: Connection) -> int:
        """Advisory locks are per server database: the key names the schema too, so programs
        in schemas of one database each elect their own leader."""
        if self._key is None:
            where = conn.execute(text("SELECT current_database() || '.' || current_schema()"))
            digest = hashlib.sha256(f"prens:{where.scalar()}:{self.name}".encode()).digest()
            self._key = int.from_bytes(digest[:8], "big", signed=True)
        return self._key

    def _poll_postgresql(self) -> bool:
        if self._conn is None:
            self._conn = self.engine.connect()
            self._lock_key(self._conn)
            got = self._conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar()
            self._conn.commit()
            if not got:
                self._drop_connection()
                return False
            return True
        self._conn.execute(text("SELECT 1"))  # the lock lives as long as this connection
        self._conn.commit()
        return True

    def _drop_connection(self) -> None:
        """Close the lock's connection for good (not back to the pool, where a session lock
        would live on)."""
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._conn.invalidate()
                self._conn.close()
            self._conn = None

    # -- SQLite: a renewed lease -----------------------------------------------------------

    def _poll_lease(self) -> bool:
        return take_lease(self.engine, self.name, self.worker, LEASE_SECONDS)
