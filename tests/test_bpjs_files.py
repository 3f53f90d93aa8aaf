"""Reading the branch's files: the header row wherever it is, any worksheet, BOM, `;` and tab,
numbers stored as numbers, formulas (their values), dates; membership numbers, amounts and names
as the branch writes them; and anything else refused in words (fuzzed)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook

from prens.intake.bpjs_files import bill_lines, import_lines
from prens.intake.sandbox import read_in_process, read_tables
from prens.intake.tables import FileRefused
from prens.rules.bpjs.columns import (
    FileLayoutError,
    find_columns,
    header_key,
    read_amount,
    read_date,
    read_nik,
    read_number,
    same_name,
)
from tests.bpjs_helpers import csv_bytes, xlsx

NIK = "6311064507900001"


@pytest.mark.parametrize(
    ("value", "nik", "as_number"),
    [
        (NIK, NIK, False),
        ("'" + NIK, NIK, False),  # typed with an apostrophe to keep it text
        ("6311 0645 0790 0001", NIK, False),
        (6311064507900001, NIK, False),  # a number whose 16th digit survived
        (6311064507900000, "6311064507900000", True),  # may have lost its last digit
        (6.3110645079e15, "6311064507900000", True),
        ("6.3110645079E+15", "6.3110645079E+15", True),
        ("6311064507900001.0", NIK, True),
        ("", None, None),
        (None, None, None),
    ],
)
def test_nik_cells(value: object, nik: str | None, as_number: bool | None) -> None:
    cell = read_nik(value)
    if nik is None:
        assert cell is None
    else:
        assert cell is not None and (cell.nik, cell.as_number) == (nik, as_number)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("25000000001", "25000000001"),
        ("2500-0000-001", "25000000001"),
        (25000000001, "25000000001"),
        (25000000001.0, "25000000001"),
        ("'25000000001", "25000000001"),
        (None, ""),
    ],
)
def test_number_cells(value: object, number: str) -> None:
    assert read_number(value) == number


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (16800, 16800),
        (16800.0, 16800),
        ("Rp 16.800", 16800),
        ("16,800", 16800),
        ("16.800,00", 16800),
        ("16 800", 16800),
        ("1.234.567", 1234567),
        ("16800", 16800),
        ("abc", None),
        (None, None),
        # Not amounts: digits that are not ASCII, digits past any sane amount, mixed groups.
        ("\u00b2", None),
        ("\u0663\u0664", None),
        ("\uff11\uff16\uff18\uff10\uff10", None),
        ("9" * 5000, None),
        (10**15, None),
        (1e300, None),
        ("16.80", None),
        ("1.6800", None),
        ("16.800,800", None),
    ],
)
def test_amounts(value: object, amount: int | None) -> None:
    assert read_amount(value) == amount


def test_an_unreadable_amount_is_a_line_of_the_bill_not_a_failure(settings) -> None:  # type: ignore[no-untyped-def]
    # "\u00b2" passed str.isdigit() and failed int(): a 500 page, a CLI traceback.
    rows = [["NIK", "Iuran"], [NIK, "\u00b2"], [NIK, "9" * 5000], [NIK, "16.800"]]
    lines = bill_lines(csv_bytes(rows), settings)
    assert [line.amount for line in lines] == [None, None, 16800]


def test_dates_and_names_and_headers() -> None:
    assert read_date("05-07-1990") == read_date("05/07/1990") == read_date("1990-07-05")
    assert read_date(datetime(1990, 7, 5, 0, 0)) == date(1990, 7, 5)
    assert read_date("31-02-1990") is None
    assert same_name("Siti  Rahmah", "SITI RAHMAH") and same_name("Rahmah, Siti", "siti rahmah")
    assert not same_name("Siti Rahmah", "Siti Aminah")
    assert header_key(" No. Kepesertaan ") == header_key("NO KEPESERTAAN") == "nokepesertaan"


def test_missing_headers_list_what_was_found_and_expected() -> None:
    with pytest.raises(FileLayoutError) as found:
        find_columns([["Nama", "Alamat"]], {"nik": ["NIK"], "number": ["KPJ"]}, ["nik", "number"])
    assert "Diperlukan: NIK; KPJ" in str(found.value) and "Ditemukan: Nama, Alamat" in str(
        found.value
    )


def test_the_header_row_below_titles_on_a_later_worksheet(settings) -> None:  # type: ignore[no-untyped-def]
    data = xlsx([["NIK", "Nomor Kepesertaan"], [NIK, 25000000001]], title_rows=3, extra_sheet=True)
    (line,) = import_lines(data, settings)
    assert (line.row, line.nik.nik, line.number) == (5, NIK, "25000000001")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [True, False])
def test_csv_separators_and_bom(settings, delimiter: str, bom: bool) -> None:  # type: ignore[no-untyped-def]
    data = csv_bytes(
        [["nik", "KPJ", "Nama", "Tgl Lahir"], [NIK, "25000000001", "Siti; Rahmah", "05-07-1990"]],
        delimiter,
        bom,
    )
    (line,) = import_lines(data, settings)
    assert (line.nik.nik, line.number, line.name, line.born) == (
        NIK,
        "25000000001",
        "Siti; Rahmah",
        date(1990, 7, 5),
    )


def test_windows_1252_csv(settings) -> None:  # type: ignore[no-untyped-def]
    data = "NIK;KPJ;Nama\n6311064507900001;25000000001;Andr\xe9\n".encode("cp1252")
    (line,) = import_lines(data, settings)
    assert line.name == "André"


def test_formulas_are_read_as_their_values_never_evaluated(settings) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.append(["NIK", "KPJ"])
    ws.append([NIK, '=HYPERLINK("http://x","25000000001")'])  # no cached value: empty
    out = io.BytesIO()
    wb.save(out)
    (line,) = import_lines(out.getvalue(), settings)
    assert line.number == ""  # a formula without a value computed by a spreadsheet is empty


def test_thousands_of_rows(settings) -> None:  # type: ignore[no-untyped-def]
    rows = [["NIK", "KPJ"]] + [[f"63110645079{i:05d}", f"25{i:09d}"] for i in range(5000)]
    assert len(import_lines(csv_bytes(rows), settings)) == 5000


def test_a_bill_needs_nik_and_amount(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileRefused, match="Iuran"):
        bill_lines(csv_bytes([["NIK", "KPJ"], [NIK, "25000000001"]]), settings)
    (line,) = bill_lines(csv_bytes([["NIK", "Jumlah Iuran"], [NIK, "Rp 16.800"]]), settings)
    assert line.amount == 16800


def test_a_zip_bomb_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.xml", b"\0" * (400 * 1024 * 1024))
    with pytest.raises(FileRefused, match="terlalu besar"):
        read_tables(out.getvalue(), 50 * 1024 * 1024)


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8")))
def test_any_bytes_are_read_or_refused_in_words(settings, data: bytes) -> None:  # type: ignore[no-untyped-def]
    # The parsing in this process (the child runs the same code; it is tested on its own below
    # and in test_hostile_files): hundreds of child processes would add nothing but time.
    for read in (import_lines, bill_lines):
        try:
            read(data, settings, read_in_process)
        except FileRefused as exc:
            assert str(exc) and "Traceback" not in str(exc)


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.none() | st.integers() | st.floats() | st.text(max_size=30) | st.booleans(),
            max_size=6,
        ),
        max_size=12,
    )
)
def test_any_cells_under_the_headers_are_read(settings, cells: list[list[object]]) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.append(["NIK", "KPJ", "Nama", "Tanggal Lahir", "Iuran"])
    for row in cells:
        ws.append(
            [
                c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable())
                for c in row
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    for read in (import_lines, bill_lines):
        try:
            read(out.getvalue(), settings, read_in_process)
        except FileRefused as exc:
            assert "tidak berisi baris data" in str(exc)


def _rewritten(data: bytes, part: str, change) -> bytes:  # type: ignore[no-untyped-def]
    """The XLSX `data` with its `part` (a file in the zip) passed through `change`."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            body = source.read(info.filename)
            z.writestr(info, change(body.decode()).encode() if info.filename == part else body)
    return out.getvalue()


def _inline(rows: list[list[str]]) -> bytes:
    """A one-sheet XLSX whose cells are written inline (no shared strings), for editing."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_formula_is_read_as_the_value_a_spreadsheet_last_computed(settings) -> None:  # type: ignore[no-untyped-def]
    # As LibreOffice or Excel save it: the formula and its cached value; the value is read.
    data = _rewritten(
        _inline([["NIK", "KPJ"], [NIK, "=1"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace("<f>1</f><v></v>", "<f>1</f><v>25000000001</v>"),
    )
    assert (
        "<f>1</f><v>25000000001</v>"
        in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    )
    (line,) = import_lines(data, settings)
    assert line.number == "25000000001"


def test_a_nul_spelled_in_an_xlsx_cell_is_dropped(settings) -> None:  # type: ignore[no-untyped-def]
    # An XLSX spells a NUL `_x0000_`, and calamine reads it back as one: PostgreSQL refuses any
    # statement that carries it, so the officer's preview failed as if the database were down.
    rows = [["NIK", "Nama", "KPJ"], [NIK + "_x0000_", "AN_x0000_I", "_x0000_"]]
    (table,) = read_tables(xlsx(rows), 50 * 1024 * 1024)
    assert table.rows[1] == [NIK, "ANI"]  # a cell of a NUL alone is empty
    (line,) = import_lines(xlsx(rows), settings)
    assert line.nik.nik == NIK and line.name == "ANI"


def test_xml_entities_are_never_expanded() -> None:
    # A "billion laughs": nine levels of ten entities each; refused at once, nothing expanded.
    laughs = '<!DOCTYPE x [<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    data = _rewritten(
        _inline([["NIK", "KPJ"], [NIK, "25000000001"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: laughs + "]>" + xml.replace("<t>", "<t>&l9;", 1),
    )
    assert b"&l9;" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with pytest.raises(FileRefused, match="rusak"):
        read_tables(data, 50 * 1024 * 1024)


def test_cells_keep_their_place_in_the_file(settings) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws["C4"], ws["D4"], ws["C5"], ws["D5"] = "NIK", "KPJ", NIK, 25000000001
    out = io.BytesIO()
    wb.save(out)
    (table,) = read_tables(out.getvalue(), 50 * 1024 * 1024)
    assert table.rows[3] == [None, None, "NIK", "KPJ"]
    assert table.rows[4] == [None, None, NIK, 25000000001]  # a number without a fraction: int
    (line,) = import_lines(out.getvalue(), settings)
    assert (line.row, line.number) == (5, "25000000001")


@hsettings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8))
def test_a_damaged_xlsx_is_read_or_refused_in_words(changes: list[tuple[int, int]]) -> None:
    data = bytearray(_inline([["NIK", "KPJ", "Nama"], [NIK, "25000000001", "Siti"]]))
    for at, byte in changes:
        data[at % len(data)] = byte
    try:
        read_in_process(bytes(data), 50 * 1024 * 1024)
    except FileRefused as exc:
        assert str(exc) and "Traceback" not in str(exc)


def test_a_cell_far_from_the_data_is_refused_before_it_is_read() -> None:
    # 5 KB that a dense read would make 17 billion cells (calamine aborted the process: a Rust
    # allocation failure, no exception to catch).
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["XFD1048576"] = "NIK", "KPJ", "x"
    out = io.BytesIO()
    wb.save(out)
    assert len(out.getvalue()) < 10_000
    with pytest.raises(FileRefused, match="terlalu luas"):
        read_tables(out.getvalue(), 50 * 1024 * 1024)


def test_cells_written_without_references_are_counted_by_their_row() -> None:
    # Some programs leave out r="A1": a row's width is then how many cells it has (60 here, in
    # a row numbered 100,000: 6 million cells read whole).
    row = '<row r="100000">' + "<c><v>1</v></c>" * 60 + "</row>"
    data = _rewritten(
        _inline([["NIK", "KPJ"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml[: xml.index("<sheetData")] + f"<sheetData>{row}</sheetData></worksheet>",
    )
    with pytest.raises(FileRefused, match="terlalu luas"):
        read_tables(data, 50 * 1024 * 1024)


def test_a_wide_sheet_within_the_limit_is_read() -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["XFD100"] = "NIK", "KPJ", "x"  # 1.6 million cells: read
    out = io.BytesIO()
    wb.save(out)
    (table,) = read_tables(out.getvalue(), 50 * 1024 * 1024)
    assert table.rows[0] == ["NIK", "KPJ"] and table.rows[99][-1] == "x"
