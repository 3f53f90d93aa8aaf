"""Rollover job: a new budget period begins. First the sync runs (members who reached max_age
end, free places go to the first in line); then the members carry over without registering
again, up to the new period's quota, in order of first verification, and the rest go to the
waiting list (told once, as anyone who waits). Runs daily; carries over once per period (an
audit entry, written last, marks it); a run killed half-way is finished by the next, with the
same end state."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from jobs.sync import NOTIFIED_STATES, SyncReport, status_cells, sync
from prens.config import Settings
from prens.rules.lifecycle import APPROVED, DAFTAR_TUNGGU, TERVERIFIKASI, transition
from prens.rules.waiting import waiting_note
from prens.store.ledger import Ledger
from prens.store.offices import Receipts
from prens.store.outbox import Outbox
from prens.store.verification import Observation, VerificationStore
from sheets_bridge.base import SheetBackend

log = logging.getLogger(__name__)
LEASE_SECONDS = 600


@dataclass
class RolloverReport:
    period: str = ""
    carried: int = 0
    waiting: int = 0
    already: bool = False
    busy: bool = False
    sync: SyncReport | None = None

    def ringkasan(self) -> str:
        """The same as `summary`, in Bahasa Indonesia, for the operator (`prens jobs run`)."""
        if self.busy:
            return "rollover: sync sedang berjalan; coba lagi"
        if not self.period:
            return "rollover: hari ini tidak termasuk periode anggaran mana pun; tidak dikerjakan"
        if self.already:
            done = f"periode {self.period} sudah dimulai sebelumnya: tidak ada yang dilanjutkan"
        elif not self.waiting:
            done = (
                f"periode {self.period}: tidak ada yang dikerjakan, {self.carried} pesertanya "
                "dalam kuota tetap"
            )
        else:
            done = (
                f"ke periode {self.period}: {self.carried} peserta dilanjutkan, {self.waiting} "
                "ke daftar tunggu"
            )
        return f"rollover: {done}" + (f"; {self.sync.ringkasan()}" if self.sync else "")

    def summary(self) -> str:
        if self.busy:
            return "rollover: a sync is running; try again"
        if not self.period:
            return "rollover: today is in no budget period; nothing done"
        if self.already:
            done = f"period {self.period} began earlier: nothing to carry"
        elif not self.waiting:  # everyone stays: nothing was moved
            done = (
                f"period {self.period}: nothing to do, its {self.carried} member(s) within its "
                "quota stay"
            )
        else:
            done = (
                f"into period {self.period}: {self.carried} carried over, {self.waiting} to the "
                "waiting list"
            )
        return f"rollover: {done}" + (f"; {self.sync.summary()}" if self.sync else "")


def rollover(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    store: VerificationStore,
    now: datetime | None = None,
    outbox: Outbox | None = None,
) -> RolloverReport:
    """Carry the members into today's period (once per period), then sync."""
    now = now or datetime.now(UTC)
    report = RolloverReport()
    period = settings.period_on(now.astimezone(settings.timezone).date())
    if period is None:
        return report
    report.period = period.name
    # The sync first: members who reached max_age end before the places are counted.
    report.sync = sync(ledger, sheets, settings, store, now, outbox=outbox)
    with ledger.jobs.lease("sync", LEASE_SECONDS) as held:  # never beside a sync
        if not held:
            report.busy = True
            return report
        if store.rolled_over(period.name):
            report.already = True
        else:
            members = ledger.ids_in_states(APPROVED)  # (id, seq): no answers read
            first = store.entered_at(TERVERIFIKASI)
            far = datetime.max.replace(tzinfo=UTC)
            members.sort(key=lambda m: (first.get(m[0], far), m[1]))
            keep = len(members) if not period.quota else period.quota
            excess = members[keep:]
            _to_waiting(
                ledger, sheets, settings, store, [m[0] for m in excess], period, now, outbox
            )
            report.carried, report.waiting = len(members) - len(excess), len(excess)
            store.log(
                None,
                "rollover",
                "rollover",
                {"period": period.name, "carried": report.carried, "waiting": report.waiting},
                now,
            )
    log.info(report.summary())
    return report


def _to_waiting(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    store: VerificationStore,
    ids: list[str],
    period: object,
    now: datetime,
    outbox: Outbox | None,
) -> None:
    """Members past the new quota, in line order, to the waiting list: stored (audited, told
    once) and written to the sheet."""
    if not ids:
        return
    name, quota = getattr(period, "name", ""), getattr(period, "quota", 0)
    known = ledger.in_sheet(ids)
    seen = store.cells_for(ids)
    observations = []
    for position, reg_id in enumerate(ids, start=1):
        reg = known.get(reg_id)
        if reg is None:
            continue
        before = reg.state or ""
        observations.append(
            Observation(
                reg_id,
                before,
                DAFTAR_TUNGGU,
                seen.get(reg_id, ({}, ""))[0],
                waiting_note(name, quota, position),
                [],
                [DAFTAR_TUNGGU],  # a move back, but a first wait is told (once)
                transition(before, DAFTAR_TUNGGU),
            )
        )
    events = frozenset(settings.notifications.templates) & NOTIFIED_STATES
    # Dated at the period's first moment: they were not carried over into it, so the new
    # period's money counts no month for them, and the old period's list still holds them.
    start = getattr(period, "start", None)
    begun = datetime.combine(start, time.min, settings.timezone) if start else now
    store.record(
        observations, min(now, begun), actor="rollover", notify=events if outbox else frozenset()
    )
    receipts = Receipts(ledger.engine).lines(settings.timezone)
    sheets.update_rows_by_key(
        settings.worksheets["pendaftar"],
        settings.columns["id"],
        {
            ob.registration_id: status_cells(
                ob, known[ob.registration_id], settings, now, receipts.get(ob.registration_id, "")
            )
            for ob in observations
        },
    )
