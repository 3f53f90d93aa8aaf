"""Sync job: read what verifiers ticked, move registrations through the lifecycle, write the
system columns back.

One read of the verifier columns (one values.batchGet on Google), a pure diff against what the
ledger saw last time, the transitions and audit entries in one transaction, then one batched
write of `Status`, `Catatan Sistem` and `Status Diperbarui` to the rows that changed, found
by their tags wherever verifiers have sorted them. Only system columns are written, and
verifiers cannot edit those (they are protected), so no verifier edit is ever overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from jobs.sync_rules import age_ends, end_dates, ends_after_start, told_nobody, waiting_list
from jobs.verdicts import (
    Verdicts,
    membership_number,
    normalised,
    number_holders,
    observe,
)
from prens.config import Settings
from prens.rules.lifecycle import BERHENTI, TERDAFTAR
from prens.rules.messages import last_notification
from prens.rules.registration import PENDAFTAR
from prens.store.ledger import Ledger, SheetEntry
from prens.store.offices import Receipts
from prens.store.outbox import Outbox
from prens.store.verification import Observation, VerificationStore
from sheets_bridge.base import SheetBackend
from sheets_bridge.receipts import push_receipts

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
# The lifecycle's moves in words (jobs/verdicts and prens.rules.lifecycle name them).
MOVE_WORDS = {
    "advance": "maju",
    "regress": "mundur",
    "reject": "ditolak",
    "reopen": "dibuka lagi",
    "end": "berhenti",
}
NOTIFIED_STATES = frozenset({"TERVERIFIKASI", "DITOLAK", "TERDAFTAR", "DAFTAR TUNGGU", "BERHENTI"})


@dataclass
class SyncReport:
    rows: int = 0
    changed: int = 0
    moves: dict[str, int] = field(default_factory=dict)  # transition kind -> count
    written: int = 0
    missing: int = 0
    repaired: int = 0  # rows whose Status or Catatan lagged the ledger (a run killed mid-way)
    receipts: int = 0  # documents received at desa offices, ticked in the sheet
    busy: bool = False

    def ringkasan(self) -> str:
        """The same as `summary`, in Bahasa Indonesia, for the operator (`prens jobs run`)."""
        if self.busy:
            return "sync: sync lain sedang berjalan; tidak ada yang dikerjakan"
        parts = [f"{n} {MOVE_WORDS.get(k, k)}" for k, n in sorted(self.moves.items())]
        still = self.changed - sum(self.moves.values())
        if still:
            parts.append(f"{still} tanpa perubahan status")
        moves = ", ".join(parts) or "tidak ada perubahan status"
        more = f", {self.missing} baris hilang akan dipulihkan" if self.missing else ""
        if self.repaired:
            more += f", {self.repaired} baris disamakan dengan buku besar"
        if self.receipts:
            more += f", {self.receipts} berkas dari kantor desa dicentang"
        return (
            f"sync: {self.rows} baris dibaca, {self.changed} berubah ({moves}), "
            f"{self.written} baris ditulis kembali{more}"
        )

    def summary(self) -> str:
        if self.busy:
            return "sync: another sync is running; nothing done"
        parts = [f"{n} {k}" for k, n in sorted(self.moves.items())]
        still = self.changed - sum(self.moves.values())  # cells or notes changed, not the state
        if still:
            parts.append(f"{still} without a state change")
        moves = ", ".join(parts) or "no state change"
        restored = f", {self.missing} missing row(s) to restore" if self.missing else ""
        if self.repaired:
            restored += f", {self.repaired} row(s) brought level with the ledger"
        if self.receipts:
            restored += f", {self.receipts} desa office receipt(s) ticked"
        return (
            f"sync: {self.rows} row(s) read, {self.changed} changed ({moves}), "
            f"{self.written} row(s) written back{restored}"
        )


def catatan(reg: SheetEntry, notes: str, receipt: str = "") -> str:
    """`Catatan Sistem`: the intake warnings, the notes on verifier input, then what the desa
    office noted when it received the documents."""
    return " ".join(part for part in (reg.warnings, notes, receipt) if part)


def _last_told(
    outbox: Outbox,
    ids: list[str],
    cells: list[Any],
    known: Mapping[str, Any],
    settings: Settings,
    back: dict[str, dict[str, str | bool]],
) -> None:
    """`Notifikasi Terakhir` of every row, from the outbox: the last message a send was tried
    for; written where the sheet shows anything else (so a cell wrong for any reason, or
    edited by hand, is put right by the next sync)."""
    told = outbox.last_told()
    header = settings.columns["notifikasi"]
    for reg_id, shown in zip(ids, cells, strict=True):
        if reg_id not in known or reg_id not in told:
            continue
        event, status, at = told[reg_id]
        cell = last_notification(event, status, at, settings.timezone)
        if str(shown or "") != cell:
            back.setdefault(reg_id, {})[header] = cell


def _rows_missing(
    ledger: Ledger,
    store: VerificationStore,
    name: str,
    flushed: set[str],
    ids: list[str],
    now: datetime,
) -> int:
    """Rows flushed but no longer in the sheet (deleted by hand): logged, and the next flush
    writes them again with the verifier cells last seen."""
    missing = sorted(flushed - set(ids))
    for reg_id in missing:
        store.log(reg_id, "row_missing", "sync", {"worksheet": name}, now)
    if missing:
        ledger.mark_unflushed(missing)
        log.warning(
            "sync: %d row(s) missing from %s; the next flush restores them", len(missing), name
        )
    return len(missing)


def _observations(
    known: dict[str, SheetEntry],
    rows: dict[str, dict[str, Any]],
    last: dict[str, tuple[dict[str, Any], str]],
    settings: Settings,
    today: date,
) -> list[Observation]:
    """What changed in each of our rows since the last sync."""
    holders = number_holders(
        {r: membership_number(cells, settings) for r, cells in rows.items()},
        {
            r: membership_number(last[r][0], settings)
            for r, reg in known.items()
            if reg.state == TERDAFTAR and r in last
        },
    )
    observations = []
    verdicts: Verdicts = {}
    for reg_id, cells in rows.items():
        seen = observe(
            known[reg_id], cells, last.get(reg_id), settings, today, holders.get(reg_id), verdicts
        )
        if seen:
            observations.append(seen)
    return observations


def _changes_back(
    observations: list[Observation],
    known: dict[str, SheetEntry],
    last: dict[str, tuple[dict[str, Any], str]],
    settings: Settings,
    now: datetime,
    report: SyncReport,
    receipts: Mapping[str, str],
) -> dict[str, dict[str, str | bool]]:
    """Status, Catatan Sistem and the time of the change, for each row that moved or whose
    notes changed (`receipts`: the desa offices' lines for Catatan Sistem)."""
    back: dict[str, dict[str, str | bool]] = {}
    for ob in observations:
        if ob.kind:
            report.moves[ob.kind] = report.moves.get(ob.kind, 0) + 1
        previous_notes = last.get(ob.registration_id, ({}, ""))[1]
        if ob.kind or ob.notes != previous_notes:
            reg = known[ob.registration_id]
            back[ob.registration_id] = status_cells(
                ob, reg, settings, now, receipts.get(ob.registration_id, "")
            )
    return back


def status_cells(
    ob: Observation, reg: SheetEntry, settings: Settings, now: datetime, receipt: str = ""
) -> dict[str, str | bool]:
    """What the sheet shows of an observation: Status, Catatan Sistem, when it changed."""
    when = now.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M:%S")
    return {
        **state_cells(ob.state_after, reg, ob.notes, receipt, settings),
        settings.columns["diperbarui"]: when,
    }


def state_cells(
    state: str, reg: SheetEntry, notes: str, receipt: str, settings: Settings
) -> dict[str, str | bool]:
    """Status and Catatan Sistem of a row in `state` (what a sync writes and what it repairs)."""
    return {
        settings.columns["status"]: state,
        settings.columns["catatan"]: catatan(reg, notes, receipt),
    }


def _repairs(
    ids: list[str],
    columns: dict[str, list[Any]],
    known: dict[str, SheetEntry],
    observations: list[Observation],
    last: dict[str, tuple[dict[str, Any], str]],
    settings: Settings,
    back: dict[str, dict[str, str | bool]],
    receipts: Mapping[str, str],
) -> int:
    """A run killed between storing what it saw and writing back left Status or Catatan behind
    the ledger (or a desa's receipt note is new): bring the sheet level with what was stored
    (added to `back`); how many."""
    observed = {ob.registration_id: ob for ob in observations}
    repaired = 0
    for index, reg_id in enumerate(ids):
        reg = known.get(reg_id)
        if reg is None or reg_id in back:
            continue
        seen = observed.get(reg_id)
        state = seen.state_after if seen else reg.state or ""
        notes = seen.notes if seen else last.get(reg_id, ({}, ""))[1]
        want = state_cells(state, reg, notes, receipts.get(reg_id, ""), settings)
        have = {h: str(columns[h][index]) for h in want}
        if have != want:
            back[reg_id] = dict(want)
            repaired += 1
    return repaired


def sync(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    store: VerificationStore,
    now: datetime | None = None,
    outbox: Outbox | None = None,
) -> SyncReport:
    """Read the verifier columns once, apply the lifecycle, write back once. Safe to re-run."""
    now = now or datetime.now(UTC)
    report = SyncReport()
    with ledger.jobs.lease("sync", LEASE_SECONDS) as held:
        if not held:
            report.busy = True
            return report
        name, id_header = settings.worksheets["pendaftar"], settings.columns["id"]
        verifier = [v.header for v in settings.verifier_columns]
        if name not in sheets.worksheet_names():
            return report  # nothing flushed yet: nothing for verifiers to have ticked
        report.receipts = push_receipts(Receipts(ledger.engine), sheets, settings, now)
        # Flushed ids are taken before the read: a row flushed after it is only not seen yet.
        flushed = ledger.flushed_ids(PENDAFTAR)
        status_header, note_header = settings.columns["status"], settings.columns["catatan"]
        told_header = settings.columns["notifikasi"]
        columns = sheets.read_columns(
            name, [id_header, *verifier, status_header, note_header, told_header]
        )
        ids = [str(i) for i in columns[id_header]]
        report.missing = _rows_missing(ledger, store, name, flushed, ids, now)
        report.rows = len([i for i in ids if i])
        known = ledger.in_sheet([i for i in ids if i])
        last = store.last_seen()
        rows = {
            reg_id: normalised({h: columns[h][index] for h in verifier}, settings)
            for index, reg_id in enumerate(ids)
            if reg_id in known  # else a row that is not a registration of ours (typed by hand)
        }
        today = now.astimezone(settings.timezone).date()
        observations = _observations(known, rows, last, settings, today)
        observations = ends_after_start(observations, store, settings, last, today)
        observations = age_ends(observations, known, rows, last, settings, today)
        observations = waiting_list(observations, last, ledger, store, settings, now)
        events = frozenset(settings.notifications.templates) & NOTIFIED_STATES
        quiet = frozenset(ob.registration_id for ob in observations if told_nobody(ob, settings))
        store.record(
            observations, now, notify=events if outbox is not None else frozenset(), quiet=quiet
        )
        report.changed = len(observations)
        receipts = Receipts(ledger.engine).lines(settings.timezone)
        back = _changes_back(observations, known, last, settings, now, report, receipts)
        report.repaired = _repairs(
            ids, columns, known, observations, last, settings, back, receipts
        )
        ended = end_dates(known, rows, observations, store.entered_at(BERHENTI), settings, today)
        for reg_id, cells in ended.items():
            back.setdefault(reg_id, {}).update(cells)
        if outbox is not None:
            _last_told(outbox, ids, columns[told_header], known, settings, back)
        sheets.update_rows_by_key(name, id_header, back, derived=True)
        report.written = len(back)
        if observations:
            log.info(report.summary())
    return report
