"""Verifiers sort the sheet: a write by registration id lands on that registration's row wherever
it has moved (developer metadata), even when the sort comes in the middle of our requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prens.config import Settings
from sheets_bridge.setup import worksheet_layouts
from sheets_bridge.verifier import set_verifier_cell
from tests.google_fixtures import SPREADSHEET, google_on_fake

ID, NAME = "ID Pendaftaran", "Nama Lengkap"


@pytest.fixture
def google(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    sheets, fake = google_on_fake(tmp_path)
    layout = worksheet_layouts(settings)[0]
    sheets.apply_layout(layout)
    name = layout.headers.index(NAME)
    rows = [[f"BLG-{c}{c}{c}"] + [""] * (len(layout.headers) - 1) for c in "ABCDEF"]
    for row, c in zip(rows, "ABCDEF", strict=True):
        row[name] = f"ORANG {c}"
    sheets.append_rows("Pendaftar", rows)
    return sheets, fake, layout.headers


def row_of(fake, headers: list[str], key: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
    for r in range(1, sheet.last_row()):
        if sheet.cells[(r, 0)].value == key:
            return {
                h: (sheet.cells[(r, c)].value if (r, c) in sheet.cells else "")
                for c, h in enumerate(headers)
            }
    raise AssertionError(key)


def test_a_write_after_a_sort_finds_the_row(google, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    sheets, fake, headers = google
    set_verifier_cell(sheets, settings, "Pendaftar", "BLG-CCC", "Verifikasi Dinas", "ya")  # tags
    fake.sort_rows(SPREADSHEET, "Pendaftar", column=headers.index(NAME))  # by name, Z-A
    set_verifier_cell(sheets, settings, "Pendaftar", "BLG-CCC", "Berkas Diterima", "ya")
    set_verifier_cell(
        sheets, settings, "Pendaftar", "BLG-CCC", "Nomor Kepesertaan BPJS", "25012345678"
    )
    row = row_of(fake, headers, "BLG-CCC")
    assert (row[NAME], row["Verifikasi Dinas"], row["Berkas Diterima"]) == ("ORANG C", True, True)
    assert row["Nomor Kepesertaan BPJS"] == "25012345678"
    for other in "ABDEF":
        assert row_of(fake, headers, f"BLG-{other * 3}")["Berkas Diterima"] == ""


def test_a_sort_while_tagging_is_caught_and_the_write_still_lands_right(google, settings) -> None:  # type: ignore[no-untyped-def]
    sheets, fake, headers = google
    sorted_once = []

    def sort_before_tagging(request) -> None:  # type: ignore[no-untyped-def]
        # The verifier sorts after we read the IDs and before our tags reach the sheet.
        if not sorted_once and request.body and b"createDeveloperMetadata" in request.body:
            fake.sort_rows(SPREADSHEET, "Pendaftar", column=headers.index(NAME))
            sorted_once.append(True)

    fake.hooks.append(sort_before_tagging)
    set_verifier_cell(sheets, settings, "Pendaftar", "BLG-BBB", "Verifikasi BPJS", "ya")
    assert sorted_once
    ticked = [
        k for k in "ABCDEF" if row_of(fake, headers, f"BLG-{k * 3}")["Verifikasi BPJS"] is True
    ]
    assert ticked == ["B"]
    tags = {
        m["metadataValue"]: r
        for r, entries in fake.spreadsheets[SPREADSHEET].sheet("Pendaftar").row_metadata.items()
        for m in entries
    }
    sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
    assert list(tags) == ["BLG-BBB"] and sheet.cells[(tags["BLG-BBB"], 0)].value == "BLG-BBB"


def test_writes_never_become_formulas(google, settings) -> None:  # type: ignore[no-untyped-def]
    sheets, fake, headers = google
    set_verifier_cell(
        sheets, settings, "Pendaftar", "BLG-AAA", "Alasan Penolakan", '=IMPORTRANGE("x","A1")'
    )
    sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
    assert all(cell.formula is None for cell in sheet.cells.values())
    assert json.dumps(row_of(fake, headers, "BLG-AAA")["Alasan Penolakan"]).startswith('"=IMPORT')
