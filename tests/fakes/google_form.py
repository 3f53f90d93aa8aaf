"""A Google Form, as far as the backend sees it: each response goes to its linked responses
sheet (always), to the Apps Script webhook (when the fetch works), and to its CSV download.

The responses sheet holds what Forms writes there: the timestamp and DATE answers as serial
numbers (days since 1899-12-30 in the spreadsheet's time zone), and every answer that looks like
a number as a number of 15 significant digits (the Sheets fake's USER_ENTERED rule), so a phone
loses its leading zero and a 16-digit NIK its last digit. The webhook body is the one Code.gs
builds (responseId, ISO 8601 timestamp with milliseconds, answers by question title).
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.sheets_model import Cell, Spreadsheet, user_entered

SHEET_EPOCH = datetime(1899, 12, 30)


def serial(moment: datetime, tz: ZoneInfo) -> float:
    """What Sheets stores for a date-time: days since 1899-12-30, wall time in `tz`."""
    wall = moment.astimezone(tz).replace(tzinfo=None)
    return (wall - SHEET_EPOCH) / timedelta(days=1)


@dataclass
class Response:
    response_id: str
    at: datetime  # aware, with milliseconds, as FormResponse.getTimestamp()
    answers: dict[str, Any]  # title -> text, or a list for a checkbox question

    def webhook_body(self) -> dict[str, Any]:
        stamp = self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"responseId": self.response_id, "timestamp": stamp, "answers": self.answers}


@dataclass
class GoogleForm:
    titles: list[str]  # question titles, in form order
    date_titles: frozenset[str] = frozenset()  # DATE questions
    sheet_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Makassar"))
    timestamp_title: str = "Timestamp"
    round_to_seconds: bool = False  # the sheet's timestamp rounded to the second
    responses: list[Response] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]

    def submit(self, answers: dict[str, Any], at: datetime) -> Response:
        response = Response(f"2_ABaOnud{next(self._ids):06d}", at, answers)
        self.responses.append(response)
        return response

    def header(self) -> list[str]:
        return [self.timestamp_title, *self.titles]

    def sheet_cells(self, response: Response) -> list[Cell]:
        stamp = serial(response.at, self.sheet_tz)
        if self.round_to_seconds:
            stamp = round(stamp * 86400) / 86400
        cells = [Cell(stamp)]
        for title in self.titles:
            value = response.answers.get(title, "")
            if isinstance(value, list):
                value = ", ".join(value)
            if title in self.date_titles and value:
                cells.append(Cell(float((date.fromisoformat(value) - SHEET_EPOCH.date()).days)))
            else:
                cells.append(user_entered(value))
        return cells

    def write_row(self, book: Spreadsheet, title: str, response: Response) -> None:
        """Append the response's row to the linked sheet (the header first, on the first one).
        The sheet is looked up each time: the fake's batchUpdate swaps in new sheet objects."""
        sheet = book.sheet(title)
        if not sheet.cells:
            for c, title in enumerate(self.header()):
                sheet.cells[(0, c)] = Cell(title)
        row = sheet.last_row()
        if row >= sheet.rows:
            sheet.rows = row + 100
        for c, cell in enumerate(self.sheet_cells(response)):
            if cell.value != "":
                sheet.cells[(row, c)] = cell

    def csv_download(self, tz: ZoneInfo | None = None) -> str:
        """Responses > Download responses (.csv): "2026/11/21 2:03:05 PM GMT+8", text as typed."""
        tz = tz or self.sheet_tz
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.header())
        for r in self.responses:
            local = r.at.astimezone(tz)
            offset = local.utcoffset() or timedelta(0)
            hours = int(offset.total_seconds() // 3600)
            stamp = (
                f"{local.year}/{local.month:02d}/{local.day:02d} "
                f"{(local.hour % 12) or 12}:{local.minute:02d}:{local.second:02d} "
                f"{'PM' if local.hour >= 12 else 'AM'} GMT{hours:+d}"
            )
            row = [stamp]
            for title in self.titles:
                value = r.answers.get(title, "")
                row.append(", ".join(value) if isinstance(value, list) else value)
            writer.writerow(row)
        return out.getvalue()
