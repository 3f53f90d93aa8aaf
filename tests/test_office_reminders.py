"""The documents reminder: one message to a citizen verified more than `reminder_days` ago
whose documents have not reached the desa office; never twice, never in quiet hours, and never
to someone whose documents were received (at the desa, or ticked by the Dinas meanwhile)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from jobs.reminders import remind
from jobs.sync import sync
from prens.config.model import OfficeRules
from prens.rules.offices import DESA, Entry, Receipt, reminders_due
from prens.store.offices import REMINDER, Receipts
from tests.lifecycle_helpers import tick
from tests.offices_helpers import BALANG, LASUNG_BATU, office, populate
from tests.test_notify import clock_at, log_lines, run_notify

pytestmark = pytest.mark.both_databases

WITA = 8


def reminders(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Registration id -> the status of its documents reminder."""
    return {m.registration_id: m.status for m in runtime.outbox().messages(event=REMINDER)}


def test_who_is_due_a_reminder() -> None:
    today = datetime(2031, 3, 10).date()

    def entry(reg_id: str, state: str, days: int | None) -> Entry:
        verified = today - timedelta(days=days) if days is not None else None
        return Entry(reg_id, "X", "", "", state, LASUNG_BATU, verified)

    entries = [
        entry("late", "TERVERIFIKASI", 15),
        entry("exactly", "TERVERIFIKASI", 14),  # not more than 14 days yet
        entry("received", "TERVERIFIKASI", 30),
        entry("partly", "TERVERIFIKASI", 30),  # brought, not complete: still reminded
        entry("done", "BERKAS LENGKAP", 30),
        entry("undated", "TERVERIFIKASI", None),
    ]
    receipts = {
        "received": Receipt("Desa X", today, ""),
        "partly": Receipt("Desa X", today, "Fotokopi KK belum dibawa", complete=False),
    }
    assert reminders_due(entries, receipts, today, 14) == ["late", "partly"]
    assert reminders_due(entries, {}, today, 0) == []  # reminders off


def test_one_reminder_each_and_none_after_the_documents(runtime, client) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    people = populate(runtime, client, now)
    # Fajar's documents reached Balang's office before any reminder.
    Receipts(runtime.engine).record(
        office_of(runtime, "Desa Balang", BALANG), people["fajar"].id, "", now
    )
    first = remind(runtime.ledger, runtime.settings, now)
    assert first.due == 2  # Ani (20 days) and Hadi (25); Budi (3 days) not yet, Fajar received
    assert reminders(runtime) == {people["ani"].id: "pending", people["hadi"].id: "pending"}
    remind(runtime.ledger, runtime.settings, now + timedelta(hours=1))
    assert len(runtime.outbox().messages(event=REMINDER)) == 2  # at most one per registration

    # Ani brings her documents before the reminder is sent: it is not sent.
    Receipts(runtime.engine).record(
        office_of(runtime, "Desa Lasung Batu", LASUNG_BATU), people["ani"].id, "", now
    )
    assert reminders(runtime)[people["ani"].id] == "superseded"
    # Hadi's documents are ticked by the Dinas in the sheet: the queued reminder is dropped.
    tick(runtime, people["hadi"].id, "Berkas Diterima")
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    night = (now + timedelta(days=1)).replace(hour=23 - WITA, minute=0)
    assert run_notify(runtime, night).quiet  # quiet hours: nothing is sent
    morning = (now + timedelta(days=1)).replace(hour=9 - WITA, minute=0)
    run_notify(runtime, morning)
    assert reminders(runtime) == {people["ani"].id: "superseded", people["hadi"].id: "superseded"}
    assert not any(line.get("event") == REMINDER for line in log_lines(runtime.settings))


def test_a_reminder_is_sent_once_outside_quiet_hours(runtime, client) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    people = populate(runtime, client, now)
    remind(runtime.ledger, runtime.settings, now)
    night = (now + timedelta(days=1)).replace(hour=22 - WITA, minute=30)
    assert run_notify(runtime, night).quiet
    assert reminders(runtime)[people["ani"].id] == "pending"
    morning = (now + timedelta(days=1)).replace(hour=8 - WITA, minute=0)
    run_notify(runtime, morning)
    run_notify(runtime, morning + timedelta(hours=1))
    remind(runtime.ledger, runtime.settings, morning + timedelta(hours=2))
    run_notify(runtime, morning + timedelta(hours=3))
    sent = [line for line in log_lines(runtime.settings) if line.get("event") == REMINDER]
    assert sorted(line["text"].split("(ID ")[1][:10] for line in sent) == sorted(
        [people["ani"].id, people["fajar"].id, people["hadi"].id]
    )
    assert all("belum sampai di kantor desa" in line["text"] for line in sent)
    assert all(people["ani"].nik not in line["text"] for line in sent)


@pytest.mark.parametrize("off", ["days", "template"])
def test_reminders_can_be_off(runtime, client, off: str) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    populate(runtime, client, now)
    s = runtime.settings
    if off == "days":
        s = dataclasses.replace(s, offices=OfficeRules(reminder_days=0))
    else:
        templates = {k: v for k, v in s.notifications.templates.items() if k != REMINDER}
        s = dataclasses.replace(
            s, notifications=dataclasses.replace(s.notifications, templates=templates)
        )
    report = remind(runtime.ledger, s, now)
    assert report.off and "off" in report.summary()
    assert reminders(runtime) == {}


def office_of(runtime, name: str, code: str):  # type: ignore[no-untyped-def]
    from prens.store.offices import OfficeAccounts

    office(runtime, name, DESA, code)
    return OfficeAccounts(runtime.engine).get(name)


__all__ = ["clock_at"]
