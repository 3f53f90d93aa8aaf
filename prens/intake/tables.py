"""Files people upload (the BPJS branch's XLSX or CSV), read into rows of cells. Every file is
untrusted: a file that cannot be read is refused in words (Bahasa Indonesia, for the officer),
never with a traceback; formulas are never evaluated (their last computed values are read);
no file content reaches a log line."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum

from prens.errors import PrensError

MAX_ROWS = 200_000
# What a sheet would hold read whole (rows x columns): calamine reads a sheet into a dense grid,
# so one cell at XFD1048576 in a 5 KB file would ask for 17 billion cells.
MAX_CELLS = 5_000_000
# An XLSX is a zip: its parts unpacked may be far larger than the upload (a zip bomb).
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other Office 97 files)


class FileRefused(PrensError):
    """A file that cannot be read; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class Table:
    name: str  # the worksheet's name ("" for a CSV)
    rows: list[list[Any]]


def read_tables(data: bytes, max_bytes: int) -> list[Table]:
    """The worksheets of an XLSX, or the one table of a CSV (UTF-8 with or without BOM, or
    Windows-1252; separated by `,` `;` or tab)."""
    if not data.strip():
        raise FileRefused("Berkas kosong.")
    if len(data) > max_bytes:
        raise FileRefused(f"Berkas lebih dari {max_bytes // (1024 * 1024) or 1} MB.")
    if data.startswith(_OLE):
        raise FileRefused(
            "Berkas ini format Excel lama (.xls). Simpan sebagai .xlsx atau .csv, lalu unggah lagi."
        )
    if data.startswith(_ZIP):
        return _xlsx(data)
    if not _looks_like_text(data[:8192]):
        raise FileRefused("Berkas ini bukan XLSX atau CSV. Unggah berkas .xlsx atau .csv.")
    return [Table("", _csv(data))]


def _looks_like_text(head: bytes) -> bool:
    """Whether the start of a file is text (a CSV), not a PDF, an image or another binary."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True  # UTF-16 with its byte order mark
    if head.startswith(b"%PDF") or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls <= len(head) // 100


def _xlsx(data: bytes) -> list[Table]:
    """The worksheets' cell values (a formula's last computed value; never the formula), read
    by calamine: the file is parsed outside Python, 10 times faster than openpyxl."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise FileRefused("Isi berkas XLSX terlalu besar untuk dibaca.")
            grid = sum(_grid_size(archive.read(info)) for info in archive.infolist())
            if grid > MAX_CELLS:
                raise FileRefused(
                    "Lembar di berkas XLSX terlalu luas untuk dibaca (ada sel jauh di kanan atau "
                    "di bawah data). Salin tabelnya saja ke berkas baru, lalu unggah."
                )
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 (any damage to a zip or its XML: one answer)
        raise FileRefused(
            "Berkas tidak dapat dibaca sebagai XLSX (rusak, terkunci kata sandi, atau bukan "
            "XLSX). Buka di Excel atau LibreOffice, simpan lagi sebagai .xlsx, lalu unggah."
        ) from exc
    tables = []
    try:
        for sheet in book.sheets_metadata:
            if sheet.typ != SheetTypeEnum.WorkSheet:
                continue  # a chart sheet has no cells
            cells = book.get_sheet_by_name(sheet.name)
            if cells.total_height > MAX_ROWS:
                raise FileRefused(f"Berkas lebih dari {MAX_ROWS:,} baris.".replace(",", "."))
            # From A1 (skip_empty_area=False), so that row numbers are the file's.
            rows = [_values(row) for row in cells.to_python(skip_empty_area=False)]
            tables.append(Table(sheet.name, _trimmed(rows)))
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001
        raise FileRefused(
            "Sebagian berkas XLSX rusak dan tidak dapat dibaca. Simpan lagi sebagai .xlsx."
        ) from exc
    finally:
        book.close()
    return tables


_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,7})"')
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_CELL = re.compile(rb"<(?:\w+:)?c\b")


def _grid_size(part: bytes) -> int:
    """How many cells a dense read of this part of an XLSX would hold, if it is a worksheet:
    its last row times its last column, from the cells' references (or, for cells written
    without one, from how many a row has). 0 for any other part."""
    cells = len(_CELL.findall(part))
    if not cells:
        return 0
    references = _CELL_REF.findall(part)
    rows = max(len(_ROW.findall(part)), *(int(r) for r in _ROW_REF.findall(part)), 0)
    rows = max(rows, *(int(row) for _, row in references), 0)
    columns = max((_column_number(letters) for letters in set(c for c, _ in references)), default=0)
    if len(references) < cells:  # some cells placed by their order in the row
        columns = max(columns, *(len(_CELL.findall(r)) for r in _ROW.split(part)))
    return rows * columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _values(row: list[Any]) -> list[Any]:
    return [_value(value) for value in row]


def _value(value: Any) -> Any:
    """A cell as a spreadsheet means it: an empty cell is None, and a number without a fraction
    an int (calamine gives every number as a float). A NUL in a text cell (an XLSX spells it
    `_x0000_`) is dropped, as from a CSV: PostgreSQL refuses it in any statement."""
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "") or None
    return value


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows without the empty cells at their ends, and without empty rows at the end."""
    out = []
    for row in rows:
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _decode(data: bytes) -> str:
    for encoding in (
        ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",)
    ):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = next((line for line in text.splitlines() if line.strip()), "")
        return max(",;\t", key=first.count)


def _csv(data: bytes) -> list[list[Any]]:
    text = _decode(data).replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[Any]] = []
    try:
        for row in reader:
            rows.append([c if c.strip() else None for c in row])
            if len(rows) > MAX_ROWS:
                raise FileRefused(f"Berkas lebih dari {MAX_ROWS:,} baris.".replace(",", "."))
    except csv.Error as exc:
        raise FileRefused(
            f"Berkas CSV tidak dapat dibaca di baris {reader.line_num}: tanda kutip tidak "
            "tertutup atau baris terlalu panjang."
        ) from exc
    return _trimmed(rows)
