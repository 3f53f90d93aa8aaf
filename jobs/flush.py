"""Flush job: write registrations not yet in the sheet, in batches, exactly once.

Exactly once, even when two flushes run at the same time or one died half-way: a lease in the
ledger lets one flush run at a time, and before appending, the flush reads the worksheet's ID column
and appends only the registrations that are not there yet. When an append's outcome is unknown
(a timeout, a 5xx), it reads the ID column again and appends only what did not arrive.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from prens.config import Settings
from prens.rules.registration import PENDAFTAR, PERLU_PERBAIKAN
from prens.store.job_state import utcnow
from prens.store.ledger import Ledger
from prens.store.verification import VerificationStore
from sheets_bridge import layout
from sheets_bridge.base import AppendOutcomeUnknown, SheetBackend

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
MAX_UNKNOWN_APPENDS = 10  # then give up this run; the next run starts over from the ID column


@dataclass
class FlushReport:
    written: dict[str, int] = field(default_factory=dict)  # worksheet -> rows appended
    already_present: int = 0  # rows found in the sheet already
    busy: bool = False  # another flush holds the lease

    def summary(self) -> str:
        if self.busy:
            return "flush: another flush is running; nothing done"
        parts = [f"{n} row(s) to {ws}" for ws, n in self.written.items() if n] or [
            "nothing to write"
        ]
        if self.already_present:
            parts.append(f"{self.already_present} already in the sheet")
        return "flush: " + ", ".join(parts)

    def ringkasan(self) -> str:
        """The same, in Bahasa Indonesia, for the operator (`prens jobs run`)."""
        if self.busy:
            return "flush: flush lain sedang berjalan; tidak ada yang dikerjakan"
        parts = [f"{n} baris ke {ws}" for ws, n in self.written.items() if n] or [
            "tidak ada yang ditulis"
        ]
        if self.already_present:
            parts.append(f"{self.already_present} sudah ada di lembar")
        return "flush: " + ", ".join(parts)


def ensure_worksheets(sheets: SheetBackend, settings: Settings) -> None:
    """Create the worksheets the flush writes to, with their header rows."""
    for role in (PENDAFTAR, PERLU_PERBAIKAN):
        sheets.ensure_worksheet(settings.worksheets[role], layout.headers(settings, role))


def flush(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    store: VerificationStore | None = None,
) -> FlushReport:
    """Write every pending registration to its worksheet; safe to run twice or after a crash."""
    report = FlushReport()
    with ledger.jobs.lease("flush", LEASE_SECONDS) as held:
        if not held:
            report.busy = True
            return report
        ensure_worksheets(sheets, settings)
        id_header = settings.columns["id"]
        for role in (PENDAFTAR, PERLU_PERBAIKAN):
            name = settings.worksheets[role]
            report.written[name] = 0
            present: set[str] | None = None
            unknown = 0
            while batch := ledger.pending_flush(role, settings.batch_rows):
                if present is None:  # one read per worksheet per flush, and after an unknown
                    present = set(sheets.column_values(name, id_header))
                new = [reg for reg in batch if reg.id not in present]
                report.already_present += len(batch) - len(new)
                if new:
                    try:
                        # A row deleted by hand comes back with the verifier cells last seen.
                        seen = store.cells_for([r.id for r in new]) if store else {}
                        sheets.append_rows(
                            name, [layout.row(reg, settings, role, seen.get(reg.id)) for reg in new]
                        )
                    except AppendOutcomeUnknown as exc:
                        unknown += 1
                        log.warning("flush: %s; reading %s's IDs before going on", exc, name)
                        if unknown > MAX_UNKNOWN_APPENDS:
                            raise
                        present = None
                        continue
                    present.update(reg.id for reg in new)
                ledger.mark_flushed([reg.id for reg in batch], utcnow())
                report.written[name] += len(new)
                if new:
                    log.info("flush: %d row(s) appended to %s", len(new), name)
    return report
