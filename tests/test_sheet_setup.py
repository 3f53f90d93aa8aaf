"""`prens sheet setup` on both backends: the layout it makes, and a second run changing nothing."""

from __future__ import annotations

import copy
from pathlib import Path

from prens.config import Settings
from sheets_bridge.setup import PROTECTION_MARK, worksheet_layouts
from tests.google_fixtures import SERVICE_ACCOUNT, SPREADSHEET, google_on_fake


def snapshot(fake, key: str) -> list:  # type: ignore[no-untyped-def]
    return [
        copy.deepcopy(
            (
                s.title,
                s.rows,
                s.cols,
                s.frozen_rows,
                s.cells,
                s.validations,
                s.formats,
                s.widths,
                s.protected,
            )
        )
        for s in fake.spreadsheets[key].sheets
    ]


def test_google_setup_makes_the_layout_and_is_idempotent(
    settings: Settings, tmp_path: Path
) -> None:
    sheets, fake = google_on_fake(tmp_path)
    layouts = worksheet_layouts(settings)
    for layout in layouts:
        sheets.apply_layout(layout)
    first = snapshot(fake, SPREADSHEET)
    for layout in layouts:
        sheets.apply_layout(layout)
    assert snapshot(fake, SPREADSHEET) == first

    book = fake.spreadsheets[SPREADSHEET]
    pendaftar = book.sheet("Pendaftar")
    header = [pendaftar.cells[(0, c)].value for c in range(len(layouts[0].headers))]
    assert pendaftar.frozen_rows == 1
    for name in ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima"):
        c = header.index(name)
        assert pendaftar.validations[(1, c)]["condition"] == {"type": "BOOLEAN"}
        assert (0, c) not in pendaftar.validations  # not on the header
    for name in ("NIK", "Nomor KK", "Nomor HP", "Nomor Kepesertaan BPJS"):
        assert pendaftar.formats[(5, header.index(name))] == {"numberFormat": {"type": "TEXT"}}
    protected = [p for p in pendaftar.protected if p["description"].startswith(PROTECTION_MARK)]
    spans = sorted(
        (p["range"]["startColumnIndex"], p["range"]["endColumnIndex"]) for p in protected
    )
    # The system columns, and the verifier columns after them (the end of a membership).
    assert spans == [
        (0, header.index("Verifikasi Dinas")),
        (header.index("Status"), header.index("Alasan Berhenti")),
    ]
    assert header[-2:] == ["Alasan Berhenti", "Tanggal Berhenti"]
    reasons = pendaftar.validations[(1, header.index("Alasan Berhenti"))]["condition"]
    assert reasons["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in reasons["values"]] == list(
        settings.membership.end_reasons
    )
    assert all(
        p["editors"] == {"users": [SERVICE_ACCOUNT]} and not p["warningOnly"] for p in protected
    )
    verifier = [header.index(v.header) for v in settings.verifier_columns]
    assert all(not (s <= c < e) for c in verifier for s, e in spans)  # verifiers can edit theirs
    assert pendaftar.widths[header.index("Alamat")] > pendaftar.widths[header.index("NIK")]
    perbaikan = book.sheet("Perlu Perbaikan")
    assert [
        (p["range"]["startColumnIndex"], p["range"]["endColumnIndex"]) for p in perbaikan.protected
    ] == [(0, len(layouts[1].headers))]


def test_google_setup_repairs_a_removed_protection(settings: Settings, tmp_path: Path) -> None:
    sheets, fake = google_on_fake(tmp_path)
    layouts = worksheet_layouts(settings)
    for layout in layouts:
        sheets.apply_layout(layout)
    pendaftar = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
    removed = pendaftar.protected.pop()
    sheets.metadata(refresh=True)
    sheets.apply_layout(layouts[0])
    pendaftar = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")  # batchUpdate swaps the model
    spans = [
        (p["range"]["startColumnIndex"], p["range"]["endColumnIndex"]) for p in pendaftar.protected
    ]
    assert (removed["range"]["startColumnIndex"], removed["range"]["endColumnIndex"]) in spans
    assert len(spans) == 2


def test_local_setup_records_the_same_layout(config_path: Path, runtime) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from prens.cli import main

    for _ in range(2):
        result = CliRunner().invoke(main, ["--config", str(config_path), "sheet", "setup"])
        assert result.exit_code == 0, result.output
    assert "Pendaftar: 23 kolom, 3 kotak centang, 5 teks, 16 dilindungi" in result.output
    recorded = runtime.sheets.layout_of("Pendaftar")
    made = worksheet_layouts(runtime.settings)[0]
    assert recorded == made.as_dict() | {  # as JSON keeps them: pairs as lists
        "protected_columns": [list(p) for p in made.protected_columns],
        "choice_columns": [list(c) for c in made.choice_columns],
    }
