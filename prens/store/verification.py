"""What the sync job keeps in the ledger: the verifier values last seen per registration, each
state entered (once), and the append-only audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from prens.rules.dates import naive_utc
from prens.rules.lifecycle import STATES
from prens.store.database import WRITE_CHUNK_ROWS, write_transaction
from prens.store.outbox import enqueue
from prens.store.schema import audit_log, metadata, registrations, state_entries, verifications


@dataclass(frozen=True)
class AuditEntry:
    registration_id: str | None
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]

    def describe(self) -> str:
        """One line for `prens audit` (identity numbers are never in an entry)."""
        d = self.detail
        if self.kind == "state":
            return f"state {d['from']} -> {d['to']}"
        if self.kind == "regression":
            return f"state moved back {d['from']} -> {d['to']} (a box unticked or a cell emptied)"
        if self.kind == "first_entry":
            return f"entered {d['state']} for the first time"
        if self.kind == "row_missing":
            return f"row deleted from {d['worksheet']}: restored by the next flush"
        if self.kind == "cell":
            return f"{d['column']}: {d['before']!r} -> {d['after']!r}"
        if self.kind in ("download", "export"):
            what = d.get("file") or f"{d.get('list', '?')}.{d.get('format', '?')}"
            return f"{self.kind} {what}, {d.get('rows', 0)} row(s)" + (
                f" from {d['ip']}" if d.get("ip") else ""
            )
        if self.kind == "bpjs_import" and self.registration_id:
            return f"{d['column']} set to {d['after']!r} from {d['file']}"
        if self.kind == "bpjs_import":
            return f"BPJS import of {d['file']}: {d['rows']} line(s)"
        if self.kind == "bpjs_bill":
            return f"BPJS bill {d['month']} checked ({d['file']}, {d['rows']} line(s))"
        return f"{self.kind}: {d}"


@dataclass(frozen=True)
class Observation:
    """One registration as a sync saw it, and what changed since the last sync."""

    registration_id: str
    state_before: str
    state_after: str
    cells: dict[str, Any]
    notes: str
    changed_cells: list[tuple[str, Any, Any]]  # header, before, after
    entered: list[str]
    kind: str | None  # the lifecycle transition, if any


class VerificationStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[verifications, state_entries, audit_log])

    def cells_for(self, ids: list[str]) -> dict[str, tuple[dict[str, Any], str]]:
        """The verifier cells and notes last seen for these registrations (a row to restore)."""
        out: dict[str, tuple[dict[str, Any], str]] = {}
        for start in range(0, len(ids), 500):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(verifications).where(
                        verifications.c.registration_id.in_(ids[start : start + 500])
                    )
                ).all()
            out.update((r.registration_id, (json.loads(r.cells), r.notes)) for r in rows)
        return out

    def last_seen(self) -> dict[str, tuple[dict[str, Any], str]]:
        """Registration id -> (verifier cells, notes) as the last sync saw them."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(verifications)).all()
        return {r.registration_id: (json.loads(r.cells), r.notes) for r in rows}

    def record(
        self,
        observations: list[Observation],
        now: datetime,
        actor: str = "sync",
        notify: frozenset[str] = frozenset(),
    ) -> None:
        """Store what a sync saw: each registration's cells, notes, state, audit entries and
        message together, in transactions of WRITE_CHUNK_ROWS registrations (the intake waits for
        the write lock only that long). A sync killed between two of them stored the first; the
        next sync sees the rest again."""
        at = naive_utc(now)
        for start in range(0, len(observations), WRITE_CHUNK_ROWS):
            chunk = observations[start : start + WRITE_CHUNK_ROWS]
            # Encoded before the transaction; the cells of the whole chunk in two statements.
            values = [
                {
                    "registration_id": ob.registration_id,
                    "cells": json.dumps(ob.cells, ensure_ascii=False, default=str),
                    "notes": ob.notes,
                    "seen_at": at,
                }
                for ob in chunk
            ]
            with write_transaction(self.engine) as conn:
                self._store_cells(conn, values)
                for ob in chunk:
                    self._record_one(conn, ob, at, now, actor, notify)

    @staticmethod
    def _store_cells(conn: Connection, values: list[dict[str, Any]]) -> None:
        """The cells and notes last seen of each registration: updated, or inserted the first
        time a sync sees its row."""
        ids = [v["registration_id"] for v in values]
        have = set(
            conn.execute(
                select(verifications.c.registration_id).where(
                    verifications.c.registration_id.in_(ids)
                )
            ).scalars()
        )
        old = [
            {"rid": v["registration_id"], "c": v["cells"], "n": v["notes"], "at": v["seen_at"]}
            for v in values
            if v["registration_id"] in have
        ]
        new = [v for v in values if v["registration_id"] not in have]
        if old:
            conn.execute(
                update(verifications)
                .where(verifications.c.registration_id == bindparam("rid"))
                .values(cells=bindparam("c"), notes=bindparam("n"), seen_at=bindparam("at")),
                old,
            )
        if new:
            conn.execute(insert(verifications), new)

    def _record_one(
        self,
        conn: Connection,
        ob: Observation,
        at: datetime,
        now: datetime,
        actor: str,
        notify: frozenset[str],
    ) -> None:
        for header, before, after in ob.changed_cells:
            self._audit(
                conn,
                ob.registration_id,
                at,
                "cell",
                actor,
                {"column": header, "before": before, "after": after},
            )
        if ob.kind:
            conn.execute(
                update(registrations)
                .where(registrations.c.id == ob.registration_id)
                .values(state=ob.state_after)
            )
            self._audit(
                conn,
                ob.registration_id,
                at,
                "regression" if ob.kind == "regress" else "state",
                actor,
                {"from": ob.state_before, "to": ob.state_after, "move": ob.kind},
            )
        for state in ob.entered:
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(state_entries).values(
                            registration_id=ob.registration_id, state=state, entered_at=at
                        )
                    )
            except IntegrityError:
                continue  # entered before: not a first entry
            self._audit(conn, ob.registration_id, at, "first_entry", actor, {"state": state})
            if state in notify:  # the first entry is the one that notifies
                enqueue(conn, ob.registration_id, state, now)

    def log(
        self,
        registration_id: str | None,
        kind: str,
        actor: str,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        with write_transaction(self.engine) as conn:
            self._audit(conn, registration_id, naive_utc(now), kind, actor, detail)

    def log_many(
        self, entries: list[tuple[str | None, dict[str, Any]]], kind: str, actor: str, now: datetime
    ) -> None:
        """Several entries of one kind by one actor, in one transaction: all or none."""
        values = [
            {
                "registration_id": reg_id,
                "at": naive_utc(now),
                "kind": kind,
                "actor": actor,
                "detail": json.dumps(detail, ensure_ascii=False, default=str),
            }
            for reg_id, detail in entries
        ]
        if values:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(audit_log), values)

    def entered_at(self, state: str) -> dict[str, datetime]:
        """When each registration first entered `state` (UTC)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(state_entries.c.registration_id, state_entries.c.entered_at).where(
                    state_entries.c.state == state
                )
            ).all()
        return {r: at.replace(tzinfo=UTC) for r, at in rows}

    @staticmethod
    def _audit(conn, registration_id, at, kind, actor, detail) -> None:  # type: ignore[no-untyped-def]
        conn.execute(
            insert(audit_log).values(
                registration_id=registration_id,
                at=at,
                kind=kind,
                actor=actor,
                detail=json.dumps(detail, ensure_ascii=False, default=str),
            )
        )

    def period(self) -> tuple[datetime, datetime] | None:
        """When verifiers' first and last state changes were observed, if any."""
        with self.engine.connect() as conn:
            first, last = conn.execute(
                select(func.min(audit_log.c.at), func.max(audit_log.c.at)).where(
                    audit_log.c.kind.in_(("state", "regression"))
                )
            ).one()
        return (first.replace(tzinfo=UTC), last.replace(tzinfo=UTC)) if first else None

    def history(self, registration_id: str) -> list[AuditEntry]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log)
                .where(audit_log.c.registration_id == registration_id)
                .order_by(audit_log.c.seq)
            ).all()
        return [
            AuditEntry(
                r.registration_id, r.at.replace(tzinfo=UTC), r.kind, r.actor, json.loads(r.detail)
            )
            for r in rows
        ]

    def downloads(self, limit: int = 200) -> list[AuditEntry]:
        """The latest downloads and exports of personal data (who, when, what), newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit_log)
                .where(audit_log.c.kind.in_(("download", "export")))
                .order_by(audit_log.c.seq.desc())
                .limit(limit)
            ).all()
        return [
            AuditEntry(
                r.registration_id, r.at.replace(tzinfo=UTC), r.kind, r.actor, json.loads(r.detail)
            )
            for r in rows
        ]

    def first_entries(self, registration_id: str) -> list[str]:
        """The states a registration has entered, by time, then in lifecycle order (a sync can
        enter several at once)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(state_entries.c.state, state_entries.c.entered_at).where(
                    state_entries.c.registration_id == registration_id
                )
            ).all()
        return [state for state, _ in sorted(rows, key=lambda r: (r[1], STATES.index(r[0])))]
