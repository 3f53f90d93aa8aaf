"""Rate-limit counters in the ledger's database: a storage for the `limits` library, shared by
every worker process that uses the same database.

Keys are what `limits` builds from the limit and the client or NIK key (webhooks/public.py); the
NIK key is a hash of the NIK, so no NIK is ever stored here. Each counter is a fixed window:
a count and the moment it expires.
"""

from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from prens.store.database import write_transaction
from prens.store.schema import metadata, rate_limits


class SQLStorage(Storage):
    """`limits` storage on a SQLAlchemy engine: ``SQLStorage(engine=engine)`` (or the URI
    ``prens-sql://`` with the engine in the options)."""

    STORAGE_SCHEME = ["prens-sql"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        engine: Engine | None = None,
        clock: Any = time.time,
        **options: Any,
    ):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        if engine is None:
            raise ValueError("SQLStorage needs storage_options={'engine': an Engine}")
        self.engine, self.clock = engine, clock
        metadata.create_all(engine, tables=[rate_limits])

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        for _ in range(3):
            try:
                with write_transaction(self.engine) as conn:
                    live = rate_limits.c.key == key
                    bumped = conn.execute(
                        update(rate_limits)
                        .where(live, rate_limits.c.expires_at > now)
                        .values(count=rate_limits.c.count + amount)
                    ).rowcount
                    if not bumped:
                        renewed = conn.execute(
                            update(rate_limits)
                            .where(live)
                            .values(count=amount, expires_at=now + expiry)
                        ).rowcount
                        if not renewed:
                            conn.execute(
                                insert(rate_limits).values(
                                    key=key, count=amount, expires_at=now + expiry
                                )
                            )
                    return int(conn.execute(select(rate_limits.c.count).where(live)).scalar_one())
            except IntegrityError:
                continue  # another worker inserted the key first: count on it
        raise RuntimeError(f"rate limit counter {key!r} kept conflicting")

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                select(rate_limits.c.count).where(
                    rate_limits.c.key == key, rate_limits.c.expires_at > self.clock()
                )
            ).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(
                select(rate_limits.c.expires_at).where(rate_limits.c.key == key)
            ).scalar()
        return float(expires) if expires is not None else self.clock()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(rate_limits.c.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with write_transaction(self.engine) as conn:
            return int(conn.execute(delete(rate_limits)).rowcount)

    def clear(self, key: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.key == key))
