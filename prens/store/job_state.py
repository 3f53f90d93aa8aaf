"""The scheduled jobs' state in the database: leases (a job runs once at a time, whatever the
number of processes), the record of each run, and where the reconcile job stopped reading."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from prens.rules.dates import naive_utc
from prens.store.database import write_transaction
from prens.store.schema import job_leases, job_runs, reconcile_cursors

_HOST = socket.gethostname()[:30]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _holder_dead(holder: str) -> bool:
    """Whether a lease holder ("host:pid:token") is a process of this machine that is gone."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


@dataclass(frozen=True)
class Cursor:
    """Where the reconcile job stopped in a responses sheet."""

    next_row: int  # the first sheet row not yet taken in
    anchor: str  # digest of the row just before it, to notice rows deleted or sorted
    checked_at: datetime
    responses: int  # data rows in the sheet at the last run
    lag: int  # of those, not in the ledger after the last run (still settling, unreadable)


class JobState:
    """Leases, runs and cursors of one database's jobs."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def lease(self, name: str, seconds: int, now: datetime | None = None) -> Iterator[bool]:
        """Hold the lease `name` while the block runs; yields False if another holder has it.

        A lease left by a dead process never blocks for long: it expires after `seconds`, and a
        process on the same machine takes it over at once when its holder's PID is gone.
        """
        holder = holder_name()
        acquired = take_lease(self.engine, name, holder, seconds, now)
        try:
            yield acquired
        finally:
            if acquired:
                release_lease(self.engine, name, holder)

    def run_started(self, job: str, worker: str) -> int:
        with write_transaction(self.engine) as conn:
            key = conn.execute(
                insert(job_runs).values(job=job, worker=worker, started_at=utcnow())
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def run_finished(self, run_id: int, outcome: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id)
                .values(finished_at=utcnow(), outcome=outcome[:200])
            )

    def runs(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(job_runs).order_by(job_runs.c.id)).all())

    def cursor(self, source: str) -> Cursor | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(reconcile_cursors).where(reconcile_cursors.c.source == source)
            ).first()
        if row is None:
            return None
        return Cursor(
            row.next_row, row.anchor, row.checked_at.replace(tzinfo=UTC), row.responses, row.lag
        )

    def save_cursor(self, source: str, cursor: Cursor) -> None:
        values = {
            "next_row": cursor.next_row,
            "anchor": cursor.anchor,
            "checked_at": naive_utc(cursor.checked_at),
            "responses": cursor.responses,
            "lag": cursor.lag,
        }
        with write_transaction(self.engine) as conn:
            changed = conn.execute(
                update(reconcile_cursors)
                .where(reconcile_cursors.c.source == source)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(reconcile_cursors).values(source=source, **values))


def holder_name() -> str:
    """This process, as leases and run records name it: host:pid:token."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def take_lease(
    engine: Engine, name: str, holder: str, seconds: int, now: datetime | None = None
) -> bool:
    """Take the lease `name` for `holder` (or renew it, when `holder` has it already) until
    `seconds` from now; False while another live holder has it. A lease that expired, or whose
    holder is a process of this machine that is gone, is taken over."""
    start = naive_utc(now) if now else utcnow()
    expires = start + timedelta(seconds=seconds)
    with write_transaction(engine) as conn:
        current = conn.execute(
            select(job_leases.c.holder).where(job_leases.c.name == name)
        ).scalar()
        if current is None:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(job_leases).values(name=name, holder=holder, expires_at=expires)
                    )
                return True
            except IntegrityError:
                return False  # another process inserted it first
        takeable = or_(job_leases.c.expires_at < start, job_leases.c.holder == holder)
        if current != holder and _holder_dead(current):
            takeable = or_(takeable, job_leases.c.holder == current)
        taken = conn.execute(
            update(job_leases)
            .where(and_(job_leases.c.name == name, takeable))
            .values(holder=holder, expires_at=expires)
        ).rowcount
    return bool(taken == 1)


def release_lease(engine: Engine, name: str, holder: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            job_leases.delete().where(
                and_(job_leases.c.name == name, job_leases.c.holder == holder)
            )
        )
