"""The ledger: every submission received, durably, in SQL (SQLAlchemy Core).

The database enforces what must never happen twice: one row per form response (``response_key``)
and one active valid registration per NIK (``active_nik``; NULL for everything else), so concurrent
requests cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from prens.errors import LedgerError
from prens.rules.bpjs.numbers_in import Match
from prens.rules.dates import naive_utc
from prens.rules.fingerprint import TOLERANCE_SECONDS, Fingerprint, fingerprint
from prens.rules.problems import WARNING, Problem
from prens.rules.registration import (
    ACCEPTED,
    Candidate,
    Registration,
    new_registration_id,
)
from prens.store.database import WRITE_CHUNK_ROWS, write_transaction
from prens.store.job_state import JobState
from prens.store.migrate import upgrade
from prens.store.recording import insert_candidate, registration_from_row
from prens.store.schema import job_leases, registrations
from prens.store.sql import json_text


@dataclass(frozen=True)
class SheetEntry:
    """A registration as the sync sees it: its state, and the intake warnings that start its
    `Catatan Sistem`."""

    id: str
    state: str | None
    warnings: str
    born: str = ""  # the date of birth as stored (yyyy-mm-dd): a membership ends at an age


def _warnings(problems_json: str) -> str:
    if problems_json == "[]":
        return ""
    problems = (Problem.from_dict(p) for p in json.loads(problems_json))
    return " ".join(p.message for p in problems if p.severity == WARNING)


_BY_KEY = select(registrations).where(registrations.c.response_key == bindparam("key"))


class Ledger:
    """Reads and writes registrations; every write is one transaction."""

    def __init__(self, engine: Engine, id_prefix: str):
        self.engine, self.id_prefix = engine, id_prefix
        self.jobs = JobState(engine)  # the jobs' leases, runs and cursors

    def create_schema(self) -> None:
        """Create or upgrade the schema (Alembic migrations; see prens.store.migrate)."""
        upgrade(self.engine)

    def ping(self) -> None:
        """Raise LedgerError unless the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(func.count()).select_from(job_leases))
        except OperationalError as exc:
            raise LedgerError(f"database unusable: {exc.orig}") from exc

    def by_response_key(self, key: str) -> Registration | None:
        with self.engine.connect() as conn:
            row = conn.execute(_BY_KEY, {"key": key}).first()
        return registration_from_row(row) if row else None

    def for_citizen(self, nik: str) -> Registration | None:
        """The registration a citizen with this NIK asks about: the active one, else the
        latest (a submission needing correction, or a rejected one)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(registrations)
                .where(registrations.c.nik == nik)
                .order_by((registrations.c.active_nik == nik).desc(), registrations.c.seq.desc())
                .limit(1)
            ).first()
        return registration_from_row(row) if row else None

    def get(self, registration_id: str) -> Registration | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(registrations).where(registrations.c.id == registration_id)
            ).first()
        return registration_from_row(row) if row else None

    def record(
        self,
        candidate: Candidate,
        now: datetime,
        phone_warning: Callable[[int], Problem | None] | None = None,
    ) -> tuple[Registration, bool]:
        """Store a candidate once; return (the registration, whether this call created it).

        A replay of a stored response returns the stored registration. A valid candidate whose NIK
        already has an active registration is stored as a duplicate linked to it. `phone_warning`
        is asked, inside the same transaction, for a warning given how many active registrations
        already use the candidate's phone.
        """
        # Encoded once, outside the transaction: only the lookups and the insert hold the lock.
        encoded = (
            json.dumps(candidate.person, ensure_ascii=False),
            json.dumps(candidate.answers, ensure_ascii=False),
        )
        for _attempt in range(8):
            reg_id = new_registration_id(self.id_prefix)  # drawn again if it was taken
            try:
                with write_transaction(self.engine) as conn:
                    stored, seen_as = insert_candidate(
                        conn, candidate, encoded, now, phone_warning, reg_id
                    )
            except IntegrityError:
                # The same response stored already (a replay, perhaps in the same batch, or the
                # same response arriving by the other road); otherwise another process took the
                # NIK, or an id was drawn twice: the next attempt's lookups see it.
                existing = self.by_response_key(candidate.response_key)
                if existing:
                    return existing, False
                continue
            if stored is not None:
                return stored, True
            existing = self.get(seen_as) if seen_as else None
            if existing:
                return existing, False
        raise LedgerError("could not store the submission after repeated conflicts")

    def seen(self, fps: list[Fingerprint]) -> list[bool]:
        """For each fingerprint, whether the ledger holds a response it matches."""
        stored: dict[str, list[int]] = {}
        hashes = sorted({fp.name_hash for fp in fps})
        with self.engine.connect() as conn:
            for start in range(0, len(hashes), 500):
                rows = conn.execute(
                    select(registrations.c.fp_hash, registrations.c.fp_second).where(
                        registrations.c.fp_hash.in_(hashes[start : start + 500])
                    )
                )
                for name_hash, second in rows:
                    stored.setdefault(name_hash, []).append(second)
        return [
            any(abs(s - fp.second) <= TOLERANCE_SECONDS for s in stored.get(fp.name_hash, ()))
            for fp in fps
        ]

    def backfill_fingerprints(self, name_title: str) -> int:
        """Give fingerprints to registrations stored before fingerprints existed; return how
        many. `name_title` is the name question's title in the stored answers."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations.c.id, registrations.c.submitted_at, registrations.c.answers)
                .where(registrations.c.fp_hash.is_(None))
                .order_by(registrations.c.seq)
            ).all()
        added = 0
        for reg_id, submitted_at, answers in rows:
            name = json.loads(answers).get(name_title, "")
            fp = fingerprint(
                submitted_at.replace(tzinfo=UTC), name if isinstance(name, str) else ""
            )
            with write_transaction(self.engine) as conn:
                added += conn.execute(
                    update(registrations)
                    .where(registrations.c.id == reg_id, registrations.c.fp_hash.is_(None))
                    .values(fp_hash=fp.name_hash, fp_second=fp.second)
                ).rowcount
        return added

    # -- flushing to the sheet -------------------------------------------------------------

    def pending_flush(self, target: str, limit: int) -> list[Registration]:
        """Registrations bound for worksheet role `target` not yet written, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations)
                .where(registrations.c.sheet_target == target, registrations.c.flushed_at.is_(None))
                .order_by(registrations.c.seq)
                .limit(limit)
            ).all()
        return [registration_from_row(r) for r in rows]

    def count_pending_flush(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(registrations)
                .where(
                    registrations.c.sheet_target.is_not(None), registrations.c.flushed_at.is_(None)
                )
            ).scalar_one()

    def mark_flushed(self, ids: list[str], now: datetime) -> None:
        # In short transactions (see WRITE_CHUNK_ROWS): a crash half-way leaves some unmarked,
        # and the next flush finds them in the sheet already.
        for start in range(0, len(ids), WRITE_CHUNK_ROWS):
            with write_transaction(self.engine) as conn:
                conn.execute(
                    update(registrations)
                    .where(registrations.c.id.in_(ids[start : start + WRITE_CHUNK_ROWS]))
                    .values(flushed_at=naive_utc(now))
                )

    def in_sheet(self, ids: list[str]) -> dict[str, SheetEntry]:
        """The accepted registrations among `ids` (the rows of "Pendaftar"), by id: what the
        sync needs of each, read without the answers (the sync reads every row each run)."""
        found: dict[str, SheetEntry] = {}
        columns = (
            registrations.c.id,
            registrations.c.state,
            registrations.c.problems,
            json_text(registrations.c.person, "tanggal_lahir").label("born"),
        )
        for start in range(0, len(ids), 500):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(*columns).where(
                        registrations.c.id.in_(ids[start : start + 500]),
                        registrations.c.status == ACCEPTED,
                    )
                ).all()
            found.update(
                (r.id, SheetEntry(r.id, r.state, _warnings(r.problems), r.born or "")) for r in rows
            )
        return found

    def for_niks(
        self, niks: list[str], progress: Callable[[int], None] | None = None
    ) -> dict[str, Match]:
        """For each NIK, the registration it matches: its active one, else its latest accepted
        one (a rejected person's), else its latest. Only what an import compares is read.
        `progress(n)`: n more NIKs looked up."""
        best: dict[str, Any] = {}
        wanted = sorted(set(niks))
        r = registrations.c
        columns = (r.id, r.nik, r.active_nik, r.status, r.seq, r.state)
        person = (json_text(r.person, "nama").label("name"),)
        born = (json_text(r.person, "tanggal_lahir").label("born"),)
        for start in range(0, len(wanted), 500):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(*columns, *person, *born).where(r.nik.in_(wanted[start : start + 500]))
                ).all()
            for row in rows:
                rank = (row.active_nik is not None, row.status == ACCEPTED, row.seq)
                if row.nik not in best or rank > best[row.nik][0]:
                    best[row.nik] = (rank, row)
            if progress is not None:
                progress(len(wanted[start : start + 500]))
        return {
            nik: Match(row.id, row.state, row.status, row.name or "", row.born or "")
            for nik, (_rank, row) in best.items()
        }

    def many(self, ids: set[str] | list[str]) -> list[Registration]:
        """The registrations with these ids (any status), read 500 at a time."""
        wanted = sorted(ids)
        out: list[Registration] = []
        for start in range(0, len(wanted), 500):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(registrations).where(registrations.c.id.in_(wanted[start : start + 500]))
                ).all()
            out.extend(registration_from_row(r) for r in rows)
        return out

    def ids_in_states(self, states: tuple[str, ...]) -> list[tuple[str, int]]:
        """(id, seq) of the accepted registrations in any of `states`, without their answers."""
        with self.engine.connect() as conn:
            return [
                (r.id, r.seq)
                for r in conn.execute(
                    select(registrations.c.id, registrations.c.seq).where(
                        registrations.c.status == ACCEPTED, registrations.c.state.in_(states)
                    )
                )
            ]

    def in_states(self, states: tuple[str, ...]) -> list[Registration]:
        """Accepted registrations in any of `states`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations).where(
                    registrations.c.status == ACCEPTED, registrations.c.state.in_(states)
                )
            ).all()
        return [registration_from_row(r) for r in rows]

    def flushed_ids(self, target: str) -> set[str]:
        """Ids already written to the worksheet with role `target`."""
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(registrations.c.id).where(
                        registrations.c.sheet_target == target,
                        registrations.c.flushed_at.is_not(None),
                    )
                ).scalars()
            )

    def mark_unflushed(self, ids: list[str]) -> None:
        """Make the next flush write these again (their row was deleted from the sheet)."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(registrations).where(registrations.c.id.in_(ids)).values(flushed_at=None)
            )

    def count_in_states(self, states: tuple[str, ...]) -> int:
        """Accepted registrations in any of `states` (a period's members, for its quota)."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(registrations)
                    .where(registrations.c.status == ACCEPTED, registrations.c.state.in_(states))
                ).scalar_one()
            )

    def counts_by_status(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrations.c.status, func.count()).group_by(registrations.c.status)
            ).all()
        return {status: n for status, n in rows}

    def fingerprints_missing(self) -> bool:
        """Whether some registration has no fingerprint (stored before they existed)."""
        with self.engine.connect() as conn:
            missing = conn.execute(
                select(registrations.c.seq).where(registrations.c.fp_hash.is_(None)).limit(1)
            ).first()
        return missing is not None
