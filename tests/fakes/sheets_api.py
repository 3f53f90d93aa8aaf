"""A Sheets API v4 (and Drive permissions, and OAuth token) fake, mounted as a `requests`
transport adapter, so the real gspread and google-auth code runs against it.

Response shapes follow the API reference. They were compared with gspread's recorded
responses (tests/cassettes in the gspread repository): `SpreadsheetTest.test_values_get` for the
addSheet reply, values.update's updatedRange/updatedRows/updatedColumns/updatedCells, values.get's
range (an open range is named by the grid's bounds) and trimmed values, and the empty `{}` reply of
a batchUpdate request. The append reply (tableRange, updates) follows the reference.

What it models: spreadsheets.get metadata; values.get, values.batchGet, values.update,
values.batchUpdate, values.append with A1 ranges (quoted sheet names, open-ended ranges) and
gspread's URL encoding; append's table detection (after the last row that holds a value) and
its `tableRange`/`updates.updatedRange` reply; RAW versus USER_ENTERED input (a USER_ENTERED
`=...` becomes a formula, a number-like string a number of 15 significant digits, TRUE/FALSE a
boolean); valueRenderOption FORMATTED_VALUE, UNFORMATTED_VALUE and FORMULA; grid limits on
update (append grows the grid, as Google does); the batchUpdate requests `prens sheet setup`
sends; developer metadata on rows (moving with the rows when `sort_rows` sorts them),
developerMetadata.search, values.batchGetByDataFilter and values.batchUpdateByDataFilter (null
cells skipped); Drive permissions listing; the OAuth token endpoint, checking the JWT's issuer and
RS256 signature; the per-minute read and write quotas with Google's 429 body;
and fault injection (429; 500/503 before applying; 503 after applying; timeouts before and
after applying).

What it does not model: formatting of numbers beyond the automatic format, formulas beyond
`=a+b`, `=a-b` and `=a*b`, filters and sorting by users (tests sort rows with `sort_rows`),
merged cells, the per-project quota, request size limits, and everything no code here calls.
"""

from __future__ import annotations

import base64
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter

from tests.fakes.discovery import Refused, check_request
from tests.fakes.sheets_model import ApiError, Cell, Spreadsheet

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets/"
DRIVE = "https://www.googleapis.com/drive/v3/files/"
TOKEN = "https://oauth2.googleapis.com/token"
FAULTS = ("429", "500-before", "503-before", "503-after", "timeout-before", "timeout-after")


class FakeClock:
    """Time that moves only when something sleeps: minutes of backoff cost no real time."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@dataclass
class Faults:
    """Which requests fail: a queue of planned faults, then a seeded random rate."""

    planned: deque[str] = field(default_factory=deque)
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULTS
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def next(self) -> str | None:
        if self.planned:
            return self.planned.popleft()
        if self.rate and self.rng.random() < self.rate:
            return self.rng.choice(self.kinds)
        return None


class FakeSheetsAPI(BaseAdapter):
    """Mount on a requests.Session for https://: answers as Google's servers would."""

    def __init__(
        self,
        clock: FakeClock | None = None,
        reads_per_minute: int = 60,
        writes_per_minute: int = 60,
        service_account: str = "prens@example.iam.gserviceaccount.com",
        latency: float = 0.0,
    ):
        super().__init__()
        self.clock = clock or FakeClock()
        self.latency = latency  # fake seconds each request takes (a real round trip: ~0.3 s)
        self.limits = {"read": reads_per_minute, "write": writes_per_minute}
        self.window: dict[str, deque[float]] = {"read": deque(), "write": deque()}
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.faults = Faults()
        self.counts = {"read": 0, "write": 0, "drive": 0, "429": 0, "faults": 0}
        self.service_account = service_account
        self.public_key: Any = None  # when set, token requests must be signed with its key
        self.tokens_issued = 0
        self.token_down = False  # the token endpoint unreachable (no network, no DNS)
        self.log: list[tuple[str, str]] = []
        self.refused: list[str] = []  # requests the discovery documents say Google refuses
        # Called with each request before it is answered: lets a test act as a verifier at an
        # exact moment (say, sort the rows just before a write).
        self.hooks: list[Callable[[requests.PreparedRequest], None]] = []

    # -- set-up for tests ----------------------------------------------------------------

    def create(
        self, key: str, title: str = "Lindungi Prens", first_sheet: str = "Sheet1"
    ) -> Spreadsheet:
        book = Spreadsheet(key, title)
        book.add_sheet(first_sheet)
        book.permissions.append(
            {
                "id": "owner",
                "type": "user",
                "role": "owner",
                "emailAddress": "dinas@balangankab.go.id",
            }
        )
        book.permissions.append(
            {"id": "sa", "type": "user", "role": "writer", "emailAddress": self.service_account}
        )
        self.spreadsheets[key] = book
        return book

    def session(self) -> requests.Session:
        s = requests.Session()
        s.mount("https://", self)
        return s

    def cell(self, key: str, sheet: str, row: int, col: int) -> Cell | None:
        return self.spreadsheets[key].sheet(sheet).cells.get((row, col))

    def sort_rows(self, key: str, sheet: str, column: int, reverse: bool = True) -> None:
        """What a verifier does with Data > Sort range: data rows move, the header stays."""
        s = self.spreadsheets[key].sheet(sheet)
        last = s.last_row()
        rows = [
            ([s.cells.get((r, c)) for c in range(s.cols)], s.row_metadata.get(r))
            for r in range(1, last)
        ]
        rows.sort(
            key=lambda row: str(row[0][column].value if row[0][column] else ""), reverse=reverse
        )
        for r, (row, meta) in enumerate(rows, start=1):
            for c, cell in enumerate(row):
                if cell is None:
                    s.cells.pop((r, c), None)
                else:
                    s.cells[(r, c)] = cell
            for entry in meta or []:  # developer metadata on a row moves with the row
                entry["location"]["dimensionRange"].update(startIndex=r, endIndex=r + 1)
            if meta:
                s.row_metadata[r] = meta
            else:
                s.row_metadata.pop(r, None)

    def delete_row(self, key: str, sheet: str, row: int) -> None:
        """What a verifier does with "Delete row": rows below move up, its metadata goes."""
        s = self.spreadsheets[key].sheet(sheet)
        s.cells = {
            (r - 1 if r > row else r, c): cell for (r, c), cell in s.cells.items() if r != row
        }
        moved: dict[int, list[dict[str, Any]]] = {}
        for r, entries in s.row_metadata.items():
            if r == row:
                continue
            target = r - 1 if r > row else r
            for entry in entries:
                entry["location"]["dimensionRange"].update(startIndex=target, endIndex=target + 1)
            moved[target] = entries
        s.row_metadata = moved

    # -- transport -------------------------------------------------------------------------

    def close(self) -> None:
        pass

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if url.startswith(TOKEN):
            if self.token_down:
                raise requests.ConnectionError("fake: oauth2.googleapis.com cannot be resolved")
            return self._token(request)
        # The Drive API has quotas of its own, far above the Sheets API's: count it apart.
        reads = request.method == "GET" or url.endswith(
            (":batchGetByDataFilter", "developerMetadata:search")
        )
        kind = "drive" if url.startswith(DRIVE) else "read" if reads else "write"
        self.clock.sleep(self.latency)
        self.log.append((request.method or "", url))
        if request.headers.get("Authorization", "") != "Bearer fake-access-token":
            return self._error(
                request,
                ApiError(
                    401, "Request is missing required authentication credential.", "UNAUTHENTICATED"
                ),
            )
        for hook in list(self.hooks):
            hook(request)
        self.counts[kind] += 1
        if kind != "drive" and not self._within_quota(kind):
            self.counts["429"] += 1
            return self._quota_error(request, kind)
        fault = self.faults.next()
        if fault:
            self.counts["faults"] += 1
        if fault is not None and fault.startswith("429"):
            self.counts["429"] += 1
            response = self._quota_error(request, kind)
            if fault.startswith("429-retry-after-"):  # e.g. "429-retry-after-30"
                response.headers["Retry-After"] = fault.rsplit("-", 1)[1]
            return response
        if fault in ("500-before", "503-before"):
            return self._error(
                request,
                ApiError(int(fault[:3]), "The service is currently unavailable.", "UNAVAILABLE"),
            )
        if fault == "timeout-before":
            raise requests.ReadTimeout("fake: timed out before the request was applied")
        try:
            body = self._route(request)
        except ApiError as exc:
            return self._error(request, exc)
        if fault == "503-after":
            return self._error(
                request, ApiError(503, "The service is currently unavailable.", "UNAVAILABLE")
            )
        if fault == "timeout-after":
            raise requests.ReadTimeout("fake: timed out after the request was applied")
        return self._response(request, 200, body)

    def _within_quota(self, kind: str) -> bool:
        now, sent = self.clock(), self.window[kind]
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if len(sent) >= self.limits[kind]:
            return False
        sent.append(now)
        return True

    def _quota_error(self, request: requests.PreparedRequest, kind: str) -> requests.Response:
        metric = "Read requests" if kind == "read" else "Write requests"
        body = {
            "error": {
                "code": 429,
                "message": f"Quota exceeded for quota metric '{metric}' and limit '{metric} per "
                "minute per user' of service 'sheets.googleapis.com' for consumer "
                "'project_number:123456789012'.",
                "status": "RESOURCE_EXHAUSTED",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "RATE_LIMIT_EXCEEDED",
                        "domain": "googleapis.com",
                        "metadata": {
                            "quota_limit": "WriteRequestsPerMinutePerUser"
                            if kind == "write"
                            else "ReadRequestsPerMinutePerUser",
                            "service": "sheets.googleapis.com",
                        },
                    }
                ],
            }
        }
        return self._response(request, 429, body)

    def _error(self, request: requests.PreparedRequest, exc: ApiError) -> requests.Response:
        return self._response(
            request,
            exc.status,
            {"error": {"code": exc.status, "message": exc.message, "status": exc.reason}},
        )

    @staticmethod
    def _response(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def _token(self, request: requests.PreparedRequest) -> requests.Response:
        form = parse_qs(
            request.body if isinstance(request.body, str) else (request.body or b"").decode()
        )
        assertion = form.get("assertion", [""])[0]
        try:
            claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
        except (IndexError, ValueError):
            return self._response(request, 400, {"error": "invalid_grant"})
        if claims.get("iss") != self.service_account or not self._signed(assertion):
            return self._response(
                request,
                400,
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
            )
        self.tokens_issued += 1
        return self._response(
            request,
            200,
            {"access_token": "fake-access-token", "expires_in": 3599, "token_type": "Bearer"},
        )

    def _signed(self, assertion: str) -> bool:
        """Whether the JWT is RS256-signed by the service account's key (as Google checks)."""
        if self.public_key is None:
            return True
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        head, payload, signature = assertion.split(".")
        try:
            self.public_key.verify(
                base64.urlsafe_b64decode(signature + "=="),
                f"{head}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return False
        return True

    # -- the API ---------------------------------------------------------------------------

    def _route(self, request: requests.PreparedRequest) -> Any:
        from tests.fakes import sheets_ops

        parts = urlsplit(request.url or "")
        query = parse_qs(parts.query)
        body = json.loads(request.body) if request.body else {}
        full = f"{parts.scheme}://{parts.netloc}{parts.path}"
        document = "drive.v3.json" if full.startswith(DRIVE) else "sheets.v4.json"
        try:  # what Google's own API description refuses, the fake refuses too
            check_request(document, request.method or "GET", parts.path, query, body or None)
        except Refused as exc:
            self.refused.append(str(exc))
            raise ApiError(400, str(exc), "INVALID_ARGUMENT") from exc
        if full.startswith(DRIVE):
            key = unquote(full[len(DRIVE) :].split("/")[0])
            return {"permissions": list(self._book(key).permissions)}
        path = parts.path[len("/v4/spreadsheets/") :]
        key, _, rest = path.partition("/")
        if ":" in key and not rest:
            key, _, action = key.partition(":")
            assert action == "batchUpdate", action
            return sheets_ops.batch_update(self._book(key), body)
        book = self._book(unquote(key))
        if not rest:
            return sheets_ops.metadata(book)
        if rest == "developerMetadata:search":
            return sheets_ops.metadata_search(book, body)
        assert rest.startswith("values"), rest
        rest = rest[len("values") :]
        if rest == ":batchGet":
            return sheets_ops.batch_get(book, query)
        if rest == ":batchUpdate":
            return sheets_ops.values_batch_update(book, body)
        if rest == ":batchGetByDataFilter":
            return sheets_ops.batch_get_by_filter(book, body)
        if rest == ":batchUpdateByDataFilter":
            return sheets_ops.batch_update_by_filter(book, body)
        a1 = unquote(rest.lstrip("/"))
        if a1.endswith(":append"):
            return sheets_ops.append(book, a1[: -len(":append")], query, body)
        if request.method == "PUT":
            return sheets_ops.update(book, a1, query.get("valueInputOption", ["RAW"])[0], body)
        return sheets_ops.get(book, a1, query)

    def _book(self, key: str) -> Spreadsheet:
        if key not in self.spreadsheets:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        return self.spreadsheets[key]


__all__ = ["FakeClock", "FakeSheetsAPI"]
