"""Storing one candidate in one transaction: is it a response seen already (its fingerprint), how
many active registrations share its phone, does its NIK have an active registration, which
submission does it correct; then the insert. The database's unique keys decide the races."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from prens.rules.dates import naive_utc
from prens.rules.fingerprint import TOLERANCE_SECONDS, Fingerprint
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
)
from prens.store.outbox import add_message
from prens.store.schema import registrations

# Statements built once: building a Core statement costs more than running it on SQLite.
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


def _seen_and_lookups(
    conn: Connection, c: Candidate, phone: str | None, nik: str | None
) -> tuple[str | None, tuple[Any, ...] | None]:
    """The id of a stored registration with the candidate's fingerprint (None: not seen), and for
    a valid candidate its lookups, when they came in the same round trip."""
    looked_up: tuple[Any, ...] | None = None
    if c.fingerprint is None:
        return None, None
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
        seen = conn.execute(_SEEN_BY_ID[with_id], _seen_params(c.fingerprint)).scalar_one_or_none()
    return seen, looked_up


def insert_candidate(
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
    seen, looked_up = _seen_and_lookups(conn, c, phone, nik)
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
        "desa_code": str(c.person.get("kode_desa") or "")[:20] or None,
    }
    seq = conn.execute(_INSERT, values).scalar_one()
    if corrects:
        conn.execute(
            update(registrations).where(registrations.c.id == corrects).values(corrected_by=reg_id)
        )
    if status == NEEDS_CORRECTION and c.notify_event:
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
