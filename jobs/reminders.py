"""Reminders job: a citizen verified more than `[offices] reminder_days` ago whose documents
have not reached the desa office gets one `documents_reminder` message. At most one per
registration (the outbox holds one message per registration and event); the notify job keeps
quiet hours and drops a reminder whose documents arrived before it was sent. Runs hourly."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from prens.config import Settings
from prens.rules.lifecycle import TERVERIFIKASI
from prens.rules.offices import reminders_due
from prens.store.database import write_transaction
from prens.store.ledger import Ledger
from prens.store.offices import REMINDER, Receipts, area_entries
from prens.store.outbox import enqueue_many

log = logging.getLogger(__name__)


@dataclass
class RemindersReport:
    due: int = 0
    off: str = ""

    def summary(self) -> str:
        if self.off:
            return f"reminders: off ({self.off})"
        return f"reminders: {self.due} registration(s) due a documents reminder (each told once)"

    def ringkasan(self) -> str:
        if self.off:
            return f"reminders: mati ({self.off})"
        return f"reminders: {self.due} pendaftar diantrekan pengingat berkas (masing-masing sekali)"


def remind(ledger: Ledger, settings: Settings, now: datetime | None = None) -> RemindersReport:
    now = now or datetime.now(UTC)
    if not settings.offices.reminder_days:
        return RemindersReport(off="[offices] reminder_days = 0")
    if REMINDER not in settings.notifications.templates:
        return RemindersReport(off=f"no [notifications.templates] {REMINDER}")
    entries = area_entries(ledger.engine, None, settings.timezone, states=(TERVERIFIKASI,))
    receipts = Receipts(ledger.engine).of(None, settings.timezone)
    today = now.astimezone(settings.timezone).date()
    due = reminders_due(entries, receipts, today, settings.offices.reminder_days)
    with write_transaction(ledger.engine) as conn:
        enqueue_many(conn, [(reg_id, REMINDER) for reg_id in due], now)
    report = RemindersReport(due=len(due))
    if due:
        log.info(report.summary())
    return report
