"""Files for the Dinas, safe on any stored string.

- XLSX is the file for people: identifiers (NIK, KK, phone, membership number) are text cells
  formatted as text in the cell itself, so neither opening nor retyping turns them into numbers;
  `No.` is a number and dates are dates, so sorting works; characters XML cannot hold are dropped.
- CSV is the file for machines (UTF-8 with BOM): a spreadsheet opening it reads identifiers as
  numbers and loses digits, so it is never offered to a person as "the list". No cell can become
  a formula, whichever of `,` `;` or tab the reader splits on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
WIDE = 28
NARROW = 16
TEXT_FORMAT = "@"
DATE_FORMAT = "DD-MM-YYYY"
# Where a spreadsheet may start a new cell (`,` `;` tab, line breaks) or a quoted value (`"`),
# followed by what makes the cell a formula once read (spaces first, for readers that trim
# them). OWASP's list: = + - @ (tab and CR are separators here).
_FORMULA = re.compile(r'(^|[,;\t"\r\n])(\s*)(?=[=+\-@])')


def neutralise(value: str) -> str:
    """`value` with an apostrophe before every part that a spreadsheet could read as a formula,
    whichever separator it splits on (OWASP CSV injection)."""
    return _FORMULA.sub(r"\1'\2", value)


def xml_text(value: str) -> str:
    """`value` without the characters an XLSX cell cannot hold (control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def csv_row(row: Iterable[Any]) -> list[str]:
    return [neutralise(str(c)) for c in row]


def write_csv(
    out: IO[bytes], table: list[list[str]], progress: Callable[[int], None] | None = None
) -> None:
    """UTF-8 with a BOM, so a spreadsheet reads Bahasa Indonesia names right."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    for n, row in enumerate(table):
        writer.writerow(csv_row(row))
        if progress and n and n % 1000 == 0:
            progress(1000)
    if progress and len(table) > 1:
        progress((len(table) - 1) % 1000)  # the rows after the last thousand
    text.flush()
    text.detach()


def _cell(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    if isinstance(value, str):
        value = xml_text(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=..." a formula; it stays text
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _plain(ws: Any, value: Any) -> Any:
    """A string needing nothing (most of them) is appended as it is: fast."""
    if isinstance(value, str) and (
        value.startswith("=") or ILLEGAL_CHARACTERS_RE.search(value) is not None
    ):
        return _cell(ws, value)
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_iso_date(value: str) -> bool:
    """A date as stored (yyyy-mm-dd); a needs-correction answer stays text."""
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _as_number(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() else value


def table_sheet(
    ws: Any,
    table: Sequence[Sequence[Any]],
    text_columns: Iterable[int] = (),
    date_columns: Iterable[int] = (),
    number_columns: Iterable[int] = (),
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write `table` (header first) to the write-only sheet `ws`: a styled frozen header, an
    autofilter, text-formatted identifier cells, date and number cells where asked."""
    header, rows = table[0], table[1:]
    text, dates, numbers = set(text_columns), set(date_columns), set(number_columns)
    for i, title in enumerate(header, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = WIDE if str(title).lower().startswith(("nama", "alamat", "desa")) else NARROW
        if i - 1 in text:
            dim.number_format = TEXT_FORMAT
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    head_style = {
        "font": HEADER_FONT,
        "fill": HEADER_FILL,
        "alignment": Alignment(wrap_text=True, vertical="center"),
    }
    ws.append([_cell(ws, str(h), **head_style) for h in header])
    # One styled cell per identifier or date column, given each row's value in turn: a
    # write-only sheet writes a row out as it is appended, and a new styled cell for every
    # value made the list half as slow again (bench/compile.py).
    formats = {i: TEXT_FORMAT for i in text} | {i: DATE_FORMAT for i in dates}
    styled = {i: _cell(ws, None, number_format=fmt) for i, fmt in formats.items()}
    for n, row in enumerate(rows, start=1):
        out: list[Any] = []
        for i, value in enumerate(row):
            if i in text:
                cell = styled[i]
                cell.value = xml_text(str(value))
                cell.data_type = "s"  # text, even "=..." or digits
                out.append(cell)
            elif i in dates and isinstance(value, str) and _is_iso_date(value):
                cell = styled[i]
                cell.value = date.fromisoformat(value)
                out.append(cell)
            elif i in numbers and isinstance(value, str):
                out.append(_as_number(value))
            else:
                out.append(_plain(ws, value))
        ws.append(out)
        if progress and n % 1000 == 0:
            progress(1000)
    if progress:
        progress(len(rows) % 1000)  # the rows after the last thousand


def plain_sheet(ws: Any, rows: Iterable[Sequence[Any]]) -> None:
    """Append `rows` to `ws`, every string made safe."""
    for row in rows:
        ws.append([_plain(ws, v) for v in row])


def write_xlsx(
    out: IO[bytes],
    table: list[list[str]],
    text_columns: Iterable[int],
    summary: list[list[Any]],
    progress: Callable[[int], None] | None = None,
    date_columns: Iterable[int] = (),
    number_columns: Iterable[int] = (0,),
    changes: list[list[str]] | None = None,
) -> None:
    """The final list (sheet "Daftar Final"), its summary (sheet "Ringkasan"), and what
    changed from the period before (sheet "Perubahan"), when given."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Daftar Final")
    table_sheet(ws, table, text_columns, date_columns, number_columns, progress)
    summary_ws = wb.create_sheet("Ringkasan")
    summary_ws.column_dimensions["A"].width = 32
    plain_sheet(summary_ws, summary)
    if changes is not None:
        table_sheet(wb.create_sheet("Perubahan"), changes, [1])
    wb.save(out)
