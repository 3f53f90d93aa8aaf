"""Memberships that end, on both sheet backends with the clock passed in: a configured reason in
"Alasan Berhenti" moves a member to BERHENTI from "Tanggal Berhenti" (empty: now), audited and
told once (a death: told to nobody); the freed place goes to the first in line; a reason not in
the list, a date not readable, a date ahead are said in Catatan Sistem; clearing the cell
reverses it."""

from __future__ import annotations

import dataclasses
from datetime import date

from prens.rules.lifecycle import BERHENTI, DAFTAR_TUNGGU, TERVERIFIKASI
from prens.rules.periods import Period
from tests.lifecycle_helpers import status, tick
from tests.test_waiting_list import approve, run, told, with_quota


def end_date(runtime, reg_id: str) -> str:  # type: ignore[no-untyped-def]
    """The row's `Tanggal Berhenti` as the sheet shows it."""
    rows = runtime.sheets.get_all_values("Pendaftar")
    return str(next(r for r in rows if r[0] == reg_id)[rows[0].index("Tanggal Berhenti")])


P2025 = Period("2025", date(2025, 1, 1), date(2025, 12, 31), 0, 2, 12, 16800)


def test_a_member_ends_and_the_first_in_line_moves_on(verifying) -> None:  # type: ignore[no-untyped-def]
    base, _fake, (a, b, c, d) = verifying
    runtime = with_quota(base, P2025)
    for reg in (a, b, c):
        approve(runtime, reg)
    run(runtime, 2)
    assert runtime.ledger.get(c).state == DAFTAR_TUNGGU

    tick(runtime, a, "Alasan Berhenti", "pindah domisili")
    run(runtime, 3)
    assert runtime.ledger.get(a).state == BERHENTI
    assert status(runtime, a)[0] == BERHENTI
    # No date typed: the day the sync took the end is written, so the sheet says from when.
    assert end_date(runtime, a) == "03-06-2025"
    assert runtime.ledger.get(c).state == TERVERIFIKASI  # a's place
    messages = runtime.outbox().messages()
    berhenti = [m for m in messages if m.event == "BERHENTI"]
    assert [m.registration_id for m in berhenti] == [a]
    assert (c, "TERVERIFIKASI") in told(runtime)
    history = runtime.verification().history(a)
    assert any(e.kind == "state" and e.detail["to"] == BERHENTI for e in history)

    # A death is told to nobody.
    tick(runtime, b, "Alasan Berhenti", "Meninggal  Dunia")
    run(runtime, 4)
    assert runtime.ledger.get(b).state == BERHENTI
    assert (b, "BERHENTI") not in told(runtime)
    assert end_date(runtime, b) == "04-06-2025"

    # Cleared: a member again (the end was a mistake), logged; not told a second time.
    tick(runtime, a, "Alasan Berhenti", "")
    run(runtime, 5)
    assert runtime.ledger.get(a).state == TERVERIFIKASI
    assert len([m for m in told(runtime) if m == (a, "BERHENTI")]) == 1
    assert any(
        e.kind == "state" and e.detail["move"] == "reopen"
        for e in runtime.verification().history(a)
    )
    assert runtime.ledger.get(d).state != BERHENTI


def test_what_the_end_cells_may_say(verifying) -> None:  # type: ignore[no-untyped-def]
    base, _fake, (a, b, c, d) = verifying
    runtime = with_quota(base, dataclasses.replace(P2025, quota=0))
    for reg in (a, b, c):
        approve(runtime, reg)
    tick(runtime, a, "Alasan Berhenti", "malas")  # not a configured reason
    tick(runtime, b, "Alasan Berhenti", "mengundurkan diri")
    tick(runtime, b, "Tanggal Berhenti", "30-06-2025")  # ahead of the sync's day
    tick(runtime, c, "Tanggal Berhenti", "bulan depan")  # a date without a reason
    tick(runtime, d, "Alasan Berhenti", "pindah domisili")  # not a member
    run(runtime, 2)
    assert runtime.ledger.get(a).state == TERVERIFIKASI
    assert "tidak ada di daftar" in status(runtime, a)[1]
    assert runtime.ledger.get(b).state == TERVERIFIKASI
    assert "berhenti mulai 30-06-2025" in status(runtime, b)[1]
    assert "tanpa Alasan Berhenti" in status(runtime, c)[1]
    assert "belum menjadi peserta" in status(runtime, d)[1]
    run(runtime, 30)  # 30 June: b's end has come
    assert runtime.ledger.get(b).state == BERHENTI
    assert (b, "BERHENTI") in told(runtime)


def test_a_member_reaching_65_ends_at_the_end_of_that_month(runtime, client) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from jobs.flush import flush
    from prens.reports.stats import reaching_age
    from sheets_bridge.setup import worksheet_layouts
    from tests.conftest import post
    from tests.test_webhook import body

    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)
    # Born 15 January 1962 (a woman: day 55 in the NIK): 64 when she registers in 2026.
    reply = post(
        client,
        body(runtime.settings, rid="tua", nik="6311065501620001", tanggal_lahir="1/15/1962"),
    ).get_json()
    assert reply["status"] == "accepted", reply
    reg = reply["id"]
    flush(runtime.ledger, runtime.sheets, runtime.settings)
    approve(runtime, reg)
    first = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    from jobs.sync import sync

    def at(moment: datetime) -> None:
        sync(
            runtime.ledger,
            runtime.sheets,
            runtime.settings,
            runtime.verification(),
            moment,
            outbox=runtime.outbox(),
        )

    at(first)
    assert runtime.ledger.get(reg).state == TERVERIFIKASI
    soon = reaching_age(runtime.engine, runtime.settings, date(2026, 12, 1))
    assert [(r[1], r[4]) for r in soon] == [(reg, date(2027, 1, 31))]
    at(datetime(2027, 1, 30, 2, 0, tzinfo=UTC))
    assert runtime.ledger.get(reg).state == TERVERIFIKASI
    at(datetime(2027, 1, 31, 2, 0, tzinfo=UTC))
    assert runtime.ledger.get(reg).state == BERHENTI
    assert "berusia 65 tahun (31-01-2027)" in status(runtime, reg)[1]
    assert end_date(runtime, reg) == "31-01-2027"  # the system's end, dated in the sheet
    assert (reg, "BERHENTI") not in told(runtime)  # the Dinas was told, on the dashboard
    at(datetime(2027, 2, 1, 2, 0, tzinfo=UTC))  # stays ended; nothing more happens
    assert runtime.ledger.get(reg).state == BERHENTI
    assert sum(1 for e in runtime.verification().history(reg) if e.kind == "state") == 2


def test_an_end_before_the_membership_began_or_past_the_period(verifying) -> None:  # type: ignore[no-untyped-def]
    base, _fake, (a, b, _c, _d) = verifying
    runtime = with_quota(base, dataclasses.replace(P2025, quota=0))
    approve(runtime, a)
    approve(runtime, b)
    run(runtime, 2)  # members from 2 June 2025
    tick(runtime, a, "Alasan Berhenti", "pindah domisili")
    tick(runtime, a, "Tanggal Berhenti", "01-05-2025")  # before 2 June
    tick(runtime, b, "Alasan Berhenti", "pindah domisili")
    tick(runtime, b, "Tanggal Berhenti", "15-01-2026")  # past the 2025 period
    run(runtime, 3)
    assert runtime.ledger.get(a).state == TERVERIFIKASI
    assert "sebelum kepesertaan dimulai (02-06-2025)" in status(runtime, a)[1]
    assert runtime.ledger.get(b).state == TERVERIFIKASI
    assert "di luar periode anggaran berjalan" in status(runtime, b)[1]
    tick(runtime, a, "Tanggal Berhenti", "03-06-2025")  # corrected
    run(runtime, 4)
    assert runtime.ledger.get(a).state == BERHENTI
