"""Files from the BPJS branch, as read, between an officer's preview and confirmation: one
confirmation applies an import once, however often it is sent."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from prens.rules.dates import naive_utc
from prens.store.database import write_transaction
from prens.store.schema import bpjs_uploads, metadata

KEEP = timedelta(days=7)  # they hold NIKs: kept no longer than a preview needs
# What `save` issues (secrets.token_urlsafe); anything else in an address is no upload (and a
# NUL in it would be refused by PostgreSQL as an error, not answered as "not found").
UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass(frozen=True)
class Upload:
    id: str
    kind: str
    file_name: str
    officer: str
    uploaded_at: datetime
    options: dict[str, Any]
    lines: list[dict[str, Any]]
    applied_at: datetime | None
    applied_by: str | None


class Uploads:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[bpjs_uploads])

    def save(
        self,
        kind: str,
        file_name: str,
        officer: str,
        options: dict[str, Any],
        lines: list[dict[str, Any]],
        now: datetime,
    ) -> str:
        """Keep an upload; return its id."""
        upload_id = secrets.token_urlsafe(18)
        with write_transaction(self.engine) as conn:
            conn.execute(
                insert(bpjs_uploads).values(
                    id=upload_id,
                    kind=kind,
                    file_name=file_name[:200],
                    officer=officer[:80],
                    uploaded_at=naive_utc(now),
                    options=json.dumps(options),
                    lines=json.dumps(lines, ensure_ascii=False, default=str),
                )
            )
        return upload_id

    def get(self, upload_id: str, kind: str, now: datetime) -> Upload | None:
        """The upload `upload_id` of this kind; None when there is none, or it has expired
        (older than KEEP, deleted or not yet)."""
        if not UPLOAD_ID.fullmatch(upload_id):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(bpjs_uploads).where(
                    bpjs_uploads.c.id == upload_id,
                    bpjs_uploads.c.kind == kind,
                    bpjs_uploads.c.uploaded_at >= naive_utc(now - KEEP),
                )
            ).first()
        if row is None:
            return None
        return Upload(
            row.id,
            row.kind,
            row.file_name,
            row.officer,
            row.uploaded_at.replace(tzinfo=UTC),
            json.loads(row.options),
            json.loads(row.lines),
            row.applied_at.replace(tzinfo=UTC) if row.applied_at else None,
            row.applied_by,
        )

    def delete_expired(self, now: datetime) -> int:
        """Delete the uploads older than KEEP, with the personal data they hold; how many."""
        with write_transaction(self.engine) as conn:
            return conn.execute(
                delete(bpjs_uploads).where(bpjs_uploads.c.uploaded_at < naive_utc(now - KEEP))
            ).rowcount

    def claim(self, upload_id: str, officer: str, now: datetime) -> bool:
        """Mark an import applied; False when it was already (a second confirmation), or it
        has expired."""
        with write_transaction(self.engine) as conn:
            changed = conn.execute(
                update(bpjs_uploads)
                .where(
                    bpjs_uploads.c.id == upload_id,
                    bpjs_uploads.c.applied_at.is_(None),
                    bpjs_uploads.c.uploaded_at >= naive_utc(now - KEEP),
                )
                .values(applied_at=naive_utc(now), applied_by=officer[:80])
            ).rowcount
        return changed == 1

    def release(self, upload_id: str) -> None:
        """Undo a claim whose apply failed: the officer may confirm again."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(bpjs_uploads)
                .where(bpjs_uploads.c.id == upload_id)
                .values(applied_at=None, applied_by=None)
            )
