"""Reconcile job: take in every response of the form's linked responses sheet the ledger lacks.

The webhook is the fast road; an Apps Script fetch that fails is never retried by Google, but
the responses sheet holds every response. Each run reads the rows added since the last run (one
metadata read and one values read, however long the sheet is), skips those whose fingerprint the
ledger already holds (prens.rules.fingerprint), and sends the others through the webhook's own
intake.

Responses younger than `[responses] settle_seconds` are left for the next run: the webhook is
still on its way with them. The cursor (the next row to read, and a digest of the row before it)
is saved after the rows are stored; if the row before it changed (rows deleted or sorted by
hand), the run reads the whole sheet once. Killed at any point, the next run reads from the last
saved cursor, and the fingerprints make the rows it takes in again count once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prens.config import Settings
from prens.errors import ResponseChanged
from prens.intake.receive import receive
from prens.intake.responses import ResponseRow, columns, is_blank, read_row, row_digest, settled
from prens.store.job_state import Cursor
from prens.store.ledger import Ledger
from sheets_bridge.base import SheetBackend

log = logging.getLogger(__name__)
LEASE_SECONDS = 600
FIRST_DATA_ROW = 2


@dataclass
class ReconcileReport:
    rows_read: int = 0  # data rows read this run
    stored: int = 0  # responses the ledger did not have, now stored
    already: int = 0  # responses the ledger had (through the webhook, or an earlier run)
    waiting: int = 0  # too young: left for the next run
    unreadable: int = 0  # rows without a readable timestamp (logged with their row number)
    full_pass: bool = False  # the whole sheet was read (first run, or rows moved)
    missing_sheet: bool = False
    busy: bool = False

    def summary(self) -> str:
        if self.busy:
            return "reconcile: another reconcile is running; nothing done"
        if self.missing_sheet:
            return "reconcile: no responses worksheet yet; nothing done"
        text = (
            f"reconcile: {self.rows_read} row(s) read"
            + (" (whole sheet)" if self.full_pass else "")
            + f", {self.stored} new response(s) stored, {self.already} already in the ledger"
        )
        if self.waiting:
            text += f", {self.waiting} left for the webhook (under the settle time)"
        if self.unreadable:
            text += f", {self.unreadable} unreadable row(s)"
        return text

    def ringkasan(self) -> str:
        if self.busy:
            return "reconcile: reconcile lain sedang berjalan; tidak ada yang dikerjakan"
        if self.missing_sheet:
            return "reconcile: belum ada lembar jawaban; tidak ada yang dikerjakan"
        text = (
            f"reconcile: {self.rows_read} baris dibaca"
            + (" (seluruh lembar)" if self.full_pass else "")
            + f", {self.stored} jawaban baru disimpan, {self.already} sudah ada di buku besar"
        )
        if self.waiting:
            text += f", {self.waiting} ditunggu dari webhook (belum lewat waktu tunggu)"
        if self.unreadable:
            text += f", {self.unreadable} baris tidak terbaca"
        return text


def source_name(settings: Settings) -> str:
    key = settings.responses.spreadsheet_key or settings.spreadsheet_key
    return f"{settings.sheet_backend}:{key}/{settings.responses.worksheet}"


def sheet_zone(sheets: SheetBackend, settings: Settings) -> ZoneInfo:
    """The zone serial date-times are in: the spreadsheet's own, else the program's."""
    name = sheets.time_zone()
    try:
        return ZoneInfo(name) if name else settings.timezone
    except (ZoneInfoNotFoundError, ValueError):
        return settings.timezone


def parse_rows(
    header: list[Any], rows: list[list[Any]], first_row: int, settings: Settings, tz: ZoneInfo
) -> list[ResponseRow]:
    """The non-blank rows read from sheet row `first_row` on, as responses."""
    if not header and all(is_blank(r) for r in rows):
        return []  # a form linked to the sheet, no response yet
    cols = columns(header, settings)
    return [
        read_row(first_row + i, cells, cols, settings, tz)
        for i, cells in enumerate(rows)
        if not is_blank(cells)
    ]


def ingest(
    ledger: Ledger, settings: Settings, responses: list[ResponseRow], now: datetime
) -> tuple[int, int]:
    """Store the readable responses the ledger lacks; return (stored, already there)."""
    readable = [r for r in responses if r.submission is not None and r.fingerprint is not None]
    seen = ledger.seen([r.fingerprint for r in readable if r.fingerprint is not None])
    stored = already = 0
    for response, known in zip(readable, seen, strict=True):
        if known:
            already += 1
            continue
        assert response.submission is not None
        try:
            result = receive(ledger, settings, response.submission, now, response.notes)
        except ResponseChanged as exc:  # its first answers stay, as on the webhook
            log.warning(
                "reconcile: row %d changed since it was stored as %s",
                response.row,
                exc.registration_id,
            )
            already += 1
            continue
        if result.created:
            stored += 1
            log.info("reconcile: row %d stored as %s", response.row, result.registration.id)
        else:
            already += 1
    return stored, already


def reconcile(
    ledger: Ledger, sheets: SheetBackend, settings: Settings, now: datetime | None = None
) -> ReconcileReport:
    """Take in the responses sheet's new rows; safe to run twice at once or after a crash."""
    now = now or datetime.now(UTC)
    report = ReconcileReport()
    name = settings.responses.worksheet
    with ledger.jobs.lease("reconcile", LEASE_SECONDS) as held:
        if not held:
            report.busy = True
            return report
        if name not in sheets.worksheet_names():
            report.missing_sheet = True
            return report
        if ledger.fingerprints_missing():
            ledger.backfill_fingerprints(settings.questions["nama"])
        source = source_name(settings)
        cursor = ledger.jobs.cursor(source)
        tz = sheet_zone(sheets, settings)
        first = FIRST_DATA_ROW
        if cursor is not None and cursor.next_row > FIRST_DATA_ROW:
            # Read from the row before the cursor: it must be the row seen there last time.
            header, rows = sheets.read_rows(name, cursor.next_row - 1)
            if rows and row_digest(rows[0]) == cursor.anchor:
                first, rows = cursor.next_row, rows[1:]
            else:
                log.info("reconcile: the responses sheet's rows moved; reading it whole")
                header, rows = sheets.read_rows(name, FIRST_DATA_ROW)
                report.full_pass = True
        else:
            header, rows = sheets.read_rows(name, FIRST_DATA_ROW)
            report.full_pass = True
        report.rows_read = len(rows)
        # Take rows in sheet order up to the first one still settling.
        ready: list[ResponseRow] = []
        next_row, anchor = first, cursor.anchor if cursor and not report.full_pass else ""
        parsed = {r.row: r for r in parse_rows(header, rows, first, settings, tz)}
        for offset, cells in enumerate(rows):
            row = first + offset
            response = parsed.get(row)
            if response is not None and response.submission is not None:
                if not settled(
                    response.submission.submitted_at, now, settings.responses.settle_seconds
                ):
                    report.waiting = sum(1 for r in parsed.values() if r.row >= row)
                    break
                ready.append(response)
            elif response is not None:
                report.unreadable += 1
                log.warning(
                    "reconcile: cannot read row %d (%s); it is skipped",
                    response.row,
                    response.error,
                )
            next_row, anchor = row + 1, row_digest(cells)
        report.stored, report.already = ingest(ledger, settings, ready, now)
        total = max(0, first - FIRST_DATA_ROW) + len(rows)
        ledger.jobs.save_cursor(
            source,
            Cursor(next_row, anchor, now, total, report.waiting + report.unreadable),
        )
    if report.stored:
        log.info(report.summary())
    return report


@dataclass
class ImportReport:
    added: int = 0  # rows added to the local responses worksheet
    present: int = 0  # rows it had already
    stored: int = 0  # responses stored straight into the ledger (Google backend)
    already: int = 0
    waiting: int = 0


def _trimmed(cells: list[Any]) -> list[str]:
    out = [str(c) for c in cells]
    while out and out[-1] == "":
        out.pop()
    return out


def import_responses(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    header: list[str],
    rows: list[list[str]],
    now: datetime | None = None,
) -> ImportReport:
    """Take in a responses CSV (Google Forms' download): on the local backend its rows join the
    responses worksheet (rows already there are not added again) for the reconcile job; on
    Google, where the linked sheet is the form's own, they go straight through the intake."""
    now = now or datetime.now(UTC)
    columns(header, settings)  # refuse a CSV of another form before anything is written
    report = ImportReport()
    if settings.sheet_backend != "local":
        responses = parse_rows(header, rows, FIRST_DATA_ROW, settings, settings.timezone)
        ready = [
            r
            for r in responses
            if r.submission is not None
            and settled(r.submission.submitted_at, now, settings.responses.settle_seconds)
        ]
        report.waiting = len(responses) - len(ready)
        report.stored, report.already = ingest(ledger, settings, ready, now)
        return report
    name = settings.responses.worksheet
    sheets.ensure_worksheet(name, header)
    present = {row_digest(_trimmed(r)) for r in sheets.read_rows(name, FIRST_DATA_ROW)[1]}
    new = []
    for cells in rows:
        digest = row_digest(_trimmed(cells))
        if is_blank(cells) or digest in present:
            report.present += not is_blank(cells)
            continue
        present.add(digest)
        new.append(list(cells))
    sheets.append_rows(name, new)  # type: ignore[arg-type]
    report.added = len(new)
    return report


@dataclass(frozen=True)
class Lag:
    responses: int  # data rows in the responses sheet
    missing: int  # readable responses the ledger does not hold
    overdue: int  # of those, older than the settle time: the reconcile job should have them
    unreadable: int


def measure_lag(
    ledger: Ledger, sheets: SheetBackend, settings: Settings, now: datetime | None = None
) -> Lag | None:
    """How far the ledger is behind the responses sheet (one read of the whole sheet); None when
    there is no responses worksheet."""
    now = now or datetime.now(UTC)
    name = settings.responses.worksheet
    if name not in sheets.worksheet_names():
        return None
    header, rows = sheets.read_rows(name, FIRST_DATA_ROW)
    parsed = parse_rows(header, rows, FIRST_DATA_ROW, settings, sheet_zone(sheets, settings))
    readable = [r for r in parsed if r.fingerprint is not None and r.submission is not None]
    seen = ledger.seen([r.fingerprint for r in readable if r.fingerprint is not None])
    missing = [r for r, known in zip(readable, seen, strict=True) if not known]
    overdue = sum(
        1
        for r in missing
        if r.submission is not None
        and settled(r.submission.submitted_at, now, settings.responses.settle_seconds)
    )
    return Lag(len(parsed), len(missing), overdue, len(parsed) - len(readable))
