"""Dinas officers who may download personal data: one random token each, stored hashed.

Tokens are 32 random bytes, so a SHA-256 of them is as good as a slow password hash and cheap to
check on every request; the token itself is shown once, when it is made, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from prens.errors import PrensError
from prens.rules.names import account_key
from prens.store.database import write_transaction
from prens.store.schema import metadata, officers


class OfficerError(PrensError, ValueError):
    """An officer name that is taken, unknown or unusable."""


def digest(secret: str) -> str:
    """How a token or a session id is stored: its SHA-256 (they are 32 random bytes)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def session_stamp(kind: str, token_sha256: str | None) -> str | None:
    """A value kept in a signed-in session that stops matching when the account's token
    changes or the account goes (None)."""
    if not token_sha256:
        return None
    return hashlib.sha256(f"{kind}:{token_sha256}".encode()).hexdigest()[:24]


class Officers:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[officers])

    def add(self, name: str) -> str:
        """Make an officer; return their token (shown once, stored only hashed)."""
        name = " ".join(name.split())
        if not name or ":" in name:
            raise OfficerError("nama petugas tidak boleh kosong atau memuat ':'")
        token = secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            if conn.execute(select(officers.c.name).where(officers.c.name == name)).first():
                raise OfficerError(f"petugas {name!r} sudah ada; hapus dulu untuk token baru")
            conn.execute(
                insert(officers).values(
                    name=name,
                    token_sha256=digest(token),
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                    active=True,
                )
            )
        return token

    def remove(self, name: str) -> None:
        with write_transaction(self.engine) as conn:
            gone = conn.execute(officers.delete().where(officers.c.name == name)).rowcount
        if not gone:
            raise OfficerError(f"tidak ada petugas {name!r}")

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(officers.c.name).where(officers.c.active).order_by(officers.c.name)
                ).scalars()
            )

    def who(self, token: str, name: str | None = None) -> str | None:
        """The officer holding `token` (and called `name`, when given: compared as
        prens.rules.names.account_key does), or None."""
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(officers.c.name, officers.c.token_sha256).where(
                    officers.c.token_sha256 == digest(token), officers.c.active
                )
            ).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest(token)):
            return None
        if name is not None and not hmac.compare_digest(
            account_key(row.name).encode(), account_key(name).encode()
        ):
            return None
        return str(row.name)

    def stamp(self, name: str) -> str | None:
        """A value for a login session that stops matching when the officer is removed or given
        a new token; None for no such officer."""
        with self.engine.connect() as conn:
            token_sha256 = conn.execute(
                select(officers.c.token_sha256).where(officers.c.name == name, officers.c.active)
            ).scalar()
        return session_stamp("session", token_sha256)


__all__ = ["OfficerError", "Officers", "digest", "session_stamp"]
