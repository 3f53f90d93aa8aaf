"""The rules a sync applies that the verifier cells do not hold, in order: an end dated before the
membership began is not taken; a member who reached `[eligibility] max_age` ends; the budget
period's quota admits the approved who are not members yet, the rest wait. And which ends are
told to nobody. Each takes the sync's observations and returns them changed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from jobs.verdicts import end_cells, judge
from prens.config import Settings
from prens.rules.ending import age_end, end_day, is_silent
from prens.rules.lifecycle import (
    APPROVED,
    BERHENTI,
    DAFTAR_TUNGGU,
    TERVERIFIKASI,
    entered,
    transition,
)
from prens.rules.waiting import admit, waiting_note
from prens.store.ledger import Ledger, SheetEntry
from prens.store.verification import Observation, VerificationStore


def redirected(
    ob: Observation, state: str, notes: str, last: dict[str, tuple[dict[str, Any], str]]
) -> list[Observation]:
    """`ob` sent to `state` with `notes` by a rule the cells do not hold; none when that leaves
    nothing changed since the last sync (no move, no cell, the same notes)."""
    moved = dataclasses.replace(
        ob,
        state_after=state,
        notes=notes,
        entered=entered(ob.state_before, state),
        kind=transition(ob.state_before, state),
    )
    previous = last.get(ob.registration_id, ({}, ""))[1]
    return [moved] if moved.kind or moved.changed_cells or notes != previous else []


def ends_after_start(
    observations: list[Observation],
    store: VerificationStore,
    settings: Settings,
    last: dict[str, tuple[dict[str, Any], str]],
    today: date,
) -> list[Observation]:
    """An end dated before the membership began is not taken: the member stays where the rest
    of their ticks put them, and `Catatan Sistem` says why."""
    if not any(ob.state_after == BERHENTI for ob in observations):
        return observations
    began = store.entered_at(TERVERIFIKASI)
    out = []
    for ob in observations:
        day = end_day(end_cells(ob.cells, settings)[1]) if ob.state_after == BERHENTI else None
        start = began.get(ob.registration_id)
        local_start = start.astimezone(settings.timezone).date() if start else None
        if day is None or local_start is None or day >= local_start:
            out.append(ob)
            continue
        reasons = {v.header: "" for v in settings.verifier_columns if v.role == "end_reason"}
        stay = judge({**ob.cells, **reasons}, settings, None, today)[0]
        note = (
            f"Tanggal Berhenti {day:%d-%m-%Y} sebelum kepesertaan dimulai "
            f"({local_start:%d-%m-%Y}): periksa tanggalnya."
        )
        out += redirected(ob, stay, note, last)
    return out


def age_ends(
    observations: list[Observation],
    known: dict[str, SheetEntry],
    rows: dict[str, dict[str, Any]],
    last: dict[str, tuple[dict[str, Any], str]],
    settings: Settings,
    today: date,
) -> list[Observation]:
    """Members (and those waiting) who have reached [eligibility] max_age end: BERHENTI from
    the day `[membership] age_end` says, whatever their ticks; no message (the dashboard tells
    the Dinas 90 days ahead)."""
    out = {ob.registration_id: ob for ob in observations}  # in order; ended ones replaced
    for reg_id, reg in known.items():
        ob = out.get(reg_id)
        state = ob.state_after if ob else reg.state
        if state not in (*APPROVED, DAFTAR_TUNGGU, BERHENTI) or not reg.born:
            continue
        ends = age_end(reg.born, settings.max_age, settings.membership.age_end)
        if ends is None or ends > today or (ob is None and state == BERHENTI):
            continue
        note = f"Berhenti otomatis: berusia {settings.max_age} tahun ({ends:%d-%m-%Y})."
        base = ob or observe_none(reg, rows[reg_id], last.get(reg_id))
        out.pop(reg_id, None)
        out.update((o.registration_id, o) for o in redirected(base, BERHENTI, note, last))
    return list(out.values())


def observe_none(
    reg: SheetEntry, cells: dict[str, Any], last: tuple[dict[str, Any], str] | None
) -> Observation:
    """An observation of a row nothing changed in (to be changed by a rule the cells do not
    hold)."""
    before = reg.state or ""
    return Observation(reg.id, before, before, cells, last[1] if last else "", [], [], None)


def waiting_list(
    observations: list[Observation],
    last: dict[str, tuple[dict[str, Any], str]],
    ledger: Ledger,
    store: VerificationStore,
    settings: Settings,
    now: datetime,
) -> list[Observation]:
    """The quota of today's budget period applied: of the registrations the verifiers approved
    that are not members yet, those waiting longest first, then the others in sheet order, take
    the free places; the rest go to (or stay on) the waiting list. The members are counted in
    the database, under the sync's lease (one sync at a time)."""
    period = settings.period_on(now.astimezone(settings.timezone).date())
    if period is not None and period.quota == 0:
        return observations
    newcomers = [
        ob for ob in observations if ob.state_after in APPROVED and ob.state_before not in APPROVED
    ]
    if not newcomers:
        return observations
    leaving = sum(
        1 for ob in observations if ob.state_before in APPROVED and ob.state_after not in APPROVED
    )
    # In order of first verification: when verifiers first approved them (the first entry to
    # the waiting list, or to TERVERIFIKASI for a member a rollover put back in line).
    far = datetime.max.replace(tzinfo=UTC)
    waited, verified = store.entered_at(DAFTAR_TUNGGU), store.entered_at(TERVERIFIKASI)
    line = sorted(
        newcomers,
        key=lambda ob: (
            min(waited.get(ob.registration_id, far), verified.get(ob.registration_id, far))
            if ob.state_before == DAFTAR_TUNGGU
            else far
        ),
    )  # stable: the others keep their sheet order
    quota = period.quota if period else None
    result = admit(
        [ob.registration_id for ob in line],
        ledger.count_in_states(APPROVED) - leaving,
        quota,
    )
    position = {reg_id: n for n, reg_id in enumerate(result.waiting, start=1)}
    out = []
    for ob in observations:
        if ob.registration_id not in position:
            out.append(ob)
            continue
        note = waiting_note(period.name if period else "", quota or 0, position[ob.registration_id])
        notes = " ".join(part for part in (note, ob.notes) if part)
        out += redirected(ob, DAFTAR_TUNGGU, notes, last)
    return out


def told_nobody(ob: Observation, settings: Settings) -> bool:
    """An end told to nobody: a silent reason (a death), or none at all (an end at max_age: the
    dashboard told the Dinas)."""
    if ob.state_after != BERHENTI:
        return False
    reason = end_cells(ob.cells, settings)[0]
    return not reason.strip() or is_silent(reason, settings.membership.silent_reasons)


def end_dates(
    known: dict[str, SheetEntry],
    rows: dict[str, dict[str, Any]],
    observations: list[Observation],
    entered: dict[str, datetime],
    settings: Settings,
    today: date,
) -> dict[str, dict[str, str]]:
    """`Tanggal Berhenti` (as cells to write) for every row that is (or now becomes) BERHENTI
    with the cell empty: the day the system took the end (the age rule's day, or the day the
    sync first saw the reason), as `dd-mm-yyyy`. Empty, the sheet would not say from when a
    membership ended."""
    header = next((v.header for v in settings.verifier_columns if v.role == "end_date"), None)
    if header is None:
        return {}
    after = {ob.registration_id: ob.state_after for ob in observations}
    out: dict[str, dict[str, str]] = {}
    for reg_id, reg in known.items():
        if after.get(reg_id, reg.state) != BERHENTI or reg_id not in rows:
            continue
        if str(rows[reg_id].get(header) or "").strip():
            continue  # the verifier's own date, or one written before
        aged = (
            age_end(reg.born, settings.max_age, settings.membership.age_end) if reg.born else None
        )
        began = entered.get(reg_id)
        if aged is not None and aged <= today:
            day = aged
        elif began is not None:
            day = began.astimezone(settings.timezone).date()
        else:
            day = today
        out[reg_id] = {header: f"{day:%d-%m-%Y}"}
    return out
