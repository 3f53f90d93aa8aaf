"""Who was a member in a budget period, and what changed from the period before: the decree
list's `Perubahan` sheet. A registration's states over time come from the audit log (every
state change the sync, the rollover and the ends recorded, with its time)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from prens.config import Settings
from prens.reports import berita_acara, final
from prens.rules.lifecycle import APPROVED, BERHENTI, DAFTAR_TUNGGU, DITOLAK
from prens.rules.periods import Period
from prens.rules.registration import Registration
from prens.store.ledger import Ledger
from prens.store.schema import audit_log
from prens.store.verification import VerificationStore

Timeline = list[tuple[datetime, str]]  # (when, the state entered), in time order (naive UTC)


def timelines(engine: Engine) -> dict[str, Timeline]:
    """Each registration's state changes, oldest first."""
    out: dict[str, Timeline] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.registration_id, audit_log.c.at, audit_log.c.detail)
            .where(audit_log.c.kind.in_(("state", "regression")))
            .order_by(audit_log.c.seq)
        )
        for reg_id, at, detail in rows:
            out.setdefault(reg_id, []).append((at, json.loads(detail)["to"]))
    return out


def bounds(period: Period, settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The period as naive UTC instants: its first moment, and its last (or now, if sooner)."""
    tz = settings.timezone
    start = (
        datetime.combine(period.start, time.min, tz).astimezone(UTC).replace(tzinfo=None)
        if period.start
        else datetime.min
    )
    end = (
        datetime.combine(period.end + timedelta(days=1), time.min, tz)
        .astimezone(UTC)
        .replace(tzinfo=None)
        if period.end
        else datetime.max
    )
    return start, min(end, now.astimezone(UTC).replace(tzinfo=None))


def state_at(line: Timeline, moment: datetime) -> str:
    state = ""
    for at, entered in line:
        if at >= moment:
            break
        state = entered
    return state


@dataclass(frozen=True)
class Change:
    registration_id: str
    change: str  # "baru", "lanjut" or "keluar"
    reason: str = ""  # why someone left


def members_at(lines: dict[str, Timeline], moment: datetime) -> set[str]:
    return {r for r, line in lines.items() if state_at(line, moment) in APPROVED}


def as_of(
    registrations: list[Registration], lines: dict[str, Timeline], moment: datetime
) -> list[Registration]:
    """The registrations each in the state it had at `moment` (naive UTC), from the audit
    log: what a past period's reports show (a registration without a state change then keeps
    its state)."""
    out = []
    for reg in registrations:
        line = lines.get(reg.id)
        then = state_at(line, moment) if line else reg.state
        out.append(reg if then == reg.state else replace(reg, state=then or None))
    return out


def berita_registrations(
    ledger: Ledger, settings: Settings, period: Period, now: datetime
) -> list[Registration]:
    """The registrations a period's Berita Acara counts (received, or verified, in it), each in
    the state it had at the period's end when the period is over."""
    start, end = bounds(period, settings, now)
    lines = timelines(ledger.engine)
    regs = berita_acara.in_period(ledger.in_states(berita_acara.STATES), lines, start, end)
    return as_of(regs, lines, end) if is_past(period, settings, now) else regs


def is_past(period: Period, settings: Settings, now: datetime) -> bool:
    """Whether `period` ended before `now`."""
    return period.end is not None and bounds(period, settings, now)[1] < now.astimezone(
        UTC
    ).replace(tzinfo=None)


def changes(now_members: set[str], before: set[str], why: dict[str, str]) -> list[Change]:
    """Added, continued and left: the members at a period's end (`now_members`) against those at
    the previous period's end (pure). `why`: registration id -> why it left."""
    out = [Change(r, "lanjut" if r in before else "baru") for r in sorted(now_members)]
    out += [
        Change(r, "keluar", why.get(r, "tidak lagi peserta")) for r in sorted(before - now_members)
    ]
    return out


def why_left(state: str, cells: dict[str, Any], settings: Settings) -> str:
    """Why someone is no longer a member, from their state and verifier cells now."""
    roles = {v.role: v.header for v in settings.verifier_columns}
    if state == DITOLAK:
        return "ditolak: " + str(cells.get(roles.get("rejection_reason", ""), "")).strip()
    if state == BERHENTI:
        reason = str(cells.get(roles.get("end_reason", ""), "") or "").strip()
        return "berhenti: " + (reason or f"usia {settings.max_age} tahun")
    if state == DAFTAR_TUNGGU:
        return "daftar tunggu (kuota periode penuh)"
    return state.lower() or "tidak lagi peserta"


def previous_period(settings: Settings, period: Period) -> Period | None:
    """The period that ended before `period` began (None for the first, or an open one)."""
    if period.start is None:
        return None
    earlier = [(p.end, p) for p in settings.periods if p.end is not None and p.end < period.start]
    return max(earlier, key=lambda ep: ep[0])[1] if earlier else None


CHANGES_HEADER = [
    "Perubahan",
    "ID Pendaftaran",
    "Nama",
    "Desa/Kelurahan",
    "Kecamatan",
    "Keterangan",
]


def decree(
    ledger: Ledger, store: VerificationStore, settings: Settings, period: Period, now: datetime
) -> tuple[list[list[str]], list[list[str]]]:
    """The decree list of `period` (its members at its end; today's for the current period),
    header first, and its `Perubahan` rows against the period before, header first."""
    lines = timelines(ledger.engine)
    today = settings.period_on(now.astimezone(settings.timezone).date())
    current = today is not None and today.name == period.name
    if current:
        chosen = ledger.in_states(final.FINAL_STATES)
    else:  # its members at its end, each in the state they had then
        end = bounds(period, settings, now)[1]
        chosen = as_of(ledger.many(members_at(lines, end)), lines, end)
    table = final.list_of(chosen, store, settings, everyone=not current)
    ids_now = {r.id for r in chosen}
    before_period = previous_period(settings, period)
    before = members_at(lines, bounds(before_period, settings, now)[1]) if before_period else set()
    regs = {r.id: r for r in chosen}
    regs.update((r.id, r) for r in ledger.many(before - ids_now))
    left = sorted(before - ids_now)
    cells = store.cells_for(left)
    why = {r: why_left(regs[r].state or "", cells.get(r, ({}, ""))[0], settings) for r in left}
    rows = [CHANGES_HEADER]
    for c in changes(ids_now & set(regs), before & set(regs), why):
        person = regs[c.registration_id].person
        rows.append(
            [
                c.change,
                c.registration_id,
                person.get("nama", ""),
                person.get("desa", ""),
                person.get("kecamatan", ""),
                c.reason,
            ]
        )
    return table, rows
