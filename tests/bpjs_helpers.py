"""Registrations taken to BERKAS LENGKAP (and one further), and files as the BPJS branch sends
them: what the BPJS round-trip tests start from."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from jobs.flush import flush
from jobs.sync import sync
from prens.runtime import Runtime
from sheets_bridge.setup import worksheet_layouts
from tests.conftest import post
from tests.lifecycle_helpers import tick

NAMES = ["Ani", "Budi", "Citra", "Dedi", "Eka", "Fajar", "Gita"]
# More of a test NIK than its masked form shows (631106 and asterisks): a NIK shown whole, or the
# digits a spreadsheet kept of one it stored as a number.
UNMASKED = re.compile(r"6311\d{5,}")


def nik(i: int) -> str:
    return f"631106450790{i + 1:04d}"


def enrol(runtime: Runtime, client: Any, documents: int = 6, verified_only: int = 1) -> list[str]:
    """Seven registrations in "Pendaftar": the first `documents` verified with documents in
    (BERKAS LENGKAP), the next `verified_only` verified only (TERVERIFIKASI), the rest waiting."""
    from tests.test_webhook import body

    s = runtime.settings
    for layout in worksheet_layouts(s):
        runtime.sheets.apply_layout(layout)
    ids = []
    for i, name in enumerate(NAMES):
        reply = post(
            client, body(s, rid=f"bpjs-{i}", nik=nik(i), nama=name, telepon=f"08123456{i:04d}")
        )
        ids.append(reply.get_json()["id"])
    flush(runtime.ledger, runtime.sheets, s)
    for i, reg_id in enumerate(ids[: documents + verified_only]):
        tick(runtime, reg_id, "Verifikasi Dinas")
        tick(runtime, reg_id, "Verifikasi BPJS")
        if i < documents:
            tick(runtime, reg_id, "Berkas Diterima")
    sync(runtime.ledger, runtime.sheets, s, runtime.verification(), outbox=runtime.outbox())
    return ids


def on_google(runtime: Runtime, tmp_path: Path) -> tuple[Runtime, Any]:
    """The same runtime on the Google backend against the Sheets fake."""
    from tests.google_fixtures import SPREADSHEET, google_on_fake

    sheets, fake = google_on_fake(tmp_path)
    settings = dataclasses.replace(
        runtime.settings, sheet_backend="google", spreadsheet_key=SPREADSHEET
    )
    return Runtime(settings, runtime.engine, runtime.ledger, sheets, runtime.verification()), fake


def xlsx(rows: list[list[Any]], title_rows: int = 0, extra_sheet: bool = False) -> bytes:
    """An XLSX as the branch sends it: optional title rows above the header (merged), and an
    optional first worksheet of notes."""
    wb = Workbook()
    ws = wb.active
    if extra_sheet:
        ws.title = "Catatan"
        ws.append(["Data kepesertaan ada di lembar berikutnya"])
        ws = wb.create_sheet("Data")
    for t in range(title_rows):
        ws.append([f"DAFTAR PESERTA BPJS KETENAGAKERJAAN {t + 1}"])
        ws.merge_cells(start_row=t + 1, start_column=1, end_row=t + 1, end_column=4)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def branch_rows(count: int) -> list[list[str]]:
    """A branch's result file of `count` people (NIKs no one registered: read, not matched)."""
    rows = [["NIK", "Nama", "KPJ"]]
    for i in range(count):
        rows.append([f"631106450790{i % 10000:04d}", f"Peserta {i}", f"{25 * 10**9 + i}"])
    return rows


def csv_bytes(rows: list[list[Any]], delimiter: str = ",", bom: bool = True) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode("utf-8-sig" if bom else "utf-8")
