"""Files people upload (the BPJS branch's XLSX or CSV), parsed into rows of cells. Every file is
untrusted: this parsing runs in a child process with hard limits (prens.intake.sandbox), and a
file that cannot be parsed is refused in words (Bahasa Indonesia, for the officer), never with a
traceback; formulas are never evaluated (their last computed values are read); no file content
reaches a log line.

Every check here is linear in the file's size: a file crafted to make a check slow would
otherwise hold the child until its time limit, and the officer waiting for an answer."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum

from prens.errors import PrensError

MAX_ROWS = 200_000
# What a sheet would hold read whole (rows x columns): calamine reads a sheet into a dense grid,
# so one cell at XFD1048576 in a 5 KB file would ask for 17 billion cells.
MAX_CELLS = 5_000_000
# An XLSX is a zip: its parts unpacked may be far larger than the upload (a zip bomb). What a
# part really inflates to is counted, never the size the zip declares for it.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other Office 97 files)
_CHUNK = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip member's local file header (30 bytes)

DAMAGED = (
    "Berkas tidak dapat dibaca sebagai XLSX (rusak, terkunci kata sandi, atau bukan "
    "XLSX). Buka di Excel atau LibreOffice, simpan lagi sebagai .xlsx, lalu unggah."
)
TOO_WIDE = (
    "Lembar di berkas XLSX terlalu luas untuk dibaca (ada sel jauh di kanan atau di bawah "
    "data). Salin tabelnya saja ke berkas baru, lalu unggah."
)
TOO_BIG_UNPACKED = "Isi berkas XLSX terlalu besar untuk dibaca."


class FileRefused(PrensError):
    """A file that cannot be read; the message says why, for the person who sent it."""


class NotASpreadsheet(FileRefused):
    """An upload whose name is not .xlsx or .csv (the name is its message)."""


@dataclass(frozen=True)
class Table:
    name: str  # the worksheet's name ("" for a CSV)
    rows: list[list[Any]]


def too_many_rows() -> FileRefused:
    return FileRefused(f"Berkas lebih dari {MAX_ROWS:,} baris.".replace(",", "."))


def parse_tables(data: bytes) -> list[Table]:
    """The worksheets of an XLSX, or the one table of a CSV (UTF-8 with or without BOM, UTF-16
    with its BOM, or Windows-1252; separated by `,` `;` or tab). The cheap checks (empty, size,
    kind) are the caller's (prens.intake.sandbox.read_tables)."""
    if data.startswith(ZIP):
        return _xlsx(data)
    return [Table("", _csv(data))]


def looks_like_text(head: bytes) -> bool:
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
            budget = MAX_UNPACKED_BYTES
            grid = 0
            for info in archive.infolist():
                part = _inflated(data, info, budget)
                budget -= len(part)
                grid += grid_size(part)
            if grid > MAX_CELLS:
                raise FileRefused(TOO_WIDE)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except FileRefused:
        raise
    except Exception as exc:  # noqa: BLE001 (any damage to a zip or its XML: one answer)
        raise FileRefused(DAMAGED) from exc
    tables = []
    try:
        for sheet in book.sheets_metadata:
            if sheet.typ != SheetTypeEnum.WorkSheet:
                continue  # a chart sheet has no cells
            cells = book.get_sheet_by_name(sheet.name)
            if cells.total_height > MAX_ROWS:
                raise too_many_rows()
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


def _inflated(data: bytes, info: zipfile.ZipInfo, budget: int) -> bytes:
    """A zip member's content as it really inflates (its deflate stream read to its end in
    chunks, whatever sizes the zip declares), refused once past `budget`; a member whose real
    size is not the one declared is a damaged (or forged) file."""
    if info.flag_bits & 0x1:
        raise FileRefused(DAMAGED)  # encrypted
    header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size or not header.startswith(ZIP):
        raise FileRefused(DAMAGED)
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    if info.compress_type == zipfile.ZIP_STORED:
        part = data[start : start + info.compress_size]
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        part = _inflate(memoryview(data)[start:], budget)
    else:
        raise FileRefused(DAMAGED)
    if len(part) > budget:
        raise FileRefused(TOO_BIG_UNPACKED)
    if len(part) != info.file_size or zlib.crc32(part) != info.CRC:
        raise FileRefused(DAMAGED)
    return part


def _inflate(stream: memoryview, budget: int) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    at = 0
    while not inflater.eof:
        if len(out) > budget:
            raise FileRefused(TOO_BIG_UNPACKED)
        pending = inflater.unconsumed_tail or stream[at : at + _CHUNK]
        if not inflater.unconsumed_tail:
            at += len(pending)
            if not pending:
                raise FileRefused(DAMAGED)  # the stream ends before its end
        out += inflater.decompress(pending, _CHUNK)
    return bytes(out)


# How calamine finds a cell's place: an `r` attribute (quotes single or double, spaces around
# `=`, letters in either case, any number of digits). A tag's attributes are looked for within
# a bounded span, so that a part of unclosed tags is scanned in linear time.
_SPAN = rb"[^<>]{0,1024}?"
_CELL_REF = re.compile(
    rb"<(?:\w{1,40}:)?c\s" + _SPAN + rb"(?<![\w:.-])r\s*=\s*[\"']([A-Za-z]{1,12})([0-9]{1,30})"
)
_ROW_REF = re.compile(rb"<(?:\w{1,40}:)?row\s" + _SPAN + rb"(?<![\w:.-])r\s*=\s*[\"']([0-9]{1,30})")
_ROW = re.compile(rb"<(?:\w{1,40}:)?row[\s/>]")
_CELL = re.compile(rb"<(?:\w{1,40}:)?c[\s/>]")


def grid_size(part: bytes) -> int:
    """How many cells a dense read of this part of an XLSX would hold, if it is a worksheet:
    its last row times its last column, from the cells' references (or, for cells written
    without one, from how many a row has). 0 for any other part. (The range a sheet declares
    in `<dimension>` is not counted: calamine reserves room for it only when it is small.)"""
    cells = len(_CELL.findall(part))
    if not cells:
        return 0
    references = _CELL_REF.findall(part)
    rows = max(len(_ROW.findall(part)), *(int(r) for r in _ROW_REF.findall(part)), 0)
    rows = max(rows, *(int(row) for _, row in references), 0)
    columns = max((column_number(c) for c in {c for c, _ in references}), default=0)
    if len(references) < cells:  # some cells placed by their order in the row
        columns = max(columns, *(len(_CELL.findall(r)) for r in _ROW.split(part)))
    return rows * columns


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
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


def delimiter(text: str) -> str:
    """The separator of a CSV: the one of `,` `;` and tab its header line (its first line with
    anything on it) holds most of; `,` when it holds none."""
    for line in io.StringIO(text):
        if line.strip():
            counts = {d: line.count(d) for d in ",;\t"}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _csv(data: bytes) -> list[list[Any]]:
    text = _decode(data).replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    rows: list[list[Any]] = []
    try:
        for row in reader:
            rows.append([c if c.strip() else None for c in row])
            if len(rows) > MAX_ROWS:
                raise too_many_rows()
    except csv.Error as exc:
        raise FileRefused(
            f"Berkas CSV tidak dapat dibaca di baris {reader.line_num}: tanda kutip tidak "
            "tertutup atau baris terlalu panjang."
        ) from exc
    return _trimmed(rows)
