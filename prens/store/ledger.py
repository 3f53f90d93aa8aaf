"""The ledger: every submission received, durably, in SQL (SQLAlchemy Core).

The database enforces what must never happen twice: one row per form response (``response_key``)
and one active valid registration per NIK (``active_nik``; NULL for everything else), so concurrent
requests cannot both win.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from prens.errors import LedgerError
from prens.rules.dates import naive_utc
from prens.rules.fingerprint import TOLERANCE_SECONDS, Fingerprint, fingerprint
from prens.rules.problems import Problem
from prens.rules.registration import (
    ACCEPTED,
    DUPLICATE,
    FIRST_STATE,
    NEEDS_CORRECTION,
    PENDAFTAR,
    PERLU_PERBAIKAN,
    RESPONSE_ID_PREFIX,
    Candidate,
    Registration,
    new_registration_id,
)
from prens.store.database import WRITE_CHUNK_ROWS, write_transaction
from prens.store.job_state import JobState
from prens.store.schema import job_leases, registrations

# Statements built once: building a Core statement costs more than running it on SQLite.
_BY_KEY = select(registrations).where(registrations.c.response_key == bindparam("key"))
_PHONE_COUNT = (
    select(func.count())
    .select_from(registrations)
    .where(registrations.c.phone == bindparam("phone"), registrations.c.active_nik.is_not(None))
)
_ACTIVE_ID = select(registrations.c.id).where(registrations.c.active_nik == bindparam("nik"))
_TO_CORRECT = (
    select(registrations.c.id)
    .where(
        registrations.c.nik == bindparam("nik"),
        registrations.c.status == NEEDS_CORRECTION,
        registrations.c.corrected_by.is_(None),
    )
    .order_by(registrations.c.seq.desc())
    .limit(1)
)
_SEEN = (
    select(registrations.c.id)
    .where(
        registrations.c.fp_hash == bindparam("hash"),
        registrations.c.fp_second.between(bindparam("low"), bindparam("high")),
    )
    .limit(1)
)
# For a response with a responseId: only one that came without one can be the same response.
_SEEN_WITHOUT_ID = _SEEN.where(~registrations.c.response_key.startswith(RESPONSE_ID_PREFIX))
_LOOKUPS = (
    _PHONE_COUNT.scalar_subquery(),
    _ACTIVE_ID.scalar_subquery(),
    _TO_CORRECT.scalar_subquery(),
)
_SEEN_BY_ID = {True: _SEEN_WITHOUT_ID, False: _SEEN}
_LOOKUP = select(*_LOOKUPS)
# A valid candidate's lookups and its fingerprint's, in one round trip.
_LOOKUP_SEEN = {
    with_id: select(seen.scalar_subquery(), *_LOOKUPS)
    for with_id, seen in ((True, _SEEN_WITHOUT_ID), (False, _SEEN))
}
_INSERT = insert(registrations).returning(registrations.c.seq)
_NAME_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _seen_params(fp: Fingerprint) -> dict[str, Any]:
    return {
        "hash": fp.name_hash,
        "low": fp.second - TOLERANCE_SECONDS,
        "high": fp.second + TOLERANCE_SECONDS,
    }


class Ledger:
    """Reads and writes registrations; every write is one transaction."""

    def __init__(self, engine: Engine, id_prefix: str):
        self.engine, self.id_prefix = engine, id_prefix
        self.jobs = JobState(engine)  # the jobs' leases, runs and cursors

    def create_schema(self) -> None:
        """Create or upgrade the schema (Alembic migrations; see prens.store.migrate)."""
        from prens.store.migrate import upgrade

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
                    stored, seen_as = self._insert(
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

    def _insert(
        self,
        conn: Connection,
        c: Candidate,
        encoded: tuple[str, str],
        now: datetime,
        phone_warning: Callable[[int], Problem | None] | None,
        reg_id: str,
    ) -> tuple[Registration | None, str | None]:
        """Insert the candidate: (the registration, None), or (None, the id of the stored
        registration whose fingerprint it matches)."""
        nik = c.person.get("nik")
        phone = c.person.get("telepon") if c.valid else None
        looked_up: tuple[Any, ...] | None = None
        if c.fingerprint is not None:
            if conn.dialect.name == "postgresql":
                # Check-then-insert of a fingerprint must not interleave with another
                # transaction's for the same name (SQLite's writers are serialised already).
                conn.execute(_NAME_LOCK, {"key": int(c.fingerprint.name_hash[:15], 16)})
            with_id = c.response_key.startswith(RESPONSE_ID_PREFIX)
            if c.valid:
                seen, *rest = conn.execute(
                    _LOOKUP_SEEN[with_id],
                    {**_seen_params(c.fingerprint), "phone": phone, "nik": nik},
                ).one()
                looked_up = tuple(rest)
            else:
                seen = conn.execute(
                    _SEEN_BY_ID[with_id], _seen_params(c.fingerprint)
                ).scalar_one_or_none()
            if seen:
                return None, seen
        problems = list(c.problems)
        status: str = ACCEPTED if c.valid else NEEDS_CORRECTION
        target: str | None = PENDAFTAR if c.valid else PERLU_PERBAIKAN
        state: str | None = FIRST_STATE if c.valid else None
        duplicate_of: str | None = None
        corrects: str | None = None
        if c.valid:
            # One round trip: how many use this phone, the NIK's active registration, and the
            # submission this one may correct.
            shared, duplicate_of, corrects = looked_up or tuple(
                conn.execute(_LOOKUP, {"phone": phone, "nik": nik}).one()
            )
            warning = phone_warning(int(shared)) if phone_warning and phone else None
            if warning:
                problems.append(warning)
            if duplicate_of:
                status, target, state, corrects = DUPLICATE, None, None, None
        values: dict[str, Any] = {
            "id": reg_id,
            "response_key": c.response_key,
            "submitted_at": naive_utc(c.submitted_at),
            "received_at": naive_utc(now),
            "status": status,
            "nik": (nik or "")[:64] or None,
            "active_nik": nik if status == ACCEPTED else None,
            "phone": phone,
            "person": encoded[0],
            "answers": encoded[1],
            "problems": json.dumps([p.as_dict() for p in problems], ensure_ascii=False),
            "duplicate_of": duplicate_of,
            "corrects": corrects,
            "state": state,
            "sheet_target": target,
            "corrected_by": None,
            "flushed_at": None,
            "fp_hash": c.fingerprint.name_hash if c.fingerprint else None,
            "fp_second": c.fingerprint.second if c.fingerprint else None,
        }
        seq = conn.execute(_INSERT, values).scalar_one()
        if corrects:
            conn.execute(
                update(registrations)
                .where(registrations.c.id == corrects)
                .values(corrected_by=reg_id)
            )
        if status == NEEDS_CORRECTION and c.notify_event:
            from prens.store.outbox import add_message

            add_message(conn, reg_id, c.notify_event, now)  # a new registration: no conflict
        return Registration(
            id=reg_id,
            response_key=c.response_key,
            submitted_at=c.submitted_at.astimezone(UTC),
            received_at=now.astimezone(UTC),
            status=status,
            person=c.person,
            answers=c.answers,
            problems=problems,
            duplicate_of=duplicate_of,
            corrects=corrects,
            state=state,
            seq=seq,
        ), None

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

    def in_sheet(self, ids: list[str]) -> dict[str, Registration]:
        """The accepted registrations among `ids` (the rows of "Pendaftar"), by id."""
        found: dict[str, Registration] = {}
        for start in range(0, len(ids), 500):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(registrations).where(
                        registrations.c.id.in_(ids[start : start + 500]),
                        registrations.c.status == ACCEPTED,
                    )
                ).all()
            found.update((r.id, registration_from_row(r)) for r in rows)
        return found

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


def registration_from_row(row: Any) -> Registration:
    return Registration(
        id=row.id,
        response_key=row.response_key,
        submitted_at=row.submitted_at.replace(tzinfo=UTC),
        received_at=row.received_at.replace(tzinfo=UTC),
        status=row.status,
        person=json.loads(row.person),
        answers=json.loads(row.answers),
        problems=[Problem.from_dict(p) for p in json.loads(row.problems)],
        duplicate_of=row.duplicate_of,
        corrects=row.corrects,
        state=row.state,
        seq=row.seq,
    )
