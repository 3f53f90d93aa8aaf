"""The lifecycle end to end, on the local backend and on Google (the Sheets fake): ticks become
states, audit entries and Status in the sheet; unticking moves a state back and is logged."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from jobs.flush import flush
from jobs.sync import sync
from prens.cli import main
from prens.config import load_settings
from prens.rules.lifecycle import BERKAS_LENGKAP, DITOLAK, MENUNGGU, TERDAFTAR, TERVERIFIKASI
from tests.conftest import EXAMPLE_CONFIG, post
from tests.google_fixtures import SPREADSHEET
from tests.lifecycle_helpers import status, tick
from tests.test_webhook import body

TODAY = date(2026, 6, 1)  # the day ends are judged on (no end in these cells)

pytestmark = pytest.mark.both_databases


def test_the_lifecycle_on_both_backends(verifying, capsys) -> None:  # type: ignore[no-untyped-def]
    runtime, fake, (a, b, c, d) = verifying
    store = runtime.verification()

    def run_sync():  # type: ignore[no-untyped-def]
        before = dict(fake.counts) if fake else None
        report = sync(runtime.ledger, runtime.sheets, runtime.settings, store)
        if fake:
            reads = fake.counts["read"] - before["read"]
            writes = fake.counts["write"] - before["write"]
            with capsys.disabled():
                print(
                    f"\n[sync on the fake] {report.summary()}: read requests {reads}, "
                    f"write requests {writes}"
                )
            # One batched read; one batched write when anything changed (rows already tagged).
            assert reads == 1 and writes == (1 if report.written else 0)
        return report

    first = run_sync()
    assert first.moves == {} and first.written == 0
    assert status(runtime, a)[0] == MENUNGGU

    tick(runtime, a, "Verifikasi Dinas")
    tick(runtime, a, "Verifikasi BPJS")  # A: verified
    for column in ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima"):
        tick(runtime, b, column)
    tick(runtime, b, "Nomor Kepesertaan BPJS", "25012345678")  # B: all the way at once
    tick(runtime, c, "Alasan Penolakan", "-")  # C: rejected without a real reason
    tick(runtime, d, "Verifikasi Dinas")  # D: one verifier only
    report = run_sync()
    assert report.moves == {"advance": 2, "reject": 1}
    assert status(runtime, a)[0] == TERVERIFIKASI
    assert status(runtime, b)[0] == TERDAFTAR
    assert status(runtime, d)[0] == MENUNGGU
    c_status, c_note = status(runtime, c)
    assert c_status == DITOLAK and "gelar" in c_note and "perlu dijelaskan" in c_note
    assert store.first_entries(b) == [TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR]

    assert run_sync().changed == 0  # nothing new: nothing written

    tick(runtime, a, "Verifikasi BPJS", "tidak")  # A unticked: back to waiting
    tick(runtime, b, "Nomor Kepesertaan BPJS", "")  # B's number removed
    report = run_sync()
    assert report.moves == {"regress": 2}
    assert status(runtime, a)[0] == MENUNGGU and status(runtime, b)[0] == BERKAS_LENGKAP
    tick(runtime, a, "Verifikasi BPJS")  # ticked again: not a first entry
    run_sync()
    assert store.first_entries(a) == [TERVERIFIKASI]
    kinds = [
        (e.kind, e.detail.get("to") or e.detail.get("state") or e.detail.get("column"))
        for e in store.history(a)
    ]
    assert kinds == [
        ("cell", "Verifikasi Dinas"),
        ("cell", "Verifikasi BPJS"),
        ("state", TERVERIFIKASI),
        ("first_entry", TERVERIFIKASI),
        ("cell", "Verifikasi BPJS"),
        ("regression", MENUNGGU),
        ("cell", "Verifikasi BPJS"),
        ("state", TERVERIFIKASI),
    ]
    assert runtime.ledger.get(a).state == TERVERIFIKASI


@pytest.mark.parametrize("verifying", ["google"], indirect=True)  # sorting: in Google Sheets
def test_a_sort_between_syncs_does_not_misplace_status(verifying) -> None:  # type: ignore[no-untyped-def]
    runtime, fake, (a, b, c, d) = verifying
    store = runtime.verification()
    sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    head = runtime.sheets.header("Pendaftar")
    fake.sort_rows(SPREADSHEET, "Pendaftar", column=head.index("Nama Lengkap"))
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, c, column)
    fake.sort_rows(SPREADSHEET, "Pendaftar", column=head.index("Nama Lengkap"), reverse=False)
    sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert [status(runtime, x)[0] for x in (a, b, c, d)] == [
        MENUNGGU,
        MENUNGGU,
        TERVERIFIKASI,
        MENUNGGU,
    ]


def test_the_commands(config_path, client, settings) -> None:  # type: ignore[no-untyped-def]
    def prens(*args: str):  # type: ignore[no-untyped-def]
        result = CliRunner().invoke(main, ["--config", str(config_path), *args])
        assert result.exit_code == 0, result.output
        return result.output

    reg = post(client, body(settings)).get_json()["id"]
    prens("jobs", "run", "flush")
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        prens("sheet", "set", "Pendaftar", "--id", reg, "--column", column, "--value", "TRUE")
    assert "1 maju" in prens("jobs", "run", "sync")
    prens(
        "sheet", "set", "Pendaftar", "--id", reg, "--column", "Verifikasi Dinas", "--value", "FALSE"
    )
    assert "1 mundur" in prens("jobs", "run", "sync")
    # The final list follows: in it while verified, out of it once a box is unticked.
    prens(
        "sheet", "set", "Pendaftar", "--id", reg, "--column", "Verifikasi Dinas", "--value", "TRUE"
    )
    prens("jobs", "run", "sync")
    assert "1 baris di daftar final" in prens("jobs", "run", "compile")
    assert reg in prens("sheet", "export", "Daftar Final")
    prens(
        "sheet", "set", "Pendaftar", "--id", reg, "--column", "Verifikasi Dinas", "--value", "FALSE"
    )
    prens("jobs", "run", "sync")
    assert "0 baris di daftar final" in prens("jobs", "run", "compile")
    assert reg not in prens("sheet", "export", "Daftar Final")
    exported = prens("sheet", "export", "Pendaftar")
    assert "MENUNGGU VERIFIKASI" in exported
    history = prens("audit", reg)
    assert "formulir masuk (diterima)" in history
    assert "status MENUNGGU VERIFIKASI -> TERVERIFIKASI" in history
    assert "status mundur TERVERIFIKASI -> MENUNGGU VERIFIKASI" in history
    assert "Verifikasi Dinas: True -> False" in history
    assert settings.columns["nik"] not in history and "6311064507900003" not in history


def delete_row(runtime, fake, reg_id: str) -> None:  # type: ignore[no-untyped-def]
    """A verifier deletes the row of `reg_id` by hand."""
    if fake is not None:
        sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
        row = next(r for r in range(1, sheet.last_row()) if sheet.cells[(r, 0)].value == reg_id)
        fake.delete_row(SPREADSHEET, "Pendaftar", row)
        return
    from sqlalchemy import delete

    from prens.store.schema import rows_table

    with runtime.engine.begin() as conn:
        conn.execute(
            delete(rows_table).where(
                rows_table.c.worksheet == "Pendaftar", rows_table.c.cells.like(f'["{reg_id}",%')
            )
        )


def test_a_row_deleted_by_hand_comes_back_with_its_ticks(verifying) -> None:  # type: ignore[no-untyped-def]
    runtime, fake, (a, b, c, d) = verifying
    store = runtime.verification()
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, b, column)
    tick(runtime, b, "Nomor Kepesertaan BPJS", "2501234")  # a soft-check note too
    sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert status(runtime, b)[0] == TERVERIFIKASI

    delete_row(runtime, fake, b)
    ids = runtime.sheets.column_values("Pendaftar", "ID Pendaftaran")
    assert b not in ids and len(ids) == 3
    report = sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert report.missing == 1
    assert [e.kind for e in store.history(b)][-1] == "row_missing"
    assert "row_missing" not in [e.kind for e in store.history(a)]
    flush(runtime.ledger, runtime.sheets, runtime.settings, store)

    rows = runtime.sheets.get_all_values("Pendaftar")
    head = rows[0]
    restored = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[0] == b]
    assert len(restored) == 1
    row = restored[0]
    assert row["Status"] == TERVERIFIKASI
    assert row["Verifikasi Dinas"] in ("TRUE", "True") and row["Verifikasi BPJS"] in (
        "TRUE",
        "True",
    )
    assert row["Nomor Kepesertaan BPJS"] == "2501234" and "11 angka" in row["Catatan Sistem"]
    assert row["NIK"] == "6311064507900002"
    if fake is not None:  # ticks come back as checkboxes (booleans), not as the text "TRUE"
        sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
        r = next(r for r in range(1, sheet.last_row()) if sheet.cells[(r, 0)].value == b)
        assert sheet.cells[(r, head.index("Verifikasi Dinas"))].value is True
    again = sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert again.missing == 0 and again.moves == {}


def test_a_sync_before_the_first_flush_does_nothing(runtime) -> None:  # type: ignore[no-untyped-def]
    report = sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert (report.rows, report.changed, report.written) == (0, 0, 0)


def test_a_status_left_behind_by_a_killed_sync_is_brought_level(verifying) -> None:  # type: ignore[no-untyped-def]
    """A sync killed after storing what it saw, before its write-back, leaves Status behind the
    ledger; the next sync sees no change in the ticks, and still writes Status back."""
    runtime, _fake, (a, _b, _c, _d) = verifying
    store = runtime.verification()
    tick(runtime, a, "Verifikasi Dinas")
    tick(runtime, a, "Verifikasi BPJS")
    sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert status(runtime, a)[0] == TERVERIFIKASI
    # What the sheet looks like when the write-back never happened.
    s = runtime.settings
    runtime.sheets.update_rows_by_key(
        s.worksheets["pendaftar"], s.columns["id"], {a: {s.columns["status"]: MENUNGGU}}
    )
    report = sync(runtime.ledger, runtime.sheets, runtime.settings, store)
    assert (report.changed, report.repaired, report.written) == (0, 1, 1)
    assert status(runtime, a)[0] == TERVERIFIKASI
    assert sync(runtime.ledger, runtime.sheets, runtime.settings, store).written == 0


def test_a_judgement_shared_across_rows_is_the_one_each_row_would_get(settings) -> None:  # type: ignore[no-untyped-def]
    """The sync judges each combination of cells once; a row whose number another row holds
    is judged apart from one with the same cells and no such holder."""
    from itertools import product

    from jobs.verdicts import normalised, observe
    from prens.store.ledger import SheetEntry

    combos = [
        normalised(
            {
                "Verifikasi Dinas": dinas,
                "Verifikasi BPJS": bpjs,
                "Berkas Diterima": berkas,
                "Nomor Kepesertaan BPJS": number,
            },
            settings,
        )
        for dinas, bpjs, berkas, number in product(
            (True, False),
            (True, False),
            (True, False),
            ("", "12345678901", "98765432109", "1234-5678-901", "12", "abc", " "),
        )
    ]
    shared: dict = {}  # type: ignore[type-arg]
    for state in (MENUNGGU, TERVERIFIKASI, BERKAS_LENGKAP):
        for cells in combos:
            for held_by in (None, ["BLG-OTHER"]):
                reg = SheetEntry("BLG-ROW", state, "")
                alone = observe(reg, cells, None, settings, TODAY, held_by)
                assert observe(reg, cells, None, settings, TODAY, held_by, shared) == alone
    # Valid numbers share a judgement (so do malformed ones): 8 tick combinations, each with
    # an empty, a valid and a malformed number, with and without a holder.
    assert len(shared) == 8 * 3 * 2


@hsettings(max_examples=300, deadline=None)
@given(
    number=st.text(max_size=14) | st.from_regex(r"[0-9 .\-]{9,14}", fullmatch=True),
    reason=st.sampled_from(["", "NIK palsu"]),
    ticks=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    state=st.sampled_from([MENUNGGU, TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR]),
    held=st.booleans(),
)
def test_any_number_is_judged_as_alone_after_rows_judged_before(
    number: str, reason: str, ticks: tuple[bool, bool, bool], state: str, held: bool
) -> None:
    """A judgement reused from rows judged before (valid numbers, malformed ones, empty) is
    the one this row's own number gets."""
    from jobs.verdicts import observe
    from prens.store.ledger import SheetEntry

    settings = load_settings(EXAMPLE_CONFIG)
    held_by = ["BLG-OTHER"] if held else None
    shared: dict = {}  # type: ignore[type-arg]
    for seen in ("12345678901", "12", "", "abc"):
        for earlier in (None, ["BLG-OTHER"]):
            for seen_ticks in ((True, True, True), ticks):
                observe(
                    SheetEntry("BLG-SEEN", state, ""),
                    _cells(settings, seen_ticks, seen, reason),
                    None,
                    settings,
                    TODAY,
                    earlier,
                    shared,
                )
    cells = _cells(settings, ticks, number, reason)
    reg = SheetEntry("BLG-ROW", state, "")
    alone = observe(reg, cells, None, settings, TODAY, held_by)
    assert observe(reg, cells, None, settings, TODAY, held_by, shared) == alone


def _cells(settings, ticks: tuple[bool, bool, bool], number: str, reason: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    from jobs.verdicts import normalised

    names = ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima")
    cells = dict(zip(names, ticks, strict=True))
    reasons = [v.header for v in settings.verifier_columns if v.role == "rejection_reason"]
    return normalised(
        {**cells, "Nomor Kepesertaan BPJS": number, **dict.fromkeys(reasons, reason)}, settings
    )


def test_the_summary_adds_up() -> None:
    # "14 changed (10 advance, 1 reject)": three changed without a state change went unsaid.
    from jobs.sync import SyncReport

    report = SyncReport(rows=20, changed=14, moves={"advance": 10, "reject": 1}, written=14)
    assert "14 changed (10 advance, 1 reject, 3 without a state change)" in report.summary()
    assert "(no state change)" in SyncReport(rows=3).summary()
