"""The sheet backend contract, run against both backends: local (SQLite) and Google (the real
gspread and google-auth code against the Sheets API fake)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from prens.store.database import WRITE_CHUNK_ROWS, make_engine
from sheets_bridge.base import CellNotFound, LayoutError, SheetBackend, WorksheetNotFound
from sheets_bridge.local import READ_SLICE_ROWS, LocalSheets
from tests.google_fixtures import google_on_fake

HEADERS = ["ID Pendaftaran", "Nama Lengkap", "NIK", "Alamat", "Verifikasi Dinas"]
HOSTILE = [
    "=1+1",
    "+6281234567890",
    "-5",
    "@SUM(A1)",
    "6311064507900003",
    "0812345",
    '=HYPERLINK("http://x")',
    "TRUE",
    "1e5",
    "'quoted",
    "  spaced  ",
    "Ñoño Ju'ariah",
]


@pytest.fixture(params=["local", "google"])
def backend(request, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "local":
        engine = make_engine(f"sqlite:///{tmp_path / 'sheet.db'}")
        yield LocalSheets(engine)
        engine.dispose()
    else:
        sheets, _fake = google_on_fake(tmp_path)
        yield sheets


def test_ensure_worksheet_creates_then_checks(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS)
    backend.ensure_worksheet("Pendaftar", HEADERS)  # twice: nothing changes
    assert "Pendaftar" in backend.worksheet_names()
    assert backend.get_all_values("Pendaftar") == [HEADERS]
    with pytest.raises(LayoutError, match="expects"):
        backend.ensure_worksheet("Pendaftar", ["Lain", *HEADERS])


def test_append_and_read(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS)
    backend.append_rows(
        "Pendaftar",
        [
            ["BLG-A", "SITI", "6311064507900003", "RT 1", ""],
            ["BLG-B", "BUDI", "6311060507900004", "RT 2", ""],
        ],
    )
    backend.append_rows("Pendaftar", [["BLG-C", "AHMAD", "6311060507900005", "RT 3", ""]])
    assert backend.column_values("Pendaftar", "ID Pendaftaran") == ["BLG-A", "BLG-B", "BLG-C"]
    assert backend.column_values("Pendaftar", "NIK") == [
        "6311064507900003",
        "6311060507900004",
        "6311060507900005",
    ]
    rows = backend.get_all_values("Pendaftar")
    assert rows[0] == HEADERS and rows[3][:2] == ["BLG-C", "AHMAD"]


def test_hostile_values_come_back_as_typed(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS)
    backend.append_rows(
        "Pendaftar", [[f"BLG-{i}", "X", value, value, ""] for i, value in enumerate(HOSTILE)]
    )
    assert backend.column_values("Pendaftar", "Alamat") == HOSTILE
    assert backend.column_values("Pendaftar", "NIK") == HOSTILE


def test_read_columns_gives_the_named_columns_of_every_row(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS)
    backend.append_rows(
        "Pendaftar",
        [[f"BLG-{i}", "X", value, value, ""] for i, value in enumerate(HOSTILE)]
        + [["BLG-short", "Y"]],  # a row shorter than the header: its other cells are empty
    )
    columns = backend.read_columns("Pendaftar", ["Alamat", "ID Pendaftaran", "Verifikasi Dinas"])
    assert columns == {
        "Alamat": [*HOSTILE, ""],
        "ID Pendaftaran": [*(f"BLG-{i}" for i in range(len(HOSTILE))), "BLG-short"],
        "Verifikasi Dinas": [""] * (len(HOSTILE) + 1),
    }
    with pytest.raises(CellNotFound, match="tidak punya kolom 'Tidak Ada'"):
        backend.read_columns("Pendaftar", ["NIK", "Tidak Ada"])
    with pytest.raises(WorksheetNotFound):
        backend.read_columns("Tidak Ada", ["NIK"])


def test_update_by_key_finds_the_row(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS)
    backend.append_rows(
        "Pendaftar", [["BLG-A", "SITI", "1", "", ""], ["BLG-B", "BUDI", "2", "", ""]]
    )
    backend.update_by_key("Pendaftar", "ID Pendaftaran", "BLG-B", "Verifikasi Dinas", "TRUE")
    assert backend.column_values("Pendaftar", "Verifikasi Dinas")[1] in ("TRUE", "True")
    with pytest.raises(CellNotFound, match="tidak punya baris"):
        backend.update_by_key("Pendaftar", "ID Pendaftaran", "BLG-Z", "Verifikasi Dinas", "TRUE")
    with pytest.raises(CellNotFound, match="tidak punya kolom"):
        backend.update_by_key("Pendaftar", "ID Pendaftaran", "BLG-A", "Tidak Ada", "x")


def test_unknown_worksheet(backend: SheetBackend) -> None:
    with pytest.raises(WorksheetNotFound):
        backend.get_all_values("Tidak Ada")
    with pytest.raises(WorksheetNotFound):
        backend.append_rows("Tidak Ada", [["x"]])


def test_setup_twice_gives_the_same_worksheet(backend: SheetBackend, settings) -> None:  # type: ignore[no-untyped-def]
    from sheets_bridge.setup import worksheet_layouts

    layouts = worksheet_layouts(settings)
    for _ in range(2):
        for layout in layouts:
            backend.apply_layout(layout)
    for layout in layouts:
        assert backend.get_all_values(layout.name) == [layout.headers]  # what export prints
    assert [lay.name for lay in layouts] == [
        n for n in backend.worksheet_names() if n in {lay.name for lay in layouts}
    ]


def test_setup_repairs_a_worksheet_made_by_an_older_version(backend: SheetBackend) -> None:
    backend.ensure_worksheet("Pendaftar", HEADERS[:3])
    backend.append_rows("Pendaftar", [["BLG-A", "SITI", "6311064507900003"]])
    backend.ensure_worksheet("Pendaftar", HEADERS)  # new columns at the end: headers added
    rows = backend.get_all_values("Pendaftar")
    assert rows[0] == HEADERS and rows[1][:3] == ["BLG-A", "SITI", "6311064507900003"]


def test_a_long_append_comes_back_whole_and_in_order(backend: SheetBackend) -> None:
    """The local sheet writes long appends in short transactions (WRITE_CHUNK_ROWS rows each,
    so the intake never waits long for the write lock); what comes back is the same."""
    backend.ensure_worksheet("Pendaftar", HEADERS)
    count = 2 * WRITE_CHUNK_ROWS + 37
    backend.append_rows("Pendaftar", [[f"BLG-{i:04d}", "A", "", "", ""] for i in range(count)])
    backend.append_rows("Pendaftar", [["BLG-LAST", "B", "", "", ""]])
    ids = backend.column_values("Pendaftar", "ID Pendaftaran")
    assert ids == [f"BLG-{i:04d}" for i in range(count)] + ["BLG-LAST"]


def test_the_local_sheet_appends_in_short_transactions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sheet.db'}")
    sheets = LocalSheets(engine)
    sheets.ensure_worksheet("Pendaftar", HEADERS)
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    sheets.append_rows("Pendaftar", [[f"BLG-{i}", "", "", "", ""] for i in range(250)])
    assert len(commits) == -(-250 // WRITE_CHUNK_ROWS)
    engine.dispose()


def local_sheet(tmp_path: Path, rows: int) -> tuple[Engine, LocalSheets]:
    """A local "Pendaftar" of `rows` rows, BLG-0 onwards."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sheet.db'}")
    sheets = LocalSheets(engine)
    sheets.ensure_worksheet("Pendaftar", HEADERS)
    sheets.append_rows("Pendaftar", [[f"BLG-{i}", "", "", "", ""] for i in range(rows)])
    return engine, sheets


def test_the_local_sheet_writes_cells_back_in_short_transactions(tmp_path: Path) -> None:
    """The sync writes Status back to every row it moved: in transactions of WRITE_CHUNK_ROWS
    rows (one transaction for all held the intake up), every row written, the others intact."""
    count = 2 * WRITE_CHUNK_ROWS + 3
    engine, sheets = local_sheet(tmp_path, count + 5)
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    sheets.update_rows_by_key(
        "Pendaftar", "ID Pendaftaran", {f"BLG-{i}": {HEADERS[1]: f"x{i}"} for i in range(count)}
    )
    assert len(commits) == -(-count // WRITE_CHUNK_ROWS)
    values = sheets.column_values("Pendaftar", HEADERS[1])
    assert values == [f"x{i}" for i in range(count)] + [""] * 5
    engine.dispose()


def test_only_derived_cells_are_written_without_waiting_for_the_disk(tmp_path: Path) -> None:
    """Status and the like (the next sync writes them again) commit without a sync of the disk
    (SQLite's NORMAL); a verifier's or an import's cells wait for it (FULL)."""
    engine, sheets = local_sheet(tmp_path, 30)
    levels: list[int] = []
    event.listen(
        engine,
        "commit",
        lambda conn: levels.append(conn.exec_driver_sql("PRAGMA synchronous").scalar()),
    )
    rows = {f"BLG-{i}": {HEADERS[1]: "x"} for i in range(30)}
    sheets.update_rows_by_key("Pendaftar", "ID Pendaftaran", rows, derived=True)
    assert set(levels) == {1}  # NORMAL
    levels.clear()
    sheets.update_rows_by_key("Pendaftar", "ID Pendaftaran", rows)
    sheets.update_rows_by_key("Pendaftar", "ID Pendaftaran", rows, all_or_nothing=True)
    sheets.update_by_key("Pendaftar", "ID Pendaftaran", "BLG-1", HEADERS[4], "TRUE")
    assert levels and set(levels) == {2}  # FULL
    engine.dispose()


def test_an_all_or_nothing_write_larger_than_a_read_slice_writes_every_row(tmp_path: Path) -> None:
    """One transaction, its rows read in slices (a statement's parameters are limited)."""
    count = 2 * READ_SLICE_ROWS + 3
    engine, sheets = local_sheet(tmp_path, count + 2)
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    rows = {f"BLG-{i}": {HEADERS[1]: f"x{i}"} for i in range(count)}
    sheets.update_rows_by_key("Pendaftar", "ID Pendaftaran", rows, all_or_nothing=True)
    assert len(commits) == 1
    assert sheets.column_values("Pendaftar", HEADERS[1]) == [f"x{i}" for i in range(count)] + [
        "",
        "",
    ]
    engine.dispose()


def test_a_nul_in_a_cell_is_dropped_on_the_deployment_database(runtime) -> None:  # type: ignore[no-untyped-def]
    # The local sheet on the run's database (PostgreSQL in its run): PostgreSQL cannot read a
    # NUL back out of a row's JSON, so one typed into a cell made every later read fail.
    sheets = runtime.sheets
    sheets.ensure_worksheet("Uji", HEADERS)
    sheets.append_rows("Uji", [["BLG-A", "SI\x00TI", "1", "", ""]])
    sheets.update_by_key("Uji", "ID Pendaftaran", "BLG-A", "Verifikasi Dinas", "ya\x00")
    columns = sheets.read_columns("Uji", ["Nama Lengkap", "Verifikasi Dinas"])
    assert columns == {"Nama Lengkap": ["SITI"], "Verifikasi Dinas": ["ya"]}
