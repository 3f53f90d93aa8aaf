"""Every file the project offers, opened by a real spreadsheet program (LibreOffice headless):
no cell a citizen typed becomes a formula, whatever separator a CSV is read with; identifiers
keep every digit in the files for people (XLSX); names keep their letters."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from jobs.flush import flush
from jobs.sync import sync
from prens.cli import main
from prens.reports.exports import neutralise
from prens.store.schema import registrations
from tests.conftest import post
from tests.lifecycle_helpers import tick
from tests.office import cells, need_soffice, open_in_calc
from tests.test_webhook import body

# What citizens typed, each hostile to a spreadsheet in its own way.
HOSTILE = [
    {"nama": "Siti Ñurhaliza", "alamat": "RT 01;=1+1;", "pekerjaan": "Petani"},
    {"nama": "Gusti Ayu Åsih", "alamat": '=HYPERLINK("http://x.invalid","klik")'},
    {"nama": "Aluh", "alamat": "Jl. A,+1+1,\t-2+3", "pekerjaan": "@SUM(1)"},
    {"nama": "Rusmini", "alamat": 'RT 02 " ; @A1', "pekerjaan": "Nelayan"},
]


def _registered(runtime, client) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The hostile people, verified (so in the final list): [(id, nik)]."""
    people = []
    for n, changes in enumerate(HOSTILE, start=1):
        nik = f"63110645079000{n:02d}"
        reply = post(client, body(runtime.settings, rid=f"o{n}", nik=nik, **changes)).get_json()
        assert reply["status"] == "accepted", reply
        people.append((reply["id"], nik))
    flush(runtime.ledger, runtime.sheets, runtime.settings)
    for reg, _ in people:
        for column in ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima"):
            tick(runtime, reg, column)
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    # A control character stored before intake removed them: every writer must still cope.
    first = runtime.ledger.get(people[0][0])
    person = {**first.person, "alamat": "RT 01\x01 Paringin\x1b"}
    with runtime.ledger.engine.begin() as conn:
        conn.execute(
            update(registrations)
            .where(registrations.c.id == first.id)
            .values(person=json.dumps(person))
        )
    return people


def _officer(config_path: Path) -> dict[str, str]:
    added = CliRunner().invoke(main, ["--config", str(config_path), "officer", "add", "Rahmat"])
    assert added.exit_code == 0, added.output
    token = added.output.strip().rsplit(" ", 1)[1]
    return {"Authorization": "Basic " + base64.b64encode(f"Rahmat:{token}".encode()).decode()}


@pytest.fixture
def offered(runtime, client, config_path, tmp_path):  # type: ignore[no-untyped-def]
    """Every file offered to the Dinas, written by the app and by the commands."""
    people = _registered(runtime, client)
    auth = _officer(config_path)
    files: dict[str, Path] = {}
    for route in ("daftar-final.xlsx", "daftar-final.csv", "berita-acara.xlsx"):
        reply = client.get(f"/dinas/{route}", headers=auth)
        assert reply.status_code == 200, route
        files[f"web-{route}"] = tmp_path / f"web-{route}"
        files[f"web-{route}"].write_bytes(reply.data)
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"cli-final.{fmt}"
        args = ["--config", str(config_path), "export", "final", "--format", fmt, "-o", str(path)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        files[path.name] = path
    files.update(_bpjs_files(client, auth, config_path, tmp_path, people))
    exported = CliRunner().invoke(
        main, ["--config", str(config_path), "sheet", "export", "Pendaftar"]
    )
    assert exported.exit_code == 0, exported.output
    files["sheet-export.csv"] = tmp_path / "sheet-export.csv"
    files["sheet-export.csv"].write_text(exported.output, encoding="utf-8")
    return people, files


def _bpjs_files(client, auth, config_path, tmp_path, people) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """The BPJS round trip's files: the enrolment file (web and command line), the import's
    report and the bill's check."""
    from tests.bpjs_helpers import xlsx

    files = {"web-bpjs-ekspor.xlsx": tmp_path / "web-bpjs-ekspor.xlsx"}
    reply = client.get("/dinas/bpjs/ekspor.xlsx", headers=auth)
    assert reply.status_code == 200
    files["web-bpjs-ekspor.xlsx"].write_bytes(reply.data)
    config = ["--config", str(config_path), "bpjs"]
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"cli-bpjs-ekspor.{fmt}"
        result = CliRunner().invoke(main, [*config, "export", "--format", fmt, "-o", str(path)])
        assert result.exit_code == 0, result.output
        files[path.name] = path
    result_file = tmp_path / "hasil.xlsx"
    result_file.write_bytes(xlsx([["NIK", "KPJ"], *([nik, "25000000001"] for _, nik in people)]))
    report = tmp_path / "bpjs-laporan-impor.xlsx"
    ran = CliRunner().invoke(main, [*config, "import", str(result_file), "--report", str(report)])
    assert ran.exit_code == 0, ran.output
    bill = tmp_path / "bpjs-pemeriksaan-tagihan.xlsx"
    billed = tmp_path / "tagihan.xlsx"
    billed.write_bytes(xlsx([["NIK", "Iuran"], *([nik, 16800] for _, nik in people)]))
    ran = CliRunner().invoke(
        main,
        [*config, "check-bill", str(billed), "--month", "2026-01", "--report", str(bill)],
    )
    assert ran.exit_code == 0, ran.output
    return {**files, report.name: report, bill.name: bill}


def test_the_enrolment_file_keeps_every_digit_and_letter(offered, runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_soffice()
    people, files = offered
    opened = open_in_calc(
        [files["web-bpjs-ekspor.xlsx"], files["cli-bpjs-ekspor.xlsx"]], tmp_path / "bpjs"
    )
    phones = {"0" + runtime.ledger.get(reg).person["telepon"][3:] for reg, _ in people}
    for path in opened:
        strings = {value for _sheet, _c, value, kind in cells(path) if kind == "s"}
        assert {nik for _, nik in people} <= strings, path.name
        assert phones <= strings and "05-07-1990" in strings
        assert {"SITI ÑURHALIZA", "GUSTI AYU ÅSIH"} <= strings
        assert {reg for reg, _ in people} <= strings


def test_no_formula_in_any_file_under_any_separator(offered, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_soffice()
    _people, files = offered
    xlsx = [p for p in files.values() if p.suffix == ".xlsx"]
    csvs = [p for p in files.values() if p.suffix == ".csv"]
    opened = open_in_calc(xlsx, tmp_path / "xlsx")
    for name, sep in (("comma", ","), ("semicolon", ";"), ("tab", "\t")):
        opened += open_in_calc(csvs, tmp_path / name, separator=sep)
    formulas = [(path.name, *cell) for path in opened for cell in cells(path) if cell[3] == "f"]
    assert formulas == []


def test_the_check_sees_a_formula_when_one_is_there(tmp_path) -> None:
    """The check above can fail: the same cells, not neutralised, are formulas once opened."""
    need_soffice()
    raw = tmp_path / "raw.csv"
    raw.write_text('nama,alamat\nSiti,"RT 01;=1+1;"\n', encoding="utf-8")
    safe = tmp_path / "safe.csv"
    safe.write_text(f'nama,alamat\nSiti,"{neutralise("RT 01;=1+1;")}"\n', encoding="utf-8")
    (raw_x, safe_x) = open_in_calc([raw, safe], tmp_path / "semi", separator=";")
    assert [c for c in cells(raw_x) if c[3] == "f"] != []
    assert [c for c in cells(safe_x) if c[3] == "f"] == []


def test_files_for_people_keep_every_digit_and_letter(offered, runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    need_soffice()
    people, files = offered
    for_people = [files["web-daftar-final.xlsx"], files["cli-final.xlsx"]]
    opened = open_in_calc(for_people, tmp_path / "people")  # as an office opens and saves them
    phones = {"0" + runtime.ledger.get(reg).person["telepon"][3:] for reg, _ in people}
    for path in opened:
        found = cells(path)
        strings = {value for sheet, _, value, kind in found if kind == "s"}
        assert {nik for _, nik in people} <= strings, path.name  # 16 digits, as text
        assert "6311060101150002" in strings  # the KK
        assert phones <= strings  # the leading zero kept
        assert {"SITI ÑURHALIZA", "GUSTI AYU ÅSIH"} <= strings
        numbers = [v for sheet, c, v, kind in found if sheet == "Daftar Final" and c[0] == "A"]
        assert numbers[1:] == list(range(1, len(people) + 1))  # No. is a number


def test_xlsx_identifier_cells_are_text_in_the_cell_itself(offered) -> None:  # type: ignore[no-untyped-def]
    """Excel keeps a cell's own format when a number is retyped into it: the column's is not
    enough. Dates are date cells, so sorting by date of birth works."""
    import datetime as dt

    import openpyxl

    _people, files = offered
    ws = openpyxl.load_workbook(files["web-daftar-final.xlsx"])["Daftar Final"]
    header = [c.value for c in ws[1]]
    for title in ("NIK", "Nomor KK", "Nomor HP", "Nomor Kepesertaan BPJS"):
        column = header.index(next(h for h in header if h and h.startswith(title)))
        for row in ws.iter_rows(min_row=2):
            cell = row[column]
            assert cell.number_format == "@" and isinstance(cell.value, str | None), title
    born = header.index("Tanggal Lahir")
    assert all(isinstance(r[born].value, dt.datetime) for r in ws.iter_rows(min_row=2))
    assert all(isinstance(r[0].value, int) for r in ws.iter_rows(min_row=2))


@pytest.mark.parametrize(
    ("typed", "safe"),
    [
        ("RT 01;=1+1;", "RT 01;'=1+1;"),
        ("=1+1", "'=1+1"),
        (" =1+1", "' =1+1"),
        ("a,b\t-3", "a,b\t'-3"),
        ('x"@A1', "x\"'@A1"),
        ("Jl. Merdeka No. 5", "Jl. Merdeka No. 5"),
        ("RT 01 - RW 02", "RT 01 - RW 02"),
    ],
)
def test_neutralise_every_part_a_reader_may_split(typed: str, safe: str) -> None:
    assert neutralise(typed) == safe
