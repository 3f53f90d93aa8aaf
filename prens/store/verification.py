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

from prens.rules.dates import naive_utc
from prens.rules.lifecycle import STATES
from prens.store.database import WRITE_CHUNK_ROWS, write_transaction
from prens.store.outbox import enqueue_many, reopen_superseded
from prens.store.schema import audit_log, metadata, registrations, state_entries, verifications
from prens.store.sql import upsert

# The statements a sync runs on every chunk, built once (building one, and keying it in
# SQLAlchemy's compiled cache, costs about as much as running it for 25 rows).
_SET_STATE = (
    update(registrations)
    .where(registrations.c.id == bindparam("rid"))
    .values(state=bindparam("st"))
)
_ENTRY_KEY = ("registration_id", "state")
_ADD_AUDIT = insert(audit_log)


@dataclass(frozen=True)
class AuditEntry:
    registration_id: str | None
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]

    def describe(self) -> str:
        """One line for `prens audit`, in Bahasa Indonesia (identity numbers are never in an
        entry)."""
        d = self.detail
        said = _SAID.get(self.kind)
        if said is not None:
            try:
                return said(d, self.registration_id)
            except (KeyError, TypeError):
                pass
        return f"{self.kind}: {d}"


def _rows(d: dict[str, Any]) -> str:
    return f"{d.get('rows', 0)} baris" + (f" dari {d['ip']}" if d.get("ip") else "")


# What each kind of audit entry says (detail, registration id) -> the line.
_SAID: dict[str, Any] = {
    "state": lambda d, _r: f"status {d['from']} -> {d['to']}",
    "regression": lambda d, _r: (
        f"status mundur {d['from']} -> {d['to']} (centang dihapus atau sel dikosongkan)"
    ),
    "first_entry": lambda d, _r: f"pertama kali {d['state']}",
    "row_missing": lambda d, _r: (
        f"baris terhapus dari {d['worksheet']}: ditulis lagi pada penulisan lembar berikutnya"
    ),
    "cell": lambda d, _r: f"{d['column']}: {d['before']!r} -> {d['after']!r}",
    # Entries before one vocabulary named an export's list and format instead of its file.
    "download": lambda d, _r: f"unduhan {d.get('file') or d.get('list')}, {_rows(d)}",
    "export": lambda d, _r: (
        f"ekspor {d.get('file') or str(d.get('list')) + '.' + str(d.get('format'))}, {_rows(d)}"
    ),
    "bpjs_import": lambda d, r: (
        f"{d['column']} diisi {d['after']!r} dari {d['file']}"
        if r
        else f"impor BPJS {d['file']}: {d['rows']} baris"
    ),
    "bpjs_bill": lambda d, _r: (
        f"tagihan BPJS {d['month']} diperiksa ({d['file']}, {d['rows']} baris)"
    ),
    "login": lambda d, _r: "masuk" + (f" dari {d['ip']}" if d.get("ip") else ""),
    "logout": lambda d, _r: "keluar" + (f" dari {d['ip']}" if d.get("ip") else ""),
    "login_failed": lambda d, _r: "gagal masuk" + (f" dari {d['ip']}" if d.get("ip") else ""),
    "receipt": lambda d, _r: (
        ("berkas diterima di kantor desa" if d.get("complete", True) else "berkas belum lengkap")
        + (f": {d['note']}" if d.get("note") else "")
    ),
    "message_superseded": lambda d, _r: (
        f"pesan {d['event']} tidak dikirim: status sudah {d['state']}"
    ),
    "rollover": lambda d, _r: (
        f"periode {d['period']} dimulai: {d['carried']} peserta dilanjutkan, "
        f"{d['waiting']} ke daftar tunggu"
    ),
}


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


def write_audit(
    conn: Connection,
    registration_id: str | None,
    at: datetime,
    kind: str,
    actor: str,
    detail: dict[str, Any],
) -> None:
    """One audit entry in the caller's transaction (`at`: naive UTC)."""
    conn.execute(
        insert(audit_log).values(
            registration_id=registration_id,
            at=at,
            kind=kind,
            actor=actor,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
    )


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
        quiet: frozenset[str] = frozenset(),
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
            # Not durable: a power cut that loses it loses what the next sync derives again
            # from the same sheet (prens/store/database).
            with write_transaction(self.engine, durable=False) as conn:
                self._store_cells(conn, values)
                self._record_chunk(conn, chunk, at, now, actor, notify, quiet)

    @staticmethod
    def _store_cells(conn: Connection, values: list[dict[str, Any]]) -> None:
        """The cells and notes last seen of each registration: inserted the first time a sync
        sees its row, updated after (one statement)."""
        conn.execute(
            upsert(conn, verifications, ["registration_id"], ["cells", "notes", "seen_at"]), values
        )

    def _record_chunk(
        self,
        conn: Connection,
        chunk: list[Observation],
        at: datetime,
        now: datetime,
        actor: str,
        notify: frozenset[str],
        quiet: frozenset[str],
    ) -> None:
        """The chunk's changed cells, states, first entries and messages, a few statements each
        (per registration, its audit entries keep their order: cells, state, first entries)."""
        audit: list[tuple[str | None, str, dict[str, Any]]] = [
            (ob.registration_id, "cell", {"column": h, "before": before, "after": after})
            for ob in chunk
            for h, before, after in ob.changed_cells
        ]
        moved = [ob for ob in chunk if ob.kind]
        if moved:
            conn.execute(
                _SET_STATE, [{"rid": ob.registration_id, "st": ob.state_after} for ob in moved]
            )
        audit += [
            (
                ob.registration_id,
                "regression" if ob.kind == "regress" else "state",
                {"from": ob.state_before, "to": ob.state_after, "move": ob.kind},
            )
            for ob in moved
        ]
        firsts = self._first_entries(conn, chunk, at)
        audit += [(reg_id, "first_entry", {"state": state}) for reg_id, state in firsts]
        self._insert_audit(conn, audit, at, actor)
        told = [(r, state) for r, state in firsts if state in notify and r not in quiet]
        enqueue_many(conn, told, now)
        # A state entered again whose message was closed unsent while it was left: due again.
        again = [
            (ob.registration_id, ob.state_after)
            for ob in moved
            if ob.state_after in notify and ob.registration_id not in quiet
        ]
        reopen_superseded(conn, again, now)

    @staticmethod
    def _first_entries(
        conn: Connection, chunk: list[Observation], at: datetime
    ) -> list[tuple[str, str]]:
        """Store the states the chunk's registrations entered for the first time; return them."""
        wanted = [(ob.registration_id, state) for ob in chunk for state in ob.entered]
        if not wanted:
            return []
        wanted = list(dict.fromkeys(wanted))
        # One statement: a state entered before is left as it was, and not returned.
        added = conn.execute(
            upsert(conn, state_entries, ["registration_id", "state"], returning=_ENTRY_KEY),
            [{"registration_id": r, "state": s, "entered_at": at} for r, s in wanted],
        )
        new = {(r, s) for r, s in added}
        return [pair for pair in wanted if pair in new]

    @staticmethod
    def _insert_audit(
        conn: Connection,
        entries: list[tuple[str | None, str, dict[str, Any]]],
        at: datetime,
        actor: str,
    ) -> None:
        if entries:
            conn.execute(
                _ADD_AUDIT,
                [
                    {
                        "registration_id": reg_id,
                        "at": at,
                        "kind": kind,
                        "actor": actor,
                        "detail": json.dumps(detail, ensure_ascii=False, default=str),
                    }
                    for reg_id, kind, detail in entries
                ],
            )

    def log(
        self,
        registration_id: str | None,
        kind: str,
        actor: str,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        with write_transaction(self.engine) as conn:
            write_audit(conn, registration_id, naive_utc(now), kind, actor, detail)

    def log_many(
        self, entries: list[tuple[str | None, dict[str, Any]]], kind: str, actor: str, now: datetime
    ) -> None:
        """Several entries of one kind by one actor, in one transaction: all or none."""
        if entries:
            with write_transaction(self.engine) as conn:
                self._insert_audit(
                    conn, [(r, kind, detail) for r, detail in entries], naive_utc(now), actor
                )

    def rolled_over(self, period: str) -> bool:
        """Whether the rollover into `period` is done (its audit entry is written last)."""
        with self.engine.connect() as conn:
            details = conn.execute(
                select(audit_log.c.detail).where(audit_log.c.kind == "rollover")
            ).scalars()
            return any(json.loads(d).get("period") == period for d in details)

    def entered_at(self, state: str) -> dict[str, datetime]:
        """When each registration first entered `state` (UTC)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(state_entries.c.registration_id, state_entries.c.entered_at).where(
                    state_entries.c.state == state
                )
            ).all()
        return {r: at.replace(tzinfo=UTC) for r, at in rows}

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

    def personal_file(
        self,
        kind: str,
        actor: str,
        file: str,
        rows: int,
        now: datetime,
        ip: str | None = None,
    ) -> None:
        """Audit a file of personal data leaving the system: `kind` "download" (a page) or
        "export" (a command), with the file's name, its rows and (a download) the address."""
        detail: dict[str, Any] = {"file": file, "rows": rows}
        if ip is not None:
            detail["ip"] = ip
        self.log(None, kind, actor, detail, now)

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
