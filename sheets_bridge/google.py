"""The Google Sheets backend, on gspread 6 and google-auth, behind the same interface as the
local one. Cells are written with valueInputOption=RAW, so nothing becomes a formula or a number.

Requests are counted against Google's per-minute quotas: the spreadsheet's metadata is read once
and cached (opening a spreadsheet or a worksheet costs a read), header rows are cached, appends go
in as few requests as the 2 MB request guidance allows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import gspread
import requests
from gspread.exceptions import APIError

from sheets_bridge import setup, sharing
from sheets_bridge.base import (
    CellNotFound,
    LayoutError,
    SheetBackend,
    SheetError,
    WorksheetNotFound,
)
from sheets_bridge.credentials import credentials_path, credentials_problem
from sheets_bridge.http import PacedHTTPClient
from sheets_bridge.setup import WorksheetLayout

log = logging.getLogger(__name__)
SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
MAX_REQUEST_BYTES = 1_800_000  # under Google's 2 MB guidance, with room for the envelope
ROW_KEY = "prens_id"  # developer metadata naming the registration a row holds
SHEETS_V4 = "https://sheets.googleapis.com/v4/spreadsheets/"


def a1_sheet(name: str) -> str:
    """A worksheet name quoted for an A1 range."""
    return "'" + name.replace("'", "''") + "'"


def column_letters(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def chunks_by_size(
    rows: Sequence[list[Any]], limit: int = MAX_REQUEST_BYTES
) -> list[list[list[Any]]]:
    """Split rows so each append's JSON body stays under `limit` bytes."""
    out: list[list[list[Any]]] = [[]]
    size = 0
    for row in rows:
        cost = len(json.dumps(row, ensure_ascii=False).encode()) + 1
        if out[-1] and size + cost > limit:
            out.append([])
            size = 0
        out[-1].append(row)
        size += cost
    return [c for c in out if c]


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
            raise CellNotFound(f"worksheet {name!r} has no column {header!r}")
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
            raise CellNotFound(f"worksheet {name!r} has no column {missing[0]!r}")
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
        self, name: str, key_header: str, rows: dict[str, dict[str, str | bool]]
    ) -> None:
        """One values.batchUpdateByDataFilter for all rows; rows not tagged yet are tagged
        (one read, one write, one read back) and written in a second request."""
        if not rows:
            return
        head = self.header(name)
        missing = [h for cells in rows.values() for h in cells if h not in head]
        if missing:
            raise CellNotFound(f"worksheet {name!r} has no column {missing[0]!r}")
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
                raise SheetError(f"{len(left)} row(s) of {name!r} could not be written")

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
        swap: list[dict[str, Any]] = []
        if name in self.worksheet_names():
            swap.append({"deleteSheet": {"sheetId": self._sheet_id(name)}})
        swap.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": new_id,
                        "title": name,
                        "hidden": False,
                        "gridProperties": {"frozenRowCount": 1},
                    },
                    "fields": "title,hidden,gridProperties.frozenRowCount",
                }
            }
        )
        for c in text_columns:
            swap.append(
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": new_id,
                            "startRowIndex": 1,
                            "startColumnIndex": c,
                            "endColumnIndex": c + 1,
                        },
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        editors = {"users": [self.service_account]} if self.service_account else {}
        swap.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": {"sheetId": new_id},
                        "description": setup.PROTECTION_TEXT,
                        "warningOnly": False,
                        "editors": editors,
                    }
                }
            }
        )
        self.http.batch_update(self.key, {"requests": swap})
        self.metadata(refresh=True)
        self._headers.pop(name, None)

    def apply_layout(self, layout: WorksheetLayout) -> None:
        """One batchUpdate: frozen header, checkboxes, text formats, protections, widths.

        Every request in it sets a state, so a second run leaves the spreadsheet as it was; our
        protected ranges are found by their description and added only when missing."""
        self.ensure_worksheet(layout.name, layout.headers)
        sheet = self.sheet_properties(layout.name)
        sid = sheet["properties"]["sheetId"]
        width = len(layout.headers)

        def cols(start: int, end: int, first_row: int = 1) -> dict[str, int]:
            return {
                "sheetId": sid,
                "startRowIndex": first_row,
                "startColumnIndex": start,
                "endColumnIndex": end,
            }

        requests_: list[dict[str, Any]] = [
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": sid,
                        "gridProperties": {"frozenRowCount": layout.frozen_rows},
                    },
                    "fields": "gridProperties.frozenRowCount",
                }
            }
        ]
        for c in layout.checkbox_columns:
            requests_.append(
                {
                    "setDataValidation": {
                        "range": cols(c, c + 1),
                        "rule": {
                            "condition": {"type": "BOOLEAN"},
                            "strict": True,
                            "showCustomUi": True,
                        },
                    }
                }
            )
        for c in layout.text_columns:
            requests_.append(
                {
                    "repeatCell": {
                        "range": cols(c, c + 1),
                        "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        ours = [
            p
            for p in sheet.get("protectedRanges", [])
            if str(p.get("description", "")).startswith(setup.PROTECTION_MARK)
        ]
        wanted = {(start, end) for start, end in layout.protected_columns}
        have = {
            (p["range"].get("startColumnIndex", 0), p["range"].get("endColumnIndex", width)): p
            for p in ours
        }
        for span, existing in have.items():
            if span not in wanted:
                requests_.append(
                    {"deleteProtectedRange": {"protectedRangeId": existing["protectedRangeId"]}}
                )
        editors = {"users": [self.service_account]} if self.service_account else {}
        for start, end in sorted(wanted - set(have)):
            requests_.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": cols(start, end, first_row=0),
                            "description": setup.PROTECTION_TEXT,
                            "warningOnly": False,
                            "editors": editors,
                        }
                    }
                }
            )
        for c, pixels in enumerate(layout.widths):
            requests_.append(
                {
                    "updateDimensionProperties": {
                        "range": {
                            "sheetId": sid,
                            "dimension": "COLUMNS",
                            "startIndex": c,
                            "endIndex": c + 1,
                        },
                        "properties": {"pixelSize": pixels},
                        "fields": "pixelSize",
                    }
                }
            )
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
                raise CellNotFound(f"worksheet {name!r} has no column {column!r}")
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
                        "dataFilter": {
                            "developerMetadataLookup": {
                                "metadataKey": ROW_KEY,
                                "metadataValue": key,
                            }
                        },
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
                    f"worksheet {name!r} has no row with {key_header} = {missing[0]!r}"
                )
            self.http.batch_update(
                self.key,
                {
                    "requests": [
                        {
                            "createDeveloperMetadata": {
                                "developerMetadata": {
                                    "metadataKey": ROW_KEY,
                                    "metadataValue": k,
                                    "visibility": "DOCUMENT",
                                    "location": {
                                        "dimensionRange": {
                                            "sheetId": sid,
                                            "dimension": "ROWS",
                                            "startIndex": ids.index(k) + 1,
                                            "endIndex": ids.index(k) + 2,
                                        }
                                    },
                                }
                            }
                        }
                        for k in pending
                    ]
                },
            )
            reply = self.http.request(
                "post",
                f"{SHEETS_V4}{self.key}/values:batchGetByDataFilter",
                json={
                    "dataFilters": [
                        {"developerMetadataLookup": {"metadataKey": ROW_KEY, "metadataValue": k}}
                        for k in pending
                    ],
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
            self.http.batch_update(
                self.key,
                {
                    "requests": [
                        {
                            "deleteDeveloperMetadata": {
                                "dataFilter": {
                                    "developerMetadataLookup": {
                                        "metadataKey": ROW_KEY,
                                        "metadataValue": k,
                                    }
                                }
                            }
                        }
                        for k in wrong
                    ]
                },
            )
            pending = wrong
        raise SheetError(f"rows of {name!r} kept moving while being tagged; try again")


def open_google(
    spreadsheet_key: str,
    env: Mapping[str, str] | None = None,
    credentials_file: str = "",
    session: requests.Session | None = None,
    allow_public_link: bool = False,
    **client_options: Any,
) -> GoogleSheets:
    """The Google backend with service-account credentials from `credentials_file` or
    GOOGLE_APPLICATION_CREDENTIALS. `session` replaces the HTTP session (for tests)."""
    from google.auth.transport.requests import AuthorizedSession, Request
    from google.oauth2 import service_account

    path = credentials_path(credentials_file, env)
    problem = credentials_problem(path)
    if problem:
        raise SheetError(problem)
    try:
        creds = service_account.Credentials.from_service_account_file(path, scopes=SCOPES)
    except (OSError, ValueError, KeyError) as exc:
        # The key passed the offline check, but google-auth cannot use it (a damaged key).
        raise SheetError(
            f"the Google credentials file {path} cannot be used ({exc}): download the "
            "service account's JSON key again"
        ) from exc
    if session is None:
        authorized = AuthorizedSession(creds)
    else:
        authorized = AuthorizedSession(creds, auth_request=Request(session))
        for prefix, adapter in session.adapters.items():
            authorized.mount(prefix, adapter)
    return from_client(
        gspread.Client(
            creds,
            session=authorized,
            http_client=partial(PacedHTTPClient, **client_options),  # type: ignore[arg-type]
        ),
        spreadsheet_key,
        allow_public_link,
    )


def from_client(
    client: gspread.Client, spreadsheet_key: str, allow_public_link: bool = False
) -> GoogleSheets:
    """The Google backend on an existing gspread Client (credentials managed elsewhere).

    Its HTTP client should be a PacedHTTPClient, or gspread's own retries and quotas apply."""
    return GoogleSheets(client, spreadsheet_key, allow_public_link)


__all__ = ["APIError", "GoogleSheets", "from_client", "open_google"]
