"""The Google Sheets backend's spreadsheet: reads and writes through gspread, behind the same
interface as the local one. Cells are written with valueInputOption=RAW, so nothing becomes a
formula or a number.

Requests are counted against Google's per-minute quotas: the spreadsheet's metadata is read once
and cached (opening a spreadsheet or a worksheet costs a read), header rows are cached, appends go
in as few requests as the 2 MB request guidance allows.
"""

from __future__ import annotations

import logging
from typing import Any

import gspread
from gspread.exceptions import APIError

from sheets_bridge import sharing
from sheets_bridge.base import (
    CellNotFound,
    LayoutError,
    SheetBackend,
    SheetError,
    WorksheetNotFound,
)
from sheets_bridge.google import batch
from sheets_bridge.google.batch import a1_sheet, chunks_by_size, column_letters
from sheets_bridge.google.http import PacedHTTPClient
from sheets_bridge.setup import WorksheetLayout

log = logging.getLogger(__name__)
SHEETS_V4 = "https://sheets.googleapis.com/v4/spreadsheets/"


class GoogleSheets(SheetBackend):
    """One Google spreadsheet, through a gspread Client."""

    SHARING_RECHECK_SECONDS = 3600

    def __init__(
        self, client: gspread.Client, spreadsheet_key: str, allow_public_link: bool = False
    ):
        self.client, self.key = client, spreadsheet_key
        self.allow_public_link = allow_public_link
        self._sharing_checked_at: float | None = None
        self._meta: dict[str, Any] | None = None
        self._headers: dict[str, list[str]] = {}

    @property
    def http(self) -> PacedHTTPClient:
        return self.client.http_client  # type: ignore[return-value]

    # -- opening ---------------------------------------------------------------------------

    def metadata(self, refresh: bool = False) -> dict[str, Any]:
        """The spreadsheet's metadata: one read request, then cached."""
        if self._meta is None or refresh:
            try:
                self._meta = self.http.fetch_sheet_metadata(self.key)  # type: ignore[assignment]
            except APIError as exc:
                status = exc.response.status_code
                if status in (403, 404):
                    raise SheetError(
                        f"spreadsheet {self.key!r} not found, or not shared with "
                        "the service account's email"
                    ) from exc
                raise
        return self._meta  # type: ignore[return-value]

    def sheet_properties(self, name: str) -> dict[str, Any]:
        for sheet in self.metadata()["sheets"]:
            if sheet["properties"]["title"] == name:
                return sheet
        raise WorksheetNotFound(name)

    def permissions(self) -> list[dict[str, Any]]:
        return self.http.list_permissions(self.key)  # type: ignore[return-value]

    def guard_sharing(self) -> None:
        """Refuse to write personal data to a spreadsheet shared by link (checked hourly)."""
        now = self.http.reads.clock()
        if (
            self._sharing_checked_at is not None
            and now - self._sharing_checked_at < self.SHARING_RECHECK_SECONDS
        ):
            return
        public = sharing.public_permissions(self.permissions())
        if public and not self.allow_public_link:
            raise sharing.SharedPublicly(
                "refusing to write personal data: " + " ".join(sharing.describe(p) for p in public)
            )
        if public:
            log.warning(
                "the spreadsheet %s is shared by link and [sheet] allow_public_link is "
                "set: personal data is written to it anyway (%d public permission(s))",
                self.key,
                len(public),
            )
        self._sharing_checked_at = now

    # -- the interface ---------------------------------------------------------------------

    def worksheet_names(self) -> list[str]:
        return [s["properties"]["title"] for s in self.metadata()["sheets"]]

    def ensure_worksheet(self, name: str, headers: list[str]) -> None:
        if name not in self.worksheet_names():
            self._add_sheet(name, len(headers))
        current = self.header(name)
        # A new worksheet gets its headers; one a newer version adds columns to at the end
        # gets the new headers (a repair).
        if headers[: len(current)] == current and len(current) < len(headers):
            self.http.values_update(
                self.key,
                f"{a1_sheet(name)}!A1",
                params={"valueInputOption": "RAW"},
                body={"values": [headers]},
            )
            self._headers[name] = list(headers)
        elif current[: len(headers)] != headers:
            raise LayoutError(
                f"worksheet {name!r} has headers {current!r}; the configuration expects {headers!r}"
            )

    def _add_sheet(self, name: str, width: int, rows: int = 1000, hidden: bool = False) -> None:
        try:
            self.http.batch_update(
                self.key,
                {
                    "requests": [
                        {
                            "addSheet": {
                                "properties": {
                                    "title": name,
                                    "hidden": hidden,
                                    "gridProperties": {
                                        "rowCount": rows,
                                        "columnCount": max(26, width),
                                        "frozenRowCount": 1,
                                    },
                                }
                            }
                        }
                    ]
                },
            )
        except APIError as exc:
            # A retried addSheet whose first try was applied (a 503 after the fact) finds it
            # there already: that is the outcome we wanted.
            if exc.response.status_code != 400 or "already exists" not in str(exc):
                raise
        self.metadata(refresh=True)

    def header(self, name: str) -> list[str]:
        if name not in self._headers:
            self.sheet_properties(name)
            reply = self.http.values_get(self.key, f"{a1_sheet(name)}!1:1")
            values = reply.get("values", [[]])
            self._headers[name] = [str(v) for v in values[0]] if values else []
        return self._headers[name]

    def get_all_values(self, name: str) -> list[list[str]]:
        self.sheet_properties(name)
        rows = self.http.values_get(self.key, a1_sheet(name)).get("values", [])
        width = max((len(r) for r in rows), default=0)
        return [[str(c) for c in r] + [""] * (width - len(r)) for r in rows]

    def column_values(self, name: str, header: str) -> list[str]:
        head = self.header(name)
        if header not in head:
            raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {header!r}")
        letter = column_letters(head.index(header))
        reply = self.http.values_get(
            self.key,
            f"{a1_sheet(name)}!{letter}2:{letter}",
            params={"valueRenderOption": "UNFORMATTED_VALUE"},
        )
        return [str(r[0]) if r else "" for r in reply.get("values", [])]

    def read_columns(self, name: str, headers: list[str]) -> dict[str, list[Any]]:
        """Several columns in one values.batchGet (one read), checkboxes as booleans."""
        head = self.header(name)
        missing = [h for h in headers if h not in head]
        if missing:
            raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {missing[0]!r}")
        ranges = [
            f"{a1_sheet(name)}!{column_letters(head.index(h))}2:{column_letters(head.index(h))}"
            for h in headers
        ]
        reply = self.http.values_batch_get(
            self.key,
            ranges,
            params={"valueRenderOption": "UNFORMATTED_VALUE", "majorDimension": "COLUMNS"},
        )
        out = {}
        for h, vr in zip(headers, reply.get("valueRanges", []), strict=True):
            values = vr.get("values", [[]])
            out[h] = values[0] if values else []
        longest = max((len(v) for v in out.values()), default=0)
        return {h: v + [""] * (longest - len(v)) for h, v in out.items()}  # Google trims ends

    def read_rows(self, name: str, first_row: int) -> tuple[list[str], list[list[Any]]]:
        """One metadata read (the grid may have grown) and one values.batchGet."""
        self.metadata(refresh=True)
        grid = self.sheet_properties(name)["properties"]["gridProperties"]
        last = column_letters(grid["columnCount"] - 1)
        ranges = [f"{a1_sheet(name)}!A1:{last}1"]
        if first_row <= grid["rowCount"]:
            ranges.append(f"{a1_sheet(name)}!A{first_row}:{last}")
        reply = self.http.values_batch_get(
            self.key,
            ranges,
            params={
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "SERIAL_NUMBER",
            },
        )
        parts = [vr.get("values", []) for vr in reply.get("valueRanges", [])]
        header = [str(v) for v in parts[0][0]] if parts and parts[0] else []
        return header, parts[1] if len(parts) > 1 else []

    def time_zone(self) -> str | None:
        return self.metadata()["properties"].get("timeZone")  # type: ignore[no-any-return]

    def update_rows_by_key(
        self,
        name: str,
        key_header: str,
        rows: dict[str, dict[str, str | bool]],
        all_or_nothing: bool = False,  # one request per write: whole already
        derived: bool = False,  # Google's to keep
    ) -> None:
        """One values.batchUpdateByDataFilter for all rows; rows not tagged yet are tagged
        (one read, one write, one read back) and written in a second request."""
        if not rows:
            return
        head = self.header(name)
        missing = [h for cells in rows.values() for h in cells if h not in head]
        if missing:
            raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {missing[0]!r}")
        self.guard_sharing()
        width = max(head.index(h) for cells in rows.values() for h in cells) + 1
        packed: dict[str, list[Any]] = {}
        for key, cells in rows.items():
            line: list[Any] = [None] * width
            for header, value in cells.items():
                line[head.index(header)] = value
            packed[key] = line
        written = self._write_by_key(name, packed)  # once: one request for every row
        untagged = [k for k in packed if k not in written]
        if untagged:
            self.tag_rows(name, key_header, untagged)
            written = self._write_by_key(name, {k: packed[k] for k in untagged})
            left = [k for k in untagged if k not in written]
            if left:
                raise SheetError(f"{len(left)} baris {name!r} tidak dapat ditulis")

    def append_rows(self, name: str, rows: list[list[str | bool]]) -> None:
        if not rows:
            return
        self.sheet_properties(name)
        self.guard_sharing()
        for chunk in chunks_by_size(rows):
            self.http.values_append(
                self.key,
                f"{a1_sheet(name)}!A1",
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                # Text stays text (RAW); a bool is a checkbox's state (a restored row's ticks).
                body={"values": [[c if isinstance(c, bool) else str(c) for c in r] for r in chunk]},
            )

    def replace_all(self, name: str, rows: list[list[str]], text_columns: list[int]) -> None:
        """Fill a hidden new worksheet over as many requests as the 2 MB guidance needs, then
        swap it in with one batchUpdate (atomic: readers see the old list or the new one)."""
        self.guard_sharing()
        temp = f"{name} (baru)"
        if temp in self.worksheet_names():  # left by a run that died before its swap
            self.http.batch_update(
                self.key, {"requests": [{"deleteSheet": {"sheetId": self._sheet_id(temp)}}]}
            )
            self.metadata(refresh=True)
        width = max((len(r) for r in rows), default=1)
        # A row more than the list: Google refuses to freeze every row of a sheet (400 "You
        # can't freeze all visible rows"), and a list may be its header alone.
        self._add_sheet(temp, width, rows=len(rows) + 1, hidden=True)
        start = 1
        for chunk in chunks_by_size(rows):
            self.http.values_update(
                self.key,
                f"{a1_sheet(temp)}!A{start}",
                params={"valueInputOption": "RAW"},
                body={"values": chunk},
            )
            start += len(chunk)
        new_id = self._sheet_id(temp)
        old_id = self._sheet_id(name) if name in self.worksheet_names() else None
        swap = batch.swap_requests(old_id, new_id, name, text_columns, self.service_account)
        self.http.batch_update(self.key, {"requests": swap})
        self.metadata(refresh=True)
        self._headers.pop(name, None)

    def apply_layout(self, layout: WorksheetLayout) -> None:
        """One batchUpdate: frozen header, checkboxes, text formats, protections, widths.

        Every request in it sets a state, so a second run leaves the spreadsheet as it was; our
        protected ranges are found by their description and added only when missing."""
        self.ensure_worksheet(layout.name, layout.headers)
        sheet = self.sheet_properties(layout.name)
        requests_ = batch.layout_requests(layout, sheet, self.service_account)
        self.http.batch_update(self.key, {"requests": requests_})
        self.metadata(refresh=True)

    @property
    def service_account(self) -> str:
        return str(getattr(self.http.auth, "service_account_email", "") or "")

    def update_by_key(
        self, name: str, key_header: str, key: str, header: str, value: str | bool
    ) -> None:
        """Write one cell of the row holding `key`, wherever verifiers have sorted it.

        The row is found by its developer metadata (`prens_id`), which moves with the row; a row
        not tagged yet is tagged first (see tag_rows). A checkbox value is written as a boolean.
        """
        head = self.header(name)
        for column in (key_header, header):
            if column not in head:
                raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {column!r}")
        self.guard_sharing()
        self.update_rows_by_key(name, key_header, {key: {header: value}})

    def _write_by_key(self, name: str, rows: dict[str, list[Any]]) -> set[str]:
        """Write each row's cells (None: left as is) to the row tagged with its key; return the
        keys written."""
        self.sheet_properties(name)
        reply = self.http.request(
            "post",
            f"{SHEETS_V4}{self.key}/values:batchUpdateByDataFilter",
            json={
                "valueInputOption": "RAW",
                "data": [
                    {
                        "dataFilter": batch.key_filter(key),
                        "majorDimension": "ROWS",
                        "values": [cells],
                    }
                    for key, cells in rows.items()
                ],
            },
        ).json()
        return {
            r["dataFilter"]["developerMetadataLookup"]["metadataValue"]
            for r in reply.get("responses", [])
            if r.get("updatedCells")
        }

    def _sheet_id(self, name: str) -> int:
        return int(self.sheet_properties(name)["properties"]["sheetId"])

    def tag_rows(self, name: str, key_header: str, keys: list[str]) -> None:
        """Attach `prens_id` developer metadata to the rows holding `keys`, then read the rows
        back through the metadata: a verifier who sorted between our read and our write would
        have moved the rows under the tags, so wrong tags are removed and the rows tagged again.
        """
        sid, col = self._sheet_id(name), self.header(name).index(key_header)
        pending = list(dict.fromkeys(keys))
        for _attempt in range(4):
            ids = self.column_values(name, key_header)
            missing = [k for k in pending if k not in ids]
            if missing:
                raise CellNotFound(
                    f"lembar kerja {name!r} tidak punya baris dengan {key_header} = {missing[0]!r}"
                )
            self.http.batch_update(
                self.key,
                {"requests": [batch.tag_row(sid, k, ids.index(k) + 1) for k in pending]},
            )
            reply = self.http.request(
                "post",
                f"{SHEETS_V4}{self.key}/values:batchGetByDataFilter",
                json={
                    "dataFilters": [batch.key_filter(k) for k in pending],
                    "valueRenderOption": "UNFORMATTED_VALUE",
                },
            ).json()
            wrong = []
            for found in reply.get("valueRanges", []):
                key = found["dataFilters"][0]["developerMetadataLookup"]["metadataValue"]
                values = found["valueRange"].get("values", [[]])
                cells = values[0] if values else []
                if col >= len(cells) or str(cells[col]) != key:
                    wrong.append(key)
            if not wrong:
                return
            log.warning("%d row tag(s) of %s landed on moved rows; tagging again", len(wrong), name)
            self.http.batch_update(self.key, {"requests": [batch.untag_row(k) for k in wrong]})
            pending = wrong
        raise SheetError(f"baris-baris {name!r} terus berpindah saat ditandai; coba lagi")
