"""The compile job on both backends, and the final list as XLSX and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jobs.compile import compile_final
from jobs.sync import sync
from prens.cli import main
from prens.reports import final
from prens.reports.exports import write_csv, write_xlsx
from tests.lifecycle_helpers import tick

pytestmark = pytest.mark.both_databases

KEC = {0: ("Paringin", "Lasung Batu"), 1: ("Juai", "Muara Ninian"), 2: ("Paringin", "Balida")}


def verify(runtime, ids) -> None:  # type: ignore[no-untyped-def]
    for reg in ids:
        for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
            tick(runtime, reg, column)
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())


def test_compile_builds_the_final_list(verifying) -> None:  # type: ignore[no-untyped-def]
    runtime, fake, (a, b, c, d) = verifying
    verify(runtime, [a, b, c])
    tick(runtime, b, "Berkas Diterima")
    tick(runtime, b, "Nomor Kepesertaan BPJS", "25012345678")
    tick(runtime, c, "Alasan Penolakan", "Sudah menjadi peserta aktif")  # DITOLAK: not listed
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    report = compile_final(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert report.rows == 2
    rows = runtime.sheets.get_all_values("Daftar Final")
    head = rows[0]
    assert head == final.headers(runtime.settings)
    listed = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert [r["No."] for r in listed] == ["1", "2"]
    assert {r["ID Pendaftaran"] for r in listed} == {a, b}
    by_id = {r["ID Pendaftaran"]: r for r in listed}
    assert by_id[b]["Nomor Kepesertaan BPJS"] == "25012345678"
    assert by_id[b]["Status"] == "TERDAFTAR" and by_id[a]["Status"] == "TERVERIFIKASI"
    assert by_id[a]["NIK"] == "6311064507900001" and by_id[a]["Nomor HP"] == "081234567890"
    again = compile_final(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert again.rows == 2 and runtime.sheets.get_all_values("Daftar Final") == rows


def test_the_list_is_sorted_by_kecamatan_desa_and_name(settings) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from prens.rules.registration import Registration

    def reg(i: int, kec: str, desa: str, nama: str) -> Registration:
        return Registration(
            f"BLG-{i}",
            "k",
            datetime.now(UTC),
            datetime.now(UTC),
            "accepted",
            {"nama": nama, "kecamatan": kec, "desa": desa, "telepon": "+62812"},
            {},
            [],
            state="TERVERIFIKASI",
        )

    regs = [
        reg(1, "Paringin", "Lasung Batu", "ZAINAL"),
        reg(2, "Juai", "Bata", "BUDI"),
        reg(3, "Paringin", "Balida", "SITI"),
        reg(4, "Paringin", "Lasung Batu", "AHMAD"),
    ]
    table = final.rows(regs, {}, settings)
    assert [r[1] for r in table] == ["BLG-2", "BLG-3", "BLG-4", "BLG-1"]
    assert [r[0] for r in table] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("verifying", ["google"], indirect=True)
def test_a_reader_never_sees_a_half_written_list(verifying) -> None:  # type: ignore[no-untyped-def]
    runtime, fake, ids = verifying
    verify(runtime, ids[:2])
    compile_final(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    old = runtime.sheets.get_all_values("Daftar Final")
    verify(runtime, ids[2:])
    seen = []

    def reader(_request) -> None:  # type: ignore[no-untyped-def]
        book = fake.spreadsheets["1FakeSpreadsheetKeyForLindungiPrens"]
        visible = [s for s in book.sheets if s.title == "Daftar Final" and not s.hidden]
        if visible:
            s = visible[0]
            seen.append(sum(1 for r in range(s.last_row()) if (r, 0) in s.cells))

    fake.hooks.append(reader)
    compile_final(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    fake.hooks.clear()
    new = runtime.sheets.get_all_values("Daftar Final")
    assert len(old) == 3 and len(new) == 5
    assert set(seen) <= {len(old), len(new)}  # the old list, or the new one: never a mix
    names = [s.title for s in fake.spreadsheets["1FakeSpreadsheetKeyForLindungiPrens"].sheets]
    assert "Daftar Final (baru)" not in names


HOSTILE_ADDRESS = '=HYPERLINK("http://x","klik")'


def table_with_hostile_values(settings) -> list[list[str]]:  # type: ignore[no-untyped-def]
    head = final.headers(settings)
    row = {h: "" for h in head}
    row.update(
        {
            "No.": "1",
            "ID Pendaftaran": "BLG-AAAAAA",
            "Nama Lengkap": "SITI",
            "NIK": "6311064507900003",
            "Nomor KK": "6311060101150002",
            "Nomor HP": "081234567890",
            "Alamat": HOSTILE_ADDRESS,
            "Pekerjaan": "+62 Petani",
            "Kecamatan": "Paringin",
            "Status": "TERVERIFIKASI",
            "Nomor Kepesertaan BPJS": "05012345678",
        }
    )
    return [head, [row[h] for h in head]]


def test_xlsx_keeps_identifiers_as_text_and_never_a_formula(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = table_with_hostile_values(settings)
    path = tmp_path / "final.xlsx"
    summary = final.summary(table[1:], settings, months=12, target=100)
    with path.open("wb") as fh:
        write_xlsx(fh, table, final.text_columns(settings), summary)
    wb = openpyxl.load_workbook(path)
    ws = wb["Daftar Final"]
    head = [c.value for c in ws[1]]
    cell = {h: ws.cell(row=2, column=i + 1) for i, h in enumerate(head)}
    for name in ("NIK", "Nomor KK", "Nomor HP", "Nomor Kepesertaan BPJS"):
        assert cell[name].data_type == "s"  # a string cell: not rounded
        assert ws.column_dimensions[cell[name].column_letter].number_format == "@"
    assert cell["NIK"].value == "6311064507900003"
    assert cell["Nomor Kepesertaan BPJS"].value == "05012345678"  # leading zero kept
    assert cell["Alamat"].value == HOSTILE_ADDRESS and cell["Alamat"].data_type == "s"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].font.bold
    ringkasan = {r[0].value: r[1].value for r in wb["Ringkasan"].iter_rows() if r and r[0].value}
    assert ringkasan["Perkiraan anggaran (Rp)"] == 1 * 16800 * 12
    assert ringkasan["Cakupan"] == "1,0%"


def test_csv_has_a_bom_and_no_formula(settings) -> None:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    write_csv(out, table_with_hostile_values(settings))
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row)
    head = rows[0]
    assert rows[1][head.index("Alamat")] == "'" + HOSTILE_ADDRESS
    assert rows[1][head.index("NIK")] == "6311064507900003"


@pytest.mark.parametrize("verifying", ["local"], indirect=True)  # the command opens the config's
def test_export_command_writes_and_audits(verifying, config_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runtime, _fake, ids = verifying
    verify(runtime, ids)
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"daftar.{fmt}"
        result = CliRunner().invoke(
            main, ["--config", str(config_path), "export", "final", "--format", fmt, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "4 baris" in result.output and out.stat().st_size > 0
    table = final.final_list(runtime.ledger, runtime.verification(), runtime.settings)
    assert len(table) == 5
    from sqlalchemy import select

    from prens.store.schema import audit_log

    with runtime.engine.connect() as conn:
        exports = conn.execute(select(audit_log).where(audit_log.c.kind == "export")).all()
    assert len(exports) == 2 and all(e.actor.startswith("cli:") for e in exports)
    assert '"rows": 4' in exports[0].detail


def test_compile_of_an_empty_list_is_accepted_by_google(verifying) -> None:  # type: ignore[no-untyped-def]
    """Nobody verified yet: the list is its header alone, and Google refuses to freeze every row
    of a sheet (the nightly compile failed on a real sheet until the first verification)."""
    runtime, fake, _ids = verifying
    report = compile_final(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    assert report.rows == 0
    assert runtime.sheets.get_all_values("Daftar Final") == [final.headers(runtime.settings)]
    if fake is not None:
        assert fake.refused == []
