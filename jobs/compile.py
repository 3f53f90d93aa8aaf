"""Compile job: rebuild "Daftar Final" from the registrations that are TERVERIFIKASI or later.

Replace-all, in as few requests as the backend allows, and never half-written to a reader: the
local backend swaps the rows in one transaction; the Google backend fills a hidden worksheet and
swaps it in with one batchUpdate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from prens.config import Settings
from prens.reports import final
from prens.store.ledger import Ledger
from prens.store.verification import VerificationStore
from sheets_bridge.base import SheetBackend

log = logging.getLogger(__name__)
LEASE_SECONDS = 900


@dataclass
class CompileReport:
    rows: int = 0
    busy: bool = False
    table: list[list[str]] = field(default_factory=list)  # header first: for the downloads

    def summary(self) -> str:
        if self.busy:
            return "compile: another compile is running; nothing done"
        return f"compile: {self.rows} row(s) in the final list"

    def ringkasan(self) -> str:
        if self.busy:
            return "compile: compile lain sedang berjalan; tidak ada yang dikerjakan"
        return f"compile: {self.rows} baris di daftar final"


def compile_final(
    ledger: Ledger, sheets: SheetBackend, settings: Settings, store: VerificationStore
) -> CompileReport:
    """Rebuild the final list worksheet. Safe to re-run: it is built from the ledger each time."""
    report = CompileReport()
    with ledger.jobs.lease("compile", LEASE_SECONDS) as held:
        if not held:
            report.busy = True
            return report
        table = final.final_list(ledger, store, settings)
        sheets.replace_all(settings.worksheets["daftar_final"], table, final.text_columns(settings))
        report.rows, report.table = len(table) - 1, table
        log.info(report.summary())
    return report
