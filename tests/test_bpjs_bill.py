"""The monthly bill checked: a stranger, a member missing, a wrong amount, a rejected person
billed, a number that is not the member's; totals in rupiah. Through the real command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from jobs.sync import sync
from prens.cli import main
from prens.rules.bpjs import bill as b
from tests.bpjs_helpers import enrol, nik, xlsx
from tests.lifecycle_helpers import tick

pytestmark = pytest.mark.both_databases


def test_check_bill(runtime, client, config_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = runtime.settings
    ids = enrol(runtime, client)
    for i in range(4):  # four members; nik(3)'s is not billed
        tick(runtime, ids[i], "Nomor Kepesertaan BPJS", f"2500000000{i + 1}")
    tick(runtime, ids[6], "Alasan Penolakan", "Bukan pekerja rentan")
    sync(runtime.ledger, runtime.sheets, s, runtime.verification())
    fee = s.contribution_per_month
    rows = [
        ["NO", "NIK", "KPJ", "NAMA", "IURAN"],
        [1, nik(0), "25000000001", "ANI", fee],  # right
        [2, nik(1), "25000000002", "BUDI", "Rp 20.000"],  # wrong amount
        [3, "6311069999990001", "25000000077", "ORANG LAIN", fee],  # a stranger
        [4, nik(6), "25000000088", "GITA", fee],  # rejected
        [5, nik(2), "25000000099", "CITRA", fee],  # not her number
    ]  # nik(3)..: not TERDAFTAR; nobody bills nik(2)'s namesake twice
    bill = tmp_path / "tagihan.xlsx"
    bill.write_bytes(xlsx(rows, title_rows=1))
    month = f"{datetime.now(s.timezone):%Y-%m}"
    report = tmp_path / "pemeriksaan.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config_path),
            "bpjs",
            "check-bill",
            str(bill),
            "--month",
            month,
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    billed = 4 * fee + 20_000
    assert f"Jumlah ditagih: {b.rupiah(billed)}" in result.output
    assert f"Jumlah seharusnya: {b.rupiah(4 * fee)}" in result.output
    assert f"Selisih (ditagih - seharusnya): {b.rupiah(billed - 4 * fee)}" in result.output
    lines = {
        r[0]: (r[4], r[5] or "")
        for r in load_workbook(report)["Pemeriksaan Tagihan"].iter_rows(min_row=2, values_only=True)
    }
    assert lines[3] == (b.OUTCOMES[b.OK], "")
    assert lines[4][0] == b.OUTCOMES[b.AMOUNT_DIFFERS] and "Rp 20.000" in lines[4][1]
    assert lines[5] == (b.OUTCOMES[b.NOT_MEMBER], "NIK tidak dikenal")
    assert lines[6] == (b.OUTCOMES[b.NOT_MEMBER], "status DITOLAK")
    assert lines[7][0] == b.OUTCOMES[b.NUMBER_DIFFERS]
    missing = lines[None]  # a member not on the bill has no row number
    assert missing == (b.OUTCOMES[b.MISSING], "")
    exported = runtime.verification().downloads()
    assert [e.detail["file"] for e in exported] == ["bpjs-pemeriksaan-tagihan.xlsx"]
    # Who needs attention, on the terminal too: masked NIK and registration id, never a NIK.
    out = result.output
    attention = out[out.index("Perlu diperiksa:") : out.index("laporan:")]
    assert f"(ID {ids[1]})" in attention and f"(ID {ids[6]})" in attention  # a rejected one
    assert "tidak ditagih: " in attention and f"(ID {ids[3]})" in attention
    assert "NIK tidak dikenal" in attention and nik(0) not in result.output
    assert len(attention.strip().splitlines()) == 6  # the heading and five lines, not the OK one


def test_a_month_before_anyone_was_registered_expects_nobody(runtime, client) -> None:  # type: ignore[no-untyped-def]
    from prens.reports.bpjs import members_for

    ids = enrol(runtime, client)
    tick(runtime, ids[0], "Nomor Kepesertaan BPJS", "25000000001")
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    now = datetime.now(runtime.settings.timezone)
    assert nik(0) in members_for(
        runtime.ledger, runtime.verification(), runtime.settings, f"{now:%Y-%m}"
    )
    last_year = f"{now.year - 1}-{now.month:02d}"
    assert members_for(runtime.ledger, runtime.verification(), runtime.settings, last_year) == {}


def test_a_wrong_month_is_said(config_path: Path, tmp_path: Path) -> None:
    bill = tmp_path / "t.csv"
    bill.write_text("NIK,Iuran\n6311064507900001,16800\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "bpjs", "check-bill", str(bill), "--month", "03-2025"]
    )
    assert result.exit_code != 0 and "TTTT-BB" in result.output
