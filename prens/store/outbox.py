"""The outbox: one row per (registration, event), unique in the database, written in the same
transaction as the event that causes it. The notify job sends what is due.

pending -> sending -> sent | pending (retry later) | failed; a message found in `sending` when a
notify run starts was left by a run that died mid-call: it becomes `uncertain`, is never resent
blindly, and waits for an operator (`prens notifications retry ID`).

pending -> superseded: when its turn comes, the message no longer holds (the registration has
left the state it announces); it is never sent, unless the registration enters that state again,
which makes it pending once more (`reopen_superseded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from prens.rules.dates import naive_utc
from prens.store.database import write_transaction
from prens.store.schema import metadata, notifications
from prens.store.sql import upsert

PENDING, SENDING, SENT, FAILED, UNCERTAIN = "pending", "sending", "sent", "failed", "uncertain"
SUPERSEDED = "superseded"
STATUSES = (PENDING, SENDING, SENT, FAILED, UNCERTAIN, SUPERSEDED)
TOLD = (SENT, FAILED, UNCERTAIN)  # a send was tried: its outcome is the person's last message


def _new_message(registration_id: str, event: str, at: datetime) -> dict[str, Any]:
    """A message's row as it is first stored: pending, due now (`at`: naive UTC)."""
    return {
        "registration_id": registration_id,
        "event": event,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "reference": "",
        "reason": "",
        "created_at": at,
        "updated_at": at,
        "written_back": False,
    }


def add_message(conn: Connection, registration_id: str, event: str, now: datetime) -> None:
    """Add the message for (registration, event) in the caller's transaction. For a registration
    that transaction created; otherwise use `enqueue`, which tolerates one already there."""
    conn.execute(insert(notifications), _new_message(registration_id, event, naive_utc(now)))


def enqueue(conn: Connection, registration_id: str, event: str, now: datetime) -> bool:
    """Add the message for (registration, event) in the caller's transaction; False if it exists."""
    try:
        with conn.begin_nested():
            add_message(conn, registration_id, event, now)
    except IntegrityError:
        return False
    return True


def cancel_pending(
    conn: Connection, registration_id: str, event: str, reason: str, at: datetime
) -> None:
    """In the caller's transaction: the message for (registration, event), if still waiting,
    will not be sent (superseded, with `reason`). `at`: naive UTC."""
    conn.execute(
        update(notifications)
        .where(
            notifications.c.registration_id == registration_id,
            notifications.c.event == event,
            notifications.c.status == PENDING,
        )
        .values(status=SUPERSEDED, reason=reason, updated_at=at)
    )


def reopen_superseded(conn: Connection, pairs: list[tuple[str, str]], now: datetime) -> None:
    """In the caller's transaction: the superseded messages of these (registration, state)
    pairs, whose state the registration has entered again, are due again (still never sent)."""
    at = naive_utc(now)
    for registration_id, event in sorted(set(pairs)):
        conn.execute(
            update(notifications)
            .where(
                notifications.c.registration_id == registration_id,
                notifications.c.event == event,
                notifications.c.status == SUPERSEDED,
            )
            .values(status=PENDING, next_attempt_at=at, updated_at=at, reason="")
        )


def enqueue_many(conn: Connection, pairs: list[tuple[str, str]], now: datetime) -> None:
    """`enqueue` for many (registration, event) pairs, in one statement: a pair already queued
    (or sent) stays as it is."""
    if pairs:
        at = naive_utc(now)
        conn.execute(
            upsert(conn, notifications, ["registration_id", "event"]),
            [_new_message(r, e, at) for r, e in sorted(set(pairs))],
        )


@dataclass(frozen=True)
class Message:
    id: int
    registration_id: str
    event: str
    status: str
    attempts: int
    reference: str
    reason: str
    updated_at: datetime


def _message(row) -> Message:  # type: ignore[no-untyped-def]
    return Message(
        row.id,
        row.registration_id,
        row.event,
        row.status,
        row.attempts,
        row.reference,
        row.reason,
        row.updated_at.replace(tzinfo=UTC),
    )


class Outbox:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[notifications])

    def _set(self, message_id: int, now: datetime, expect: str | None = None, **values) -> bool:  # type: ignore[no-untyped-def]
        cond = notifications.c.id == message_id
        if expect:
            cond = and_(cond, notifications.c.status == expect)
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                update(notifications).where(cond).values(updated_at=naive_utc(now), **values)
            ).rowcount
        return done == 1

    def strand_sending(self, now: datetime) -> int:
        """Messages left in `sending` by a run that died: `uncertain`, for an operator."""
        with write_transaction(self.engine) as conn:
            return conn.execute(
                update(notifications)
                .where(notifications.c.status == SENDING)
                .values(
                    status=UNCERTAIN,
                    updated_at=naive_utc(now),
                    reason="proses berhenti saat mengirim: sampai atau tidak, belum diketahui",
                )
            ).rowcount

    def due(self, now: datetime, limit: int) -> list[Message]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(notifications)
                .where(
                    notifications.c.status == PENDING,
                    notifications.c.next_attempt_at <= naive_utc(now),
                )
                .order_by(notifications.c.id)
                .limit(limit)
            ).all()
        return [_message(r) for r in rows]

    def sent_since(self, since: datetime) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(notifications)
                    .where(notifications.c.sent_at >= naive_utc(since))
                ).scalar_one()
            )

    def mark_sending(self, message_id: int, now: datetime) -> bool:
        """Claim a pending message before calling the provider (committed first)."""
        return self._set(
            message_id, now, expect=PENDING, status=SENDING, attempts=notifications.c.attempts + 1
        )

    def mark_sent(self, message_id: int, reference: str, now: datetime) -> None:
        self._set(
            message_id,
            now,
            expect=SENDING,
            status=SENT,
            reference=reference,
            sent_at=naive_utc(now),
            reason="",
        )

    def mark_retry(self, message_id: int, reason: str, at: datetime, now: datetime) -> None:
        self._set(
            message_id,
            now,
            expect=SENDING,
            status=PENDING,
            reason=reason,
            next_attempt_at=naive_utc(at),
        )

    def mark_superseded(self, message_id: int, reason: str, now: datetime) -> bool:
        """A pending message that no longer holds: closed unsent (False: not pending now)."""
        return self._set(message_id, now, expect=PENDING, status=SUPERSEDED, reason=reason)

    def mark_failed(self, message_id: int, reason: str, now: datetime) -> None:
        self._set(message_id, now, expect=SENDING, status=FAILED, reason=reason)

    def requeue(self, message_id: int, now: datetime) -> bool:
        """An operator's decision: send an `uncertain` or `failed` message again."""
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                update(notifications)
                .where(
                    notifications.c.id == message_id,
                    notifications.c.status.in_((UNCERTAIN, FAILED)),
                )
                .values(
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=naive_utc(now),
                    updated_at=naive_utc(now),
                    reason="",
                )
            ).rowcount
        return done == 1

    def messages(self, status: str | None = None, event: str | None = None) -> list[Message]:
        query = select(notifications).order_by(notifications.c.id)
        if status:
            query = query.where(notifications.c.status == status)
        if event:
            query = query.where(notifications.c.event == event)
        with self.engine.connect() as conn:
            return [_message(r) for r in conn.execute(query).all()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(notifications.c.status, func.count()).group_by(notifications.c.status)
            ).all()
        return {status: int(n) for status, n in rows}

    def last_told(self) -> dict[str, tuple[str, str, datetime]]:
        """Per registration, the last message a send was tried for (sent, failed or uncertain),
        by the time of its outcome, as (event, status, when): what `Notifikasi Terakhir`
        shows."""
        n = notifications.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(n.registration_id, n.event, n.status, n.updated_at)
                .where(n.status.in_(TOLD))
                .order_by(n.updated_at, n.id)
            ).all()
        return {r[0]: (r[1], r[2], r[3].replace(tzinfo=UTC)) for r in rows}
