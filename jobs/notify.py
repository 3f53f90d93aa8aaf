"""Notify job: send the messages that are due, each at most once, at the right hour and pace.

A message is marked `sending` (committed) before the provider is called. If the process dies
during the call, the next run finds it still `sending` and makes it `uncertain`: it may have been
delivered, so it is never resent without an operator. Network errors, 429 and 5xx are retried
later with exponential backoff and jitter, up to `max_attempts`; a provider's refusal (invalid
number, not on WhatsApp) is `failed` at once, with the provider's reason.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from jobs.providers.base import PERMANENT, SENT, Outcome, Provider
from prens.config import Settings
from prens.rules.messages import render, still_true, values
from prens.store.ledger import Ledger
from prens.store.outbox import Message, Outbox
from prens.store.verification import VerificationStore

log = logging.getLogger(__name__)
LEASE_SECONDS = 300


@dataclass
class NotifyReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    superseded: int = 0  # no longer true when their turn came: closed unsent
    uncertain: int = 0
    quiet: bool = False
    busy: bool = False
    interrupted: bool = False  # the process was stopping: the rest wait for the next run

    def ringkasan(self) -> str:
        """The same as `summary`, in Bahasa Indonesia, for the operator (`prens jobs run`)."""
        if self.busy:
            return "notify: notify lain sedang berjalan; tidak ada yang dikerjakan"
        if self.quiet:
            return "notify: jam tenang; pesan menunggu"
        return (
            f"notify: {self.sent} terkirim, {self.retried} dicoba lagi nanti, {self.failed} gagal"
            + (f", {self.superseded} tidak dikirim (status berubah)" if self.superseded else "")
            + (f", {self.uncertain} belum pasti" if self.uncertain else "")
            + ("; berhenti lebih awal (layanan dimatikan)" if self.interrupted else "")
        )

    def summary(self) -> str:
        if self.busy:
            return "notify: another notify is running; nothing done"
        if self.quiet:
            return "notify: quiet hours; messages wait"
        return (
            f"notify: {self.sent} sent, {self.retried} to retry, {self.failed} failed"
            + (f", {self.superseded} superseded" if self.superseded else "")
            + (f", {self.uncertain} uncertain" if self.uncertain else "")
            + ("; stopped early (shutting down)" if self.interrupted else "")
        )


def _hhmm(text: str) -> clock_time:
    hour, minute = (int(x) for x in text.split(":"))
    return clock_time(hour, minute)


def in_quiet_hours(local: clock_time, start: str, end: str) -> bool:
    """Whether `local` falls in [start, end), a window that may wrap past midnight (pure).
    Equal start and end: no quiet hours."""
    a, b = _hhmm(start), _hhmm(end)
    if a == b:
        return False
    return a <= local < b if a < b else local >= a or local < b


def backoff(attempt: int, jitter: float) -> float:
    """Seconds before retry `attempt`: 30 s doubling, at most an hour, scaled by jitter."""
    return min(3600.0, 30.0 * 2 ** (attempt - 1)) * (0.5 + jitter / 2)


def notify(
    ledger: Ledger,
    outbox: Outbox,
    store: VerificationStore,
    settings: Settings,
    provider: Provider,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], object] = time.sleep,
    jitter: Callable[[], float] = random.random,
    stopping: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NotifyReport:
    """One run: strand what a dead run left, then send what is due, within pace and hours.
    When `stopping` is set (the process is shutting down), the run ends before its next
    message; the rest stay pending for the next run. `progress(done, total)`: after each
    message."""
    cfg = settings.notifications
    report = NotifyReport()
    now = clock()
    with ledger.jobs.lease("notify", LEASE_SECONDS, now=now) as held:
        if not held:
            report.busy = True
            return report
        report.uncertain = outbox.strand_sending(now)
        if report.uncertain:
            log.warning(
                "notify: %d message(s) left mid-send by a stopped run are now "
                "uncertain; see `prens notifications list --status uncertain`",
                report.uncertain,
            )
        if in_quiet_hours(now.astimezone(settings.timezone).time(), cfg.quiet_start, cfg.quiet_end):
            report.quiet = True
            return report
        room = cfg.per_minute - outbox.sent_since(now - timedelta(minutes=1))
        due = outbox.due(now, max(room, 0))
        for n, message in enumerate(due):
            if progress is not None:
                progress(n, len(due))
            if n:
                sleep(cfg.pause_seconds)  # gateways ban numbers that send in bursts
            if stopping is not None and stopping.is_set():
                report.interrupted = True
                break
            # The registration as it is now, just before its message would go: a message whose
            # state it has left is closed unsent (every try, retries included).
            reg = ledger.get(message.registration_id)
            if reg is not None and not still_true(message.event, reg.state):
                _supersede(outbox, store, message, reg.state, clock())
                report.superseded += 1
                continue
            template = cfg.templates.get(message.event)
            if reg is None or template is None or not reg.person.get("telepon", "").startswith("+"):
                if outbox.mark_sending(message.id, clock()):
                    outbox.mark_failed(
                        message.id,
                        "tidak ada teks pesan, atau nomor HP tidak dapat dihubungi",
                        clock(),
                    )
                report.failed += 1
                continue
            cells = store.cells_for([reg.id]).get(reg.id, ({}, ""))[0]
            filled = values(reg, settings, cells)
            if not outbox.mark_sending(message.id, clock()):
                continue  # someone else took it
            outcome = provider.send(
                reg.person["telepon"], render(template, filled), message.event, filled
            )
            _outcome(outbox, message, outcome, cfg.max_attempts, clock(), jitter(), report)
        if progress is not None and due:
            progress(len(due), len(due))
    if report.sent or report.failed or report.retried or report.superseded:
        log.info(report.summary())
    return report


def _outcome(
    outbox: Outbox,
    message: Message,
    outcome: Outcome,
    max_attempts: int,
    done: datetime,
    jitter: float,
    report: NotifyReport,
) -> None:
    """Record what the provider answered: sent, failed for good, or to retry later."""
    if outcome.kind == SENT:
        outbox.mark_sent(message.id, outcome.reference, done)
        report.sent += 1
    elif outcome.kind == PERMANENT or message.attempts + 1 >= max_attempts:
        outbox.mark_failed(message.id, outcome.reason, done)
        report.failed += 1
        log.warning(
            "notify: message %d (%s, %s) failed: %s",
            message.id,
            message.registration_id,
            message.event,
            outcome.reason,
        )
    else:
        wait = max(backoff(message.attempts + 1, jitter), outcome.retry_after or 0)
        outbox.mark_retry(message.id, outcome.reason, done + timedelta(seconds=wait), done)
        report.retried += 1


def _supersede(
    outbox: Outbox, store: VerificationStore, message: Message, state: str | None, now: datetime
) -> None:
    """Close a message that no longer holds, unsent; audited with the state it met."""
    reason = f"tidak dikirim: status sudah {state}"
    if outbox.mark_superseded(message.id, reason, now):
        store.log(
            message.registration_id,
            "message_superseded",
            "notify",
            {"event": message.event, "state": state},
            now,
        )
