"""Two budget periods end to end, on both sheet backends, with the clock passed in: 2025 (quota
5) fills and the sixth waits, told; a member moves away and the first in line takes the place,
told; on 1 January 2026 the rollover carries the members into 2026 (quota 3): the one who turned
65 ends, the latest verified go to the waiting list, each told once; run again, nothing more."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from jobs.flush import flush
from jobs.rollover import rollover
from prens.rules.lifecycle import BERHENTI, DAFTAR_TUNGGU, TERVERIFIKASI
from prens.rules.periods import Period
from prens.runtime import Runtime
from sheets_bridge.setup import worksheet_layouts
from tests.conftest import post
from tests.lifecycle_helpers import status, tick
from tests.test_waiting_list import approve, told, with_quota
from tests.test_webhook import body

P2025 = Period("2025", date(2025, 1, 1), date(2025, 12, 31), 0, 5, 12, 16800)
P2026 = Period("2026", date(2026, 1, 1), date(2026, 12, 31), 0, 3, 12, 16800)


def at(runtime: Runtime, y: int, m: int, d: int):  # type: ignore[no-untyped-def]
    return rollover(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        datetime(y, m, d, 2, 0, tzinfo=UTC),
        outbox=runtime.outbox(),
    )


def through_2025(verifying, client):  # type: ignore[no-untyped-def]
    """2025 as the module's docstring tells it, up to the rollover: (runtime, the verifying
    fixture's ids, the two more, old's id)."""
    base, _fake, ids = verifying
    runtime = with_quota(base, P2025, P2026)
    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)

    # Three more people; the last born 20 December 1960: 65 in December 2025.
    def in_2025(**changes: str) -> dict[str, object]:
        return {**body(runtime.settings, **changes), "timestamp": "2025-02-01T10:00:00+08:00"}

    more = [
        post(client, in_2025(rid=f"p{i}", nik=f"63110645079{i:05d}")).get_json()["id"]
        for i in (11, 12)
    ]
    old = post(
        client, in_2025(rid="tua", nik="6311066012600001", tanggal_lahir="12/20/1960")
    ).get_json()
    assert old["status"] == "accepted", old
    flush(runtime.ledger, runtime.sheets, runtime.settings)
    for i, reg in enumerate([old["id"], *ids, *more]):
        approve(runtime, reg)
        at(runtime, 2025, 3, 1 + i)  # one verified a day: the order of first verification
    first_five = [old["id"], *ids]
    assert [runtime.ledger.get(r).state for r in first_five] == [TERVERIFIKASI] * 5
    assert [runtime.ledger.get(r).state for r in more] == [DAFTAR_TUNGGU] * 2
    assert (more[0], "DAFTAR TUNGGU") in told(runtime)

    tick(runtime, ids[0], "Alasan Berhenti", "pindah domisili")
    at(runtime, 2025, 4, 1)
    assert runtime.ledger.get(ids[0]).state == BERHENTI
    assert runtime.ledger.get(more[0]).state == TERVERIFIKASI  # first in line
    assert (more[0], "TERVERIFIKASI") in told(runtime)
    return runtime, ids, more, old["id"]


def test_two_periods(verifying, client) -> None:  # type: ignore[no-untyped-def]
    runtime, ids, more, old_id = through_2025(verifying, client)
    old = {"id": old_id}
    people = [*ids, *more, old_id]
    before = told(runtime)

    report = at(runtime, 2026, 1, 1)
    # The sync first ends old (65 in December 2025); then of the members, by first
    # verification (ids[1], ids[2], ids[3], more[0]), the first three carry over.
    assert (report.period, report.carried, report.waiting) == ("2026", 3, 1)
    assert runtime.ledger.get(old["id"]).state == BERHENTI
    assert "berusia 65 tahun (31-12-2025)" in status(runtime, old["id"])[1]
    states = {r: runtime.ledger.get(r).state for r in people}
    assert [states[r] for r in (ids[1], ids[2], ids[3])] == [TERVERIFIKASI] * 3
    assert states[more[0]] == DAFTAR_TUNGGU and states[more[1]] == DAFTAR_TUNGGU
    assert status(runtime, more[0])[0] == DAFTAR_TUNGGU
    # more[0] had waited in 2025 and was told then; nobody else's state changed.
    assert sorted(set(told(runtime)) - set(before)) == []
    after = told(runtime)
    again = at(runtime, 2026, 1, 2)
    assert again.already and told(runtime) == after
    assert {r: runtime.ledger.get(r).state for r in people} == states


def test_the_decree_list_per_period_with_its_changes(verifying, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports.changes import decree

    test_two_periods(verifying, client)
    base, _fake, ids = verifying
    settings = dataclasses.replace(base.settings, periods=(P2025, P2026))
    store = base.verification()
    jan = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    table, changes = decree(base.ledger, store, settings, P2026, jan)
    listed = {row[1] for row in table[1:]}
    assert listed == {ids[1], ids[2], ids[3]}
    got = {(row[0], row[1]): row[5] for row in changes[1:]}
    left = {reg: why for (kind, reg), why in got.items() if kind == "keluar"}
    assert {reg for (kind, reg) in got if kind == "lanjut"} == listed
    assert not [reg for (kind, reg) in got if kind == "baru"]
    assert sorted(left.values()) == [
        "berhenti: usia 65 tahun",
        "daftar tunggu (kuota periode penuh)",
    ]
    # 2025's list: its five members at its end, each in their state now; all new in 2025.
    table_2025, changes_2025 = decree(base.ledger, store, settings, P2025, jan)
    assert len(table_2025) - 1 == 5 and ids[0] not in {row[1] for row in table_2025[1:]}
    assert {row[0] for row in changes_2025[1:]} == {"baru"}


def test_the_budget_of_a_period(verifying, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports.evaluation import budget

    test_two_periods(verifying, client)
    base, _fake, _ids = verifying
    settings = dataclasses.replace(base.settings, periods=(P2025, P2026))
    jan = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    b = budget(base.engine, settings, P2026, jan)
    # January so far: the three members, and old, a member on 1 January until the rollover's
    # sync ended him at 65 (a month begun is a month paid); not more[0], whom the rollover did
    # not carry over (moved to the waiting list as of the period's first moment: counting his
    # January was the bug); then the three for eleven months to come.
    assert (b.members, b.realised, b.projected) == (3, 4 * 16800, 4 * 16800 + 3 * 11 * 16800)
    # 2025 so far (as of 1 January 2026): ids[0] March-April (2), old March-December (10),
    # ids[1..3] March-December (30), more[0] April-December (9): 51 member-months.
    b2025 = budget(base.engine, settings, P2025, jan)
    assert b2025.realised == 51 * 16800 and b2025.projected == b2025.realised


def test_the_berita_acara_of_a_period(verifying, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports import berita_acara as berita
    from prens.reports.changes import bounds, timelines

    test_two_periods(verifying, client)
    base, _fake, ids = verifying
    settings = dataclasses.replace(base.settings, periods=(P2025, P2026))
    jan = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    regs = base.ledger.in_states(berita.STATES)
    lines = timelines(base.engine)
    in_2026 = berita.in_period(regs, lines, *bounds(P2026, settings, jan))
    report = berita.build(in_2026, settings, P2026)
    # In 2026 so far: one ended at 65, one put in line by the rollover.
    assert dict(zip(report.states, report.totals, strict=True)) == {
        "MENUNGGU VERIFIKASI": 0,
        "DAFTAR TUNGGU": 1,
        "TERVERIFIKASI": 0,
        "BERKAS LENGKAP": 0,
        "TERDAFTAR": 0,
        "DITOLAK": 0,
        "BERHENTI": 1,
    }
    in_2025 = berita.in_period(regs, lines, *bounds(P2025, settings, jan))
    assert len(in_2025) == 7  # all verified in 2025


def test_the_evaluation_of_the_scenario(verifying, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports.evaluation import evaluate, facts

    test_two_periods(verifying, client)
    base, _fake, _ids = verifying
    settings = dataclasses.replace(base.settings, periods=(P2025, P2026))
    jan = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    known = facts(base.engine)
    ev2025 = evaluate(known, settings, P2025, jan)
    # Approved in 2025: the first five, and more[0] when ids[0] moved away.
    assert ev2025.approved == 6
    assert dict(ev2025.ended) == {"pindah domisili": 1}
    assert ev2025.member_months == 51 and ev2025.realised == 51 * 16800
    assert ev2025.messages[("DAFTAR TUNGGU", "pending")] == 2
    assert ev2025.messages[("TERVERIFIKASI", "pending")] == 6
    assert ev2025.messages[("BERHENTI", "pending")] == 1
    ev2026 = evaluate(known, settings, P2026, jan)
    assert dict(ev2026.ended) == {"usia 65 tahun": 1} and ev2026.approved == 0
    assert ev2026.members_now == 3 and sum(ev2026.members.values()) == 3
    assert ev2026.projected == 4 * 16800 + 3 * 11 * 16800


def test_the_dashboard_shows_a_periods_budget(verifying, client) -> None:  # type: ignore[no-untyped-def]
    test_two_periods(verifying, client)
    app, auth = officer_app(verifying, (P2025, P2026))
    page = app.get("/dinas/dashboard?periode=2025", headers=auth).get_data(as_text=True)
    # 2025 is over (the suite runs after it): 51 member-months, the projection the same.
    assert "Periode anggaran 2025" in page and "Rp 856.800" in page
    assert 'href="/dinas/dashboard?periode=2026"' in page


def test_the_berita_acara_page_of_a_period(verifying, client) -> None:  # type: ignore[no-untyped-def]
    test_two_periods(verifying, client)
    app, auth = officer_app(verifying, (P2025, P2026))
    page = app.get("/dinas/berita-acara?periode=2025", headers=auth).get_data(as_text=True)
    assert "periode 2025: 01-01-2025 s.d. 31-12-2025" in page
    assert "terpakai sampai hari ini <strong>Rp 856.800</strong>" in page
    assert app.get("/dinas/berita-acara?periode=1990", headers=auth).status_code == 404


def test_a_past_period_reports_as_it_was(verifying, client) -> None:  # type: ignore[no-untyped-def]
    # After the rollover, 2025's decree list showed more[0] as DAFTAR TUNGGU (his 2026 state),
    # its summary's states did not add up to its total, and the evaluation, the Berita Acara
    # and the dashboard box of 2025 counted 2026's members.
    from prens.reports import berita_acara as berita
    from prens.reports import final
    from prens.reports.changes import berita_registrations, decree
    from prens.reports.evaluation import budget, evaluate, facts

    runtime, ids, more, old = through_2025(verifying, client)
    s = runtime.settings

    def reports_2025(now: datetime) -> dict[str, object]:
        table, _changes = decree(runtime.ledger, runtime.verification(), s, P2025, now)
        state = table[0].index(s.columns["status"])
        totals = final.summary(table[1:], s, 12, 0)
        ba = berita.build(berita_registrations(runtime.ledger, s, P2025, now), s, P2025)
        ev = evaluate(facts(runtime.engine), s, P2025, now)
        box = budget(runtime.engine, s, P2025, now)
        return {
            "listed": sorted((row[1], row[state]) for row in table[1:]),
            "summary": next(r for r in totals if r and r[0] == "Jumlah"),
            "berita": dict(zip(ba.states, ba.totals, strict=True)),
            "eligible": ba.eligible,
            "evaluation": (ev.members_now, sum(ev.members.values()), ev.member_months),
            "box": (box.members, box.realised, box.projected),
        }

    # By hand, as 2025 ended: five members (old, ids[1..3], more[0]), all TERVERIFIKASI;
    # ids[0] ended in April; more[1] waiting; 51 member-months (see test_the_budget_of_a_period).
    members = sorted([old, ids[1], ids[2], ids[3], more[0]])
    hand = {
        "listed": [(r, TERVERIFIKASI) for r in members],
        "summary": ["Jumlah", 5, 0, 0, 5],
        "berita": {
            "MENUNGGU VERIFIKASI": 0,
            "TERVERIFIKASI": 5,
            "BERKAS LENGKAP": 0,
            "TERDAFTAR": 0,
            "DITOLAK": 0,
            "DAFTAR TUNGGU": 1,
            "BERHENTI": 1,
        },
        "eligible": 5,
        "evaluation": (5, 5, 51),
        "box": (5, 51 * 16800, 51 * 16800),
    }
    before = reports_2025(datetime(2026, 1, 1, 1, 0, tzinfo=UTC))  # 2025 over, no rollover yet
    assert before == hand
    report = at(runtime, 2026, 1, 1)  # old ends at 65, more[0] to the waiting list
    assert (report.carried, report.waiting) == (3, 1)
    assert runtime.ledger.get(more[0]).state == DAFTAR_TUNGGU
    assert reports_2025(datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == hand
    assert reports_2025(datetime(2026, 6, 1, 3, 0, tzinfo=UTC)) == hand


def test_a_past_period_on_the_pages_downloads_and_doctor(verifying, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports.evaluation import left_of_budget

    test_two_periods(verifying, client)
    base, _fake, _ids = verifying
    tight = dataclasses.replace(P2025, budget=500_000)  # 856,800 spent: 356,800 over
    app, auth = officer_app(verifying, (tight, P2026))
    page = app.get("/dinas/dashboard?periode=2025", headers=auth).get_data(as_text=True)
    assert "peserta pada akhir periode 5" in page  # not 2026's three
    assert "melebihi pagu menurut proyeksi: Rp 356.800" in page and "Rp -" not in page
    ba = app.get("/dinas/berita-acara?periode=2025", headers=auth).get_data(as_text=True)
    assert "melebihi pagu Rp 356.800" in ba
    for path, name in (
        ("/dinas/daftar-final.xlsx?periode=2025", "daftar-final-2025.xlsx"),
        ("/dinas/daftar-final.csv?periode=2026", "daftar-final-2026.csv"),
        ("/dinas/berita-acara.xlsx?periode=2025", "berita-acara-2025.xlsx"),
    ):
        reply = app.get(path, headers=auth)
        assert reply.status_code == 200
        assert reply.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert left_of_budget(500_000, 856_800) == (
        "Melebihi pagu menurut proyeksi",
        "Rp 356.800 di atas pagu",
    )
    assert left_of_budget(900_000, 856_800) == ("Sisa pagu menurut proyeksi", "Rp 43.200")
    from prens.doctor import WARNING, run_checks

    small = dataclasses.replace(P2026, budget=100_000)
    runtime_2026 = with_quota(base, P2025, small)
    jan = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    check = next(c for c in run_checks(runtime_2026, jan) if c.subject == "Periode anggaran")
    # 4 member-months so far and three members for eleven months: Rp 621.600.
    assert check.status == WARNING
    assert "proyeksi sampai akhir periode Rp 621.600 melebihi pagu Rp 100.000 sebesar " in (
        check.detail
    )
    assert "Rp 521.600" in check.detail


def test_a_rollover_with_nothing_to_do_says_so() -> None:
    from jobs.rollover import RolloverReport

    quiet = RolloverReport(period="2026", carried=11, waiting=0)
    assert quiet.summary() == (
        "rollover: period 2026: nothing to do, its 11 member(s) within its quota stay"
    )
    moved = RolloverReport(period="2026", carried=3, waiting=1).summary()
    assert moved == "rollover: into period 2026: 3 carried over, 1 to the waiting list"


def officer_app(verifying, periods: tuple[Period, ...]):  # type: ignore[no-untyped-def]
    """The two periods' scenario's web app with `periods`, and an officer's Basic header."""
    import base64

    from prens.store.officers import Officers
    from tests.conftest import SECRET
    from webhooks.app import create_app

    base, _fake, _ids = verifying
    app = create_app(with_quota(base, *periods), SECRET, {"TESTING": True}).test_client()
    token = Officers(base.engine).add("Rahmat")
    return app, {"Authorization": "Basic " + base64.b64encode(f"Rahmat:{token}".encode()).decode()}
