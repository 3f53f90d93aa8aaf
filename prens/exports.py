"""The final list as files for the Dinas: XLSX (identifiers as text cells Excel cannot round, a
styled frozen header, an autofilter, a summary sheet) and CSV (UTF-8 with BOM; no cell can be read
as a formula)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
WIDE = 28
NARROW = 16


def neutralise(value: str) -> str:
    """A cell a spreadsheet would read as a formula, made literal (OWASP CSV injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(
    out: IO[bytes], table: list[list[str]], progress: Callable[[int], None] | None = None
) -> None:
    """UTF-8 with a BOM, so Excel reads Bahasa Indonesia names right."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    for n, row in enumerate(table):
        writer.writerow([neutralise(str(c)) for c in row])
        if progress and n and n % 1000 == 0:
            progress(1000)
    text.flush()
    text.detach()


def _string(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=..." a formula; it stays text
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _value(ws: Any, value: Any) -> Any:
    """A plain string is written as a string cell (fast); only "=..." needs forcing to text."""
    return _string(ws, value) if isinstance(value, str) and value.startswith("=") else value


def write_xlsx(
    out: IO[bytes],
    table: list[list[str]],
    text_columns: Iterable[int],
    summary: list[list[Any]],
    progress: Callable[[int], None] | None = None,
) -> None:
    """The final list (sheet "Daftar Final") and its summary (sheet "Ringkasan").

    Every value is a string cell, so Excel cannot round a NIK; identifier columns are also
    formatted as text ("@"), so a number typed into them later stays text too.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Daftar Final")
    header, rows = table[0], table[1:]
    text = set(text_columns)
    for i, title in enumerate(header, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = WIDE if title.lower().startswith(("nama", "alamat", "desa")) else NARROW
        if i - 1 in text:
            dim.number_format = "@"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    ws.append(
        [
            _string(
                ws,
                h,
                font=HEADER_FONT,
                fill=HEADER_FILL,
                alignment=Alignment(wrap_text=True, vertical="center"),
            )
            for h in header
        ]
    )
    for n, row in enumerate(rows, start=1):
        ws.append([_value(ws, v) for v in row])
        if progress and n % 1000 == 0:
            progress(1000)
    summary_ws = wb.create_sheet("Ringkasan")
    summary_ws.column_dimensions["A"].width = 32
    for row in summary:
        summary_ws.append([_value(summary_ws, v) for v in row])
    wb.save(out)
