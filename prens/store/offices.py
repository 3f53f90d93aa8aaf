"""Desa and kecamatan offices: their accounts (a random token each, stored hashed, as for Dinas
officers), the registrations of their area, and the documents a desa office received, kept
until the sync has ticked them in the verifiers' sheet.

An office session is kept with the officers' sessions under the name `kantor:NAME`: an officer's
name cannot hold ':', so no office session can ever pass for an officer's.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import Engine, and_, case, func, insert, or_, select, update

from prens.errors import PrensError
from prens.rules.dates import naive_utc
from prens.rules.lifecycle import BERKAS_LENGKAP, TERDAFTAR, TERVERIFIKASI
from prens.rules.names import account_key
from prens.rules.offices import DESA, Entry, Office, Receipt, Tally
from prens.store.database import write_transaction
from prens.store.officers import digest, session_stamp
from prens.store.outbox import cancel_pending
from prens.store.schema import (
    office_receipts,
    offices,
    registrations,
    state_entries,
)
from prens.store.verification import write_audit

REMINDER = "documents_reminder"
# The states the offices' tables count (prens.rules.offices.area_table).
COUNTED = (TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)
SESSION_PREFIX = "kantor:"


class OfficeError(PrensError, ValueError):
    """An office name that is taken, unknown or unusable."""


class ReceiptRefused(PrensError, ValueError):
    """A receipt an office may not record; the message is for the office (Bahasa Indonesia)."""


def actor(office: Office) -> str:
    """Who an office is in the audit log."""
    return SESSION_PREFIX + office.name


class OfficeAccounts:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, level: str, code: str, now: datetime) -> str:
        """Make an office account; return its token (shown once, stored only hashed)."""
        name = " ".join(name.split())
        if not name or ":" in name or len(name) > 70:
            raise OfficeError("nama kantor harus 1 sampai 70 karakter, tanpa ':'")
        token = secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            taken = conn.execute(select(offices.c.name)).scalars()
            if any(account_key(n) == account_key(name) for n in taken):
                raise OfficeError(
                    f"kantor {name!r} sudah ada: hapus dulu untuk token baru, atau beri nama lain "
                    "dengan --nama"
                )
            conn.execute(
                insert(offices).values(
                    name=name,
                    level=level,
                    region_code=code,
                    token_sha256=digest(token),
                    created_at=naive_utc(now),
                )
            )
        return token

    def remove(self, name: str) -> None:
        with write_transaction(self.engine) as conn:
            gone = conn.execute(offices.delete().where(offices.c.name == name)).rowcount
        if not gone:
            raise OfficeError(f"tidak ada kantor {name!r}")

    def all(self) -> list[tuple[Office, datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(offices).order_by(offices.c.name)).all()
        return [(Office(r.name, r.level, r.region_code), r.created_at) for r in rows]

    def who(self, token: str, name: str) -> Office | None:
        """The office holding `token` and called `name` (any case), or None."""
        if not token or not name:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(offices).where(offices.c.token_sha256 == digest(token))
            ).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest(token)):
            return None
        if not hmac.compare_digest(account_key(row.name).encode(), account_key(name).encode()):
            return None
        return Office(row.name, row.level, row.region_code)

    def get(self, name: str) -> Office | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(offices).where(offices.c.name == name)).first()
        return Office(row.name, row.level, row.region_code) if row else None

    def stamp(self, name: str) -> str | None:
        """A value for a session that stops matching when the office is removed or given a new
        token; None for no such office."""
        with self.engine.connect() as conn:
            token_sha256 = conn.execute(
                select(offices.c.token_sha256).where(offices.c.name == name)
            ).scalar()
        return session_stamp("office", token_sha256)


def _area(office: Office):  # type: ignore[no-untyped-def]
    column = registrations.c.desa_code
    if office.level == DESA:
        return column == office.code
    return column.like(office.code.replace("%", "").replace("_", r"\_") + ".%", escape="\\")


def _verified():  # type: ignore[no-untyped-def]
    return and_(
        state_entries.c.registration_id == registrations.c.id,
        state_entries.c.state == TERVERIFIKASI,
    )


# What an office's pages read of a registration (prens.rules.offices.Entry).
_ENTRY = (
    registrations.c.id,
    registrations.c.person,
    registrations.c.state,
    registrations.c.desa_code,
    state_entries.c.entered_at,
)


def _entries(rows: Iterable[Any], zone: tzinfo) -> list[Entry]:
    out = []
    for reg_id, person_json, state, desa_code, verified_at in rows:
        person = json.loads(person_json)
        out.append(
            Entry(
                id=reg_id,
                name=str(person.get("nama", "")),
                nik=str(person.get("nik", "")),
                phone=str(person.get("telepon", "")),
                state=state,
                desa_code=desa_code or "",
                verified_on=(
                    verified_at.replace(tzinfo=UTC).astimezone(zone).date() if verified_at else None
                ),
            )
        )
    return out


def area_entries(
    engine: Engine,
    office: Office | None,
    zone: tzinfo,
    states: Collection[str] = (),
    ids: Collection[str] = (),
) -> list[Entry]:
    """The accepted registrations of the office's area (every area for None: the Dinas; only
    `states`, or only `ids`, when given), each with the day it was verified in the program's
    time zone."""
    query = (
        select(*_ENTRY)
        .outerjoin(state_entries, _verified())
        .where(registrations.c.state.is_not(None))
    )
    if office is not None:
        query = query.where(_area(office))
    if states:
        query = query.where(registrations.c.state.in_(list(states)))
    if ids:
        query = query.where(registrations.c.id.in_(list(ids)))
    with engine.connect() as conn:
        return _entries(conn.execute(query).all(), zone)


def area_tallies(
    engine: Engine, office: Office | None, late_before: date, zone: tzinfo
) -> list[Tally]:
    """The area's registrations in the counted states, counted by the database per desa and
    state; those TERVERIFIKASI also by receipt and whether verified before `late_before`
    (program time zone). Two queries: the first reads the desa index alone, the second joins
    only the verified."""
    line = datetime.combine(late_before, time(), zone).astimezone(UTC).replace(tzinfo=None)
    late = case((state_entries.c.entered_at < line, 1), else_=0)
    received = case((office_receipts.c.complete.is_(True), 1), else_=0)
    incomplete = case((office_receipts.c.complete.is_(False), 1), else_=0)
    counted = [s for s in COUNTED if s != TERVERIFIKASI]
    settled = (
        select(registrations.c.desa_code, registrations.c.state, func.count())
        .where(registrations.c.state.in_(counted), registrations.c.desa_code.is_not(None))
        .group_by(registrations.c.desa_code, registrations.c.state)
    )
    verified = (
        select(registrations.c.desa_code, received, late, incomplete, func.count())
        .outerjoin(state_entries, _verified())
        .outerjoin(office_receipts, office_receipts.c.registration_id == registrations.c.id)
        .where(registrations.c.state == TERVERIFIKASI, registrations.c.desa_code.is_not(None))
        .group_by(registrations.c.desa_code, received, late, incomplete)
    )
    if office is not None:
        settled, verified = settled.where(_area(office)), verified.where(_area(office))
    with engine.connect() as conn:
        rows = conn.execute(settled).all()
        waiting = conn.execute(verified).all()
    return [Tally(code, state, False, False, n) for code, state, n in rows] + [
        Tally(code, TERVERIFIKASI, bool(r), bool(lt), n, bool(inc))
        for code, r, lt, inc, n in waiting
    ]


def waiting_longest(
    engine: Engine, office: Office | None, zone: tzinfo, limit: int = 20
) -> list[Entry]:
    """The area's verified registrations without (complete) documents, those verified first
    first."""
    query = (
        select(*_ENTRY)
        .join(state_entries, _verified())
        .outerjoin(office_receipts, office_receipts.c.registration_id == registrations.c.id)
        .where(
            registrations.c.state == TERVERIFIKASI,
            or_(
                office_receipts.c.registration_id.is_(None),
                office_receipts.c.complete.is_(False),
            ),
            registrations.c.desa_code.is_not(None),
        )
        .order_by(state_entries.c.entered_at, registrations.c.id)
        .limit(limit)
    )
    if office is not None:
        query = query.where(_area(office))
    with engine.connect() as conn:
        return _entries(conn.execute(query).all(), zone)


def _receipt(row: Any, zone: tzinfo) -> Receipt:
    received_on = row.received_at.replace(tzinfo=UTC).astimezone(zone).date()
    return Receipt(row.office, received_on, row.note, bool(row.complete))


class Receipts:
    """Documents received at a desa office."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def record(
        self,
        office: Office,
        registration_id: str,
        note: str,
        now: datetime,
        complete: bool = True,
    ) -> None:
        """Record that the office received this registration's documents, complete or not
        (`note`: what is missing, or anything the office noted): audited with the office's
        name; a complete receipt cancels the pending reminder and will tick `Berkas Diterima`.
        A receipt not complete can be recorded again, as it is completed. Refused, in words,
        for a registration of another area (told apart from none at all by nothing), one not
        waiting for its documents, or one whose complete receipt is recorded already."""
        at = naive_utc(now)
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                select(registrations.c.state, registrations.c.desa_code).where(
                    registrations.c.id == registration_id
                )
            ).first()
            if row is None or office.level != DESA or not office.covers(row.desa_code):
                raise ReceiptRefused(
                    f"Pendaftaran {registration_id} tidak ada dalam daftar kantor ini."
                )
            earlier = conn.execute(
                select(office_receipts).where(office_receipts.c.registration_id == registration_id)
            ).first()
            if earlier is not None and earlier.complete:
                raise ReceiptRefused(f"Berkas {registration_id} sudah dicatat diterima sebelumnya.")
            if row.state != TERVERIFIKASI:
                raise ReceiptRefused(
                    f"Berkas {registration_id} tidak dapat dicatat: statusnya {row.state}, "
                    "bukan TERVERIFIKASI (menunggu berkas)."
                )
            values = {
                "office": office.name,
                "received_at": at,
                "note": note,
                "complete": complete,
                "pushed_at": None,
            }
            if earlier is None:
                conn.execute(
                    insert(office_receipts).values(registration_id=registration_id, **values)
                )
            else:
                conn.execute(
                    update(office_receipts)
                    .where(office_receipts.c.registration_id == registration_id)
                    .values(**values)
                )
            detail = {"note": note, "complete": complete}
            write_audit(conn, registration_id, at, "receipt", actor(office), detail)
            if complete:
                cancel_pending(conn, registration_id, REMINDER, "berkas sudah diterima", at)

    def of(self, ids: Collection[str] | None, zone: tzinfo) -> dict[str, Receipt]:
        """The receipts of these registrations (all, for None)."""
        query = select(office_receipts)
        if ids is not None:
            query = query.where(office_receipts.c.registration_id.in_(list(ids)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {r.registration_id: _receipt(r, zone) for r in rows}

    def lines(self, zone: tzinfo) -> dict[str, str]:
        """What `Catatan Sistem` says of each receipt that has something to say: a note, or
        documents not complete."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(office_receipts).where(
                    or_(office_receipts.c.note != "", office_receipts.c.complete.is_(False))
                )
            ).all()
        lines = {r.registration_id: _receipt(r, zone).line() for r in rows}
        return {reg_id: line for reg_id, line in lines.items() if line}

    def pending(self) -> dict[str, tuple[str | None, bool]]:
        """Registrations whose receipt the sheet has not been told of yet -> (their state now,
        whether the receipt is complete)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    office_receipts.c.registration_id,
                    registrations.c.state,
                    office_receipts.c.complete,
                )
                .outerjoin(registrations, registrations.c.id == office_receipts.c.registration_id)
                .where(office_receipts.c.pushed_at.is_(None))
                .order_by(office_receipts.c.received_at)
            ).all()
        return {reg_id: (state, bool(complete)) for reg_id, state, complete in rows}

    def waiting_for_sheet(self) -> tuple[int, datetime | None]:
        """How many receipts the sheet has not been told of, and when the oldest was recorded
        (UTC)."""
        with self.engine.connect() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(office_receipts.c.received_at)).where(
                    office_receipts.c.pushed_at.is_(None)
                )
            ).one()
        return int(count), oldest.replace(tzinfo=UTC) if oldest else None

    def mark_pushed(self, ids: list[str], now: datetime) -> None:
        if ids:
            with write_transaction(self.engine) as conn:
                conn.execute(
                    update(office_receipts)
                    .where(office_receipts.c.registration_id.in_(ids))
                    .values(pushed_at=naive_utc(now))
                )
