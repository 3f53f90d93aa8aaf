"""Officers' signed-in sessions, kept on the server: logging out ends one for good (a copied
cookie stops working), and one left idle longer than the configured time ends by itself.

The cookie holds a random session id; only its SHA-256 is stored, as for officers' tokens.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from prens.rules.dates import naive_utc
from prens.store.database import write_transaction
from prens.store.officers import digest
from prens.store.schema import officer_sessions

# A session's last use is written at most this often: a page view is not a write each time.
TOUCH_EVERY = timedelta(minutes=1)


class OfficerSessions:
    def __init__(self, engine: Engine, idle: timedelta):
        self.engine, self.idle = engine, idle

    def start(self, officer: str, now: datetime) -> str:
        """A new session for `officer`; its id, for the cookie (stored only hashed)."""
        session_id = secrets.token_urlsafe(32)
        at = naive_utc(now)
        with write_transaction(self.engine) as conn:
            conn.execute(
                insert(officer_sessions).values(
                    id_sha256=digest(session_id), officer=officer, started_at=at, seen_at=at
                )
            )
        return session_id

    def officer(self, session_id: str, now: datetime) -> str | None:
        """The officer of a live session, or None (unknown, logged out, or idle too long)."""
        if not session_id:
            return None
        at = naive_utc(now)
        key = digest(session_id)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(officer_sessions).where(officer_sessions.c.id_sha256 == key)
            ).first()
        if row is None or row.ended_at is not None or at - row.seen_at > self.idle:
            return None
        if at - row.seen_at >= TOUCH_EVERY:
            with write_transaction(self.engine) as conn:
                conn.execute(
                    update(officer_sessions)
                    .where(officer_sessions.c.id_sha256 == key)
                    .values(seen_at=at)
                )
        return str(row.officer)

    def end(self, session_id: str, now: datetime) -> None:
        """Log out: the session never works again, whoever holds a copy of its cookie."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(officer_sessions)
                .where(
                    officer_sessions.c.id_sha256 == digest(session_id),
                    officer_sessions.c.ended_at.is_(None),
                )
                .values(ended_at=naive_utc(now))
            )
