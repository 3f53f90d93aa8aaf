"""The files the BPJS branch sends, read into lines: the result of an enrolment (membership
numbers) and the monthly bill. The header row is found wherever it is in the first rows of any
worksheet; a file without the expected columns is refused with the headers found and expected."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prens.config import Settings
from prens.intake.sandbox import Limits, read_tables
from prens.intake.tables import FileRefused, Table
from prens.rules.bpjs.bill import BillLine
from prens.rules.bpjs.columns import (
    Columns,
    FileLayoutError,
    cell,
    find_columns,
    read_amount,
    read_date,
    read_nik,
    read_number,
)
from prens.rules.bpjs.numbers_in import ImportLine


def _located(
    tables: list[Table], wanted: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[Table, Columns]:
    first_error: FileLayoutError | None = None
    for table in tables:
        try:
            return table, find_columns(table.rows, wanted, required)
        except FileLayoutError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise FileRefused(str(first_error))


def _data_rows(table: Table, columns: Columns) -> list[tuple[int, list[Any]]]:
    """(the row's number in the file, its cells) of each row after the header that has any."""
    return [
        (number, row)
        for number, row in enumerate(table.rows[columns.header_row + 1 :], columns.header_row + 2)
        if any(c is not None and str(c).strip() for c in row)
    ]


def max_bytes(settings: Settings) -> int:
    return settings.bpjs.max_upload_mb * 1024 * 1024


Reader = Callable[[bytes, int, Limits], list[Table]]


def _tables(data: bytes, settings: Settings, read: Reader) -> list[Table]:
    b = settings.bpjs
    return read(
        data, max_bytes(settings), Limits(b.read_memory_mb, b.read_cpu_seconds, b.read_seconds)
    )


def import_lines(data: bytes, settings: Settings, read: Reader = read_tables) -> list[ImportLine]:
    """The lines of the branch's result file (NIK and membership number; name and date of
    birth when present). FileRefused says in words what is wrong with the file. The file is
    read in a child process with hard limits (`read`: another reader, for a benchmark)."""
    b = settings.bpjs
    wanted = {
        "nik": b.import_nik_header,
        "number": b.import_number_header,
        "name": b.import_name_header,
        "born": b.import_birth_header,
    }
    table, columns = _located(_tables(data, settings, read), wanted, ("nik", "number"))
    at = columns.index
    lines = []
    for number, row in _data_rows(table, columns):
        nik = read_nik(cell(row, at["nik"]))
        if nik is None:
            continue  # a total line, a note under the table
        born_cell = cell(row, at.get("born"))
        born = read_date(born_cell) if born_cell not in (None, "") else None
        name = cell(row, at.get("name")) if "name" in at else None
        lines.append(
            ImportLine(
                row=number,
                nik=nik,
                number=read_number(cell(row, at["number"])),
                name=None if name is None else str(name)[:200],
                born=born,
                born_text="" if born or born_cell in (None, "") else str(born_cell)[:40],
            )
        )
    if not lines:
        raise FileRefused("Berkas tidak berisi baris data di bawah judul kolom.")
    return lines


def bill_lines(data: bytes, settings: Settings, read: Reader = read_tables) -> list[BillLine]:
    """The lines of a monthly bill (NIK, amount; membership number and name when present)."""
    b = settings.bpjs
    wanted = {
        "nik": b.import_nik_header,
        "amount": b.bill_amount_header,
        "number": b.import_number_header,
        "name": b.import_name_header,
    }
    table, columns = _located(_tables(data, settings, read), wanted, ("nik", "amount"))
    at = columns.index
    lines = []
    for number, row in _data_rows(table, columns):
        nik = read_nik(cell(row, at["nik"]))
        if nik is None:
            continue
        name = cell(row, at.get("name")) if "name" in at else None
        lines.append(
            BillLine(
                row=number,
                nik=nik,
                number=read_number(cell(row, at.get("number"))),
                amount=read_amount(cell(row, at["amount"])),
                name=None if name is None else str(name)[:200],
            )
        )
    if not lines:
        raise FileRefused("Berkas tagihan tidak berisi baris data di bawah judul kolom.")
    return lines
