"""The BPJS round trip end to end: the enrolment file out, membership numbers in (report, apply,
apply again), on the local sheet through the real command line and on Google against the fake
(one write request for the whole file)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from prens.cli import main
from prens.intake.bpjs_files import import_lines
from prens.rules.bpjs import numbers_in as n
from sheets_bridge.membership import apply_import, current_numbers, import_plan
from tests.bpjs_helpers import NAMES, UNMASKED, csv_bytes, enrol, nik, on_google, xlsx
from tests.lifecycle_helpers import status, tick

pytestmark = pytest.mark.both_databases

NUMBER = "Nomor Kepesertaan BPJS"


def result_rows(ids: list[str]) -> list[list[object]]:
    """The branch's result file: numbers for some, a 9-digit number, an unknown NIK, a conflict,
    a name mismatch, a NIK not yet eligible, a NIK stored as a number, a NIK twice."""
    return [
        ["No", "NIK", "Nama", "Tgl. Lahir", "No. Kepesertaan"],
        [1, nik(0), "ANI", "05-07-1990", "25000000001"],  # set
        [2, nik(1), "budi", "05/07/1990", "2500 0000 002"],  # set (spaces removed)
        [3, nik(2), "CITRA", "05-07-1990", "123456789"],  # 9 digits
        [4, "6311069999990001", "ORANG LAIN", "", "25000000004"],  # unknown NIK
        [5, nik(3), "DEDI", "05-07-1990", "25000000099"],  # conflict (has 25000000005)
        [6, nik(4), "SITI AMINAH", "05-07-1990", "25000000006"],  # name mismatch
        [7, nik(6), "GITA", "05-07-1990", "25000000007"],  # TERVERIFIKASI: not eligible
        [8, 6.3110645079e15, "EKA", "05-07-1990", "25000000008"],  # NIK stored as a number
        [9, nik(5), "FAJAR", "05-07-1990", "25000000009"],  # twice
        [10, nik(5), "FAJAR", "05-07-1990", "25000000010"],
    ]


def codes(outcomes: list[n.Outcome]) -> dict[int, str]:
    return {o.line.row: o.code for o in outcomes}


EXPECTED = {
    2: n.SET,
    3: n.SET,
    4: n.INVALID_NUMBER,
    5: n.UNKNOWN_NIK,
    6: n.CONFLICT,
    7: n.NAME_MISMATCH,
    8: n.NOT_ELIGIBLE,
    9: n.NIK_NUMBER,
    10: n.NIK_TWICE,
    11: n.NIK_TWICE,
}


def messages(runtime) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((m.registration_id, m.event) for m in runtime.outbox().messages())


def test_the_round_trip_on_the_local_sheet_through_the_command_line(
    runtime, client, config_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = enrol(runtime, client)
    tick(runtime, ids[3], NUMBER, "25000000005")  # a verifier typed Dedi's number already
    run = CliRunner().invoke

    exported = tmp_path / "pendaftaran.xlsx"
    result = run(main, ["--config", str(config_path), "bpjs", "export", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(exported).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("NIK", "Nama", "Tanggal Lahir")
    # Exactly the BERKAS LENGKAP ones (Dedi is still BERKAS LENGKAP in the ledger: the sync that
    # would see his number has not run), NIK as text, dates as configured.
    assert sorted(r[0] for r in rows[1:]) == sorted(nik(i) for i in range(6))
    assert all(r[2] == "05-07-1990" for r in rows[1:])
    assert sheet["A2"].data_type == "s" and sheet["A2"].number_format == "@"

    # The sync sees Dedi's number: he is TERDAFTAR, and told once.
    runtime.sheets  # noqa: B018
    from jobs.sync import sync

    sync(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    )
    before_messages = messages(runtime)
    assert (ids[3], "TERDAFTAR") in before_messages

    result_file = tmp_path / "hasil-bpjs.xlsx"
    result_file.write_bytes(xlsx(result_rows(ids), title_rows=2))
    report = tmp_path / "laporan.xlsx"
    dry = run(
        main,
        ["--config", str(config_path), "bpjs", "import", str(result_file), "--report", str(report)],
    )
    assert dry.exit_code == 0, dry.output
    assert "Akan diisi" in dry.output and "--apply" in dry.output
    assert nik(0) not in dry.output  # NIKs masked on the terminal; full in the report
    assert "berupa angka" in dry.output and not UNMASKED.search(dry.output)  # row 9's too
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""  # nothing changed
    got = {
        r[0]: r[3]
        for r in load_workbook(report)["Hasil Impor"].iter_rows(min_row=2, values_only=True)
    }
    # Rows as the officer sees them in the file: below the two title rows.
    assert got == {row + 2: n.OUTCOMES[code] for row, code in EXPECTED.items()}

    nowhere = str(tmp_path / "no-such-folder" / "laporan.xlsx")
    refused = run(
        main,
        ["--config", str(config_path), "bpjs", "import", str(result_file), "--apply"]
        + ["--report", nowhere],
    )
    assert refused.exit_code == 1 and "folder laporan tidak ada" in refused.output, refused.output
    assert current_numbers(runtime.sheets, runtime.settings)[ids[0]] == ""  # nothing changed

    applied = run(
        main, ["--config", str(config_path), "bpjs", "import", str(result_file), "--apply"]
    )
    assert applied.exit_code == 0, applied.output
    assert "2 pendaftaran berubah" in applied.output
    assert "Menyinkronkan" in applied.stderr  # the wait for the sync is said, not silent
    numbers = current_numbers(runtime.sheets, runtime.settings)
    assert numbers[ids[0]] == "25000000001" and numbers[ids[1]] == "25000000002"
    assert numbers[ids[2]] == "" and numbers[ids[4]] == "" and numbers[ids[3]] == "25000000005"
    assert status(runtime, ids[0])[0] == "TERDAFTAR" and status(runtime, ids[1])[0] == "TERDAFTAR"
    assert status(runtime, ids[2])[0] == "BERKAS LENGKAP"
    after = messages(runtime)
    assert set(after) - set(before_messages) == {(ids[0], "TERDAFTAR"), (ids[1], "TERDAFTAR")}
    assert len(after) == len(set(after))  # one message each
    history = runtime.verification().history(ids[0])
    assert any(e.kind == "bpjs_import" and e.detail["file"] == "hasil-bpjs.xlsx" for e in history)

    again = run(main, ["--config", str(config_path), "bpjs", "import", str(result_file), "--apply"])
    assert again.exit_code == 0, again.output
    assert "Sudah terisi nomor yang sama" in again.output
    assert messages(runtime) == after
    assert current_numbers(runtime.sheets, runtime.settings) == numbers


def test_personal_numbers_in_the_wrong_column_stay_hidden_on_the_terminal(
    runtime, client, config_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The branch typed a NIK, a phone number, a NIK in the name into the file: the report's
    notes on the terminal hide them as the NIK column is masked (the XLSX report keeps them)."""
    enrol(runtime, client)
    rows = [
        ["NIK", "Nama", "KPJ"],
        [nik(0), "ANI", nik(0)],
        [nik(1), "BUDI", "0812-3456-7890"],
        [nik(2), f"DEWI {nik(2)}", "25000000003"],
    ]
    result_file = tmp_path / "hasil-bpjs.xlsx"
    result_file.write_bytes(xlsx(rows))
    dry = CliRunner().invoke(
        main, ["--config", str(config_path), "bpjs", "import", str(result_file)]
    )
    assert dry.exit_code == 0, dry.output
    assert "tidak sesuai format" in dry.output and "nama di berkas" in dry.output, dry.output
    assert not UNMASKED.search(dry.output) and "3456" not in dry.output, dry.output


def test_accepting_a_name_mismatch_sets_it(runtime, client) -> None:  # type: ignore[no-untyped-def]
    ids = enrol(runtime, client)
    lines = import_lines(xlsx(result_rows(ids)), runtime.settings)
    outcomes = import_plan(runtime.ledger, runtime.sheets, runtime.settings, lines, True)
    by_row = codes(outcomes)
    assert by_row[7] == n.SET
    assert "diterima" in next(o.detail for o in outcomes if o.line.row == 7)


def test_the_apply_is_one_write_request_on_google(runtime, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    google, fake = on_google(runtime, tmp_path)
    ids = enrol(google, client)
    lines = import_lines(xlsx(result_rows(ids), extra_sheet=True), google.settings)
    writes = fake.counts["write"]
    outcomes = apply_import(
        google.ledger,
        google.sheets,
        google.settings,
        google.verification(),
        lines,
        False,
        "petugas",
        "hasil.xlsx",
        datetime.now(UTC),
    )
    assert fake.counts["write"] - writes == 1
    assert codes(outcomes)[2] == n.SET and codes(outcomes)[4] == n.INVALID_NUMBER
    numbers = current_numbers(google.sheets, google.settings)
    assert numbers[ids[0]] == "25000000001" and numbers[ids[1]] == "25000000002"
    from jobs.sync import sync

    sync(
        google.ledger, google.sheets, google.settings, google.verification(), outbox=google.outbox()
    )
    assert google.ledger.get(ids[0]).state == "TERDAFTAR"
    # Again: nothing to write, no write request.
    writes = fake.counts["write"]
    again = apply_import(
        google.ledger,
        google.sheets,
        google.settings,
        google.verification(),
        lines,
        False,
        "petugas",
        "hasil.xlsx",
        datetime.now(UTC),
    )
    assert fake.counts["write"] == writes
    assert codes(again)[2] == n.SAME


def test_names_in_the_file_are_the_people(runtime, client) -> None:  # type: ignore[no-untyped-def]
    assert len(NAMES) == 7


def test_file_text_reaches_the_terminal_without_escape_sequences(config_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Header cells, numbers and the file's name were printed as they were: a cell could clear
    # the officer's screen, retitle the window or hide a line.
    controls = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
    headers = ["Nama\x1b[2J", "\x1b]0;judul\x07Alamat", "Kota\x9b31m", "Desa\x1bc"]
    name = tmp_path / "hasil\x1b[31m.csv"
    filler = [[f"a{i}", "b", "c", "d"] for i in range(100)]  # a few controls among text: a CSV
    name.write_bytes(csv_bytes([headers, *filler]))
    refused = CliRunner().invoke(main, ["--config", str(config_path), "bpjs", "import", str(name)])
    assert refused.exit_code == 1
    assert "Ditemukan: Nama, Alamat, Kota, Desa." in refused.output, refused.output
    assert not controls.search(refused.output)
    rows = [["NIK", "KPJ"], [nik(0), "\x1b[2J2500\x1b]8;;x\x07"], ["6311069999990001", "1\x1b[A"]]
    name.write_bytes(csv_bytes(rows + [[f"catatan {i}" * 3] for i in range(100)]))
    read = CliRunner().invoke(main, ["--config", str(config_path), "bpjs", "import", str(name)])
    assert read.exit_code == 0, read.output
    assert "baris 2" in read.output and not controls.search(read.output)
