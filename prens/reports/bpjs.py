"""The files of the BPJS round trip: the enrolment file for the branch, the report of an import
of membership numbers, and the monthly bill's check. Identifiers are text cells in every file."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook

from prens.config import Settings
from prens.errors import PrensError
from prens.reports.exports import plain_sheet, table_sheet
from prens.reports.final import list_order, membership_header
from prens.rules.bpjs import bill as billing
from prens.rules.bpjs import numbers_in
from prens.rules.bpjs.bill import BillCheck, BillLine, Member
from prens.rules.lifecycle import BERKAS_LENGKAP, TERDAFTAR, membership_key
from prens.rules.money import rupiah
from prens.rules.phone import national
from prens.rules.registration import Registration
from prens.store.ledger import Ledger
from prens.store.verification import VerificationStore

DEFAULT_STATES = (BERKAS_LENGKAP,)
_TEXT_FIELDS = {"nik", "kk", "telepon", "nomor_kepesertaan", "tanggal_lahir", "id"}


def _value(reg: Registration, field: str, number: str, settings: Settings) -> str:
    if field == "id":
        return reg.id
    if field == "status":
        return reg.state or ""
    if field == "nomor_kepesertaan":
        return number
    value = str(reg.person.get(field, ""))
    if field == "telepon":
        return national(value)
    if field == "tanggal_lahir" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value).strftime(settings.bpjs.date_format)
    return value


def enrolment_table(
    ledger: Ledger,
    store: VerificationStore,
    settings: Settings,
    states: Sequence[str] = DEFAULT_STATES,
) -> tuple[list[list[str]], list[int]]:
    """The enrolment file's rows (header first), by kecamatan, desa and name, in the columns
    `[bpjs] export_columns` sets; and which columns are text."""
    chosen = ledger.in_states(tuple(states))
    chosen.sort(key=list_order)
    number_column = membership_header(settings)
    seen = store.cells_for([r.id for r in chosen]) if number_column else {}
    columns = settings.bpjs.export_columns
    table = [[header for header, _ in columns]]
    for reg in chosen:
        number = str(seen.get(reg.id, ({}, ""))[0].get(number_column or "", "")).strip()
        table.append([_value(reg, field, number, settings) for _, field in columns])
    text = [i for i, (_, field) in enumerate(columns) if field in _TEXT_FIELDS]
    return table, text


def write_enrolment(out: IO[bytes], table: list[list[str]], text_columns: Iterable[int]) -> None:
    wb = Workbook(write_only=True)
    table_sheet(wb.create_sheet("Pendaftaran BPJS"), table, text_columns)
    wb.save(out)


IMPORT_HEADERS = [
    "Baris",
    "NIK",
    "Nomor Kepesertaan",
    "Hasil",
    "Keterangan",
    "ID Pendaftaran",
    "Nama Pendaftar",
]


def import_rows(outcomes: Sequence[numbers_in.Outcome], applied: bool) -> list[list[Any]]:
    """The import report's table, header first."""
    label = numbers_in.labels(applied)
    return [
        IMPORT_HEADERS,
        *(
            [
                o.line.row,
                o.line.nik.nik,
                o.line.number,
                label[o.code],
                o.detail,
                o.registration_id,
                o.name,
            ]
            for o in outcomes
        ),
    ]


def write_import_report(
    out: IO[bytes],
    outcomes: Sequence[numbers_in.Outcome],
    applied: bool,
    file_name: str,
) -> None:
    """The import report for the branch and the Dinas: every line, then a summary."""
    wb = Workbook(write_only=True)
    table_sheet(wb.create_sheet("Hasil Impor"), import_rows(outcomes, applied), [1, 2, 5])
    tally = numbers_in.counts(outcomes)
    summary = wb.create_sheet("Ringkasan")
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["C"].width = 80
    label = numbers_in.labels(applied)
    plain_sheet(
        summary,
        [
            ["Berkas", file_name],
            ["Diterapkan", "ya" if applied else "belum (pratinjau)"],
            [],
            ["Hasil", "Jumlah baris", "Yang perlu dilakukan"],
            *([label[c], n, numbers_in.ADVICE[c]] for c, n in tally.items()),
            ["Jumlah", len(outcomes)],
        ],
    )
    wb.save(out)


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of "YYYY-MM"."""
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", month.strip())  # ASCII digits only
    if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 2000:
        raise PrensError(f"bulan {month!r} tidak sah: tulis sebagai TTTT-BB, misalnya 2025-03")
    year, number = int(m[1]), int(m[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def members_for(
    ledger: Ledger, store: VerificationStore, settings: Settings, month: str
) -> dict[str, Member]:
    """NIK -> member, for everyone who should be paid for `month`: in TERDAFTAR, and in it
    since the month's last day or earlier."""
    _first, last = month_bounds(month)
    regs = ledger.in_states((TERDAFTAR,))
    since = store.entered_at(TERDAFTAR)
    number_column = membership_header(settings) or ""
    seen = store.cells_for([r.id for r in regs])
    out = {}
    for reg in regs:
        entered: datetime | None = since.get(reg.id)
        if entered is not None and entered.astimezone(settings.timezone).date() > last:
            continue
        number = membership_key(str(seen.get(reg.id, ({}, ""))[0].get(number_column, "")))
        out[reg.person.get("nik", "")] = Member(reg.id, reg.person.get("nama", ""), number)
    return out


def check_bill(
    ledger: Ledger,
    store: VerificationStore,
    settings: Settings,
    lines: Sequence[BillLine],
    month: str,
) -> BillCheck:
    members = members_for(ledger, store, settings, month)
    strangers = [ln.nik.nik for ln in lines if ln.nik.nik not in members and not ln.nik.as_number]
    states = {
        nik: (reg.state or reg.status, reg.id) for nik, reg in ledger.for_niks(strangers).items()
    }
    return billing.check(lines, members, states, settings.contribution_per_month)


BILL_HEADERS = ["Baris", "NIK", "Nomor Kepesertaan", "Iuran Ditagih", "Hasil", "Keterangan"]


def bill_rows(result: BillCheck) -> list[list[Any]]:
    return [
        [*BILL_HEADERS, "ID Pendaftaran", "Nama"],
        *(
            [
                line.row if line.row is not None else "",
                line.nik,
                line.number,
                line.amount if line.amount is not None else "",
                "; ".join(billing.OUTCOMES[c] for c in line.codes),
                line.detail,
                line.registration_id,
                line.name,
            ]
            for line in result.lines
        ),
    ]


def bill_summary(result: BillCheck, month: str, contribution: int) -> list[list[Any]]:
    return [
        ["Bulan", month],
        ["Peserta terdaftar (seharusnya ditagih)", result.members],
        ["Iuran per orang per bulan", rupiah(contribution)],
        ["Jumlah ditagih", rupiah(result.billed)],
        ["Jumlah seharusnya", rupiah(result.expected)],
        ["Selisih (ditagih - seharusnya)", rupiah(result.difference)],
    ]


def write_bill_report(
    out: IO[bytes], result: BillCheck, month: str, contribution: int, file_name: str
) -> None:
    """The bill's check for the finance officer: every line, then the totals and counts."""
    wb = Workbook(write_only=True)
    table_sheet(wb.create_sheet("Pemeriksaan Tagihan"), bill_rows(result), [1, 2, 6])
    summary = wb.create_sheet("Ringkasan")
    summary.column_dimensions["A"].width = 44
    summary.column_dimensions["C"].width = 80
    counts = result.counts()
    plain_sheet(
        summary,
        [
            ["Berkas", file_name],
            *bill_summary(result, month, contribution),
            [],
            ["Hasil", "Jumlah baris", "Yang perlu dilakukan"],
            *([billing.OUTCOMES[c], n, billing.ADVICE[c]] for c, n in counts.items()),
        ],
    )
    wb.save(out)
