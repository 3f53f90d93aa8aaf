"""Our gspread HTTP client: bounded retries with backoff and jitter, Retry-After, pacing under
the per-minute quotas, timeouts, and no blind retry of an append.

gspread 6.2.1's BackOffHTTPClient retries a 429 forever; this one gives up after
`max_attempts`. An append whose outcome is unknown (a 5xx, a timeout, a reset connection) is not
retried here: it raises AppendOutcomeUnknown, and the caller reads the ID column to learn which
rows arrived. A 429 is safe to retry, append or not: Google refuses it before doing anything.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import google.auth.exceptions
import requests
from google.auth.credentials import Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from sheets_bridge.base import AppendOutcomeUnknown, SheetError, SheetsUnavailable
from sheets_bridge.google.pacing import MinuteBudget

log = logging.getLogger(__name__)
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
READ_POSTS = (":batchGetByDataFilter", "developerMetadata:search")


class PacedHTTPClient(HTTPClient):
    """A gspread HTTPClient shared by the web threads and the scheduler."""

    def __init__(
        self,
        auth: Credentials | None,
        session: requests.Session | None = None,
        *,
        reads_per_minute: int = 60,
        writes_per_minute: int = 60,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 64.0,
        timeout: tuple[float, float] = (10.0, 60.0),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        super().__init__(auth, session)  # type: ignore[arg-type]
        self.auth = auth  # type: ignore[assignment]  # gspread keeps it only when it makes the session
        self.timeout = timeout
        self.reads = MinuteBudget(reads_per_minute, clock)
        self.writes = MinuteBudget(writes_per_minute, clock)
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.sleep, self.jitter = sleep, jitter
        self._session_lock = threading.Lock()  # requests.Session is not made for sharing
        self.sent = {"read": 0, "write": 0}

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        # Two POST endpoints only read, and count against the read quota.
        kind = "read" if method.lower() == "get" or endpoint.endswith(READ_POSTS) else "write"
        is_append = ":append" in endpoint
        for attempt in range(1, self.max_attempts + 1):
            wait = (self.reads if kind == "read" else self.writes).reserve()
            if wait > 0:
                self.sleep(wait)
            try:
                with self._session_lock:
                    self.sent[kind] += 1
                    return super().request(method, endpoint, *args, **kwargs)
            except APIError as exc:
                status = exc.response.status_code
                if status not in RETRYABLE:
                    raise
                if is_append and status != 429:
                    raise AppendOutcomeUnknown(
                        f"append answered {status}; outcome unknown"
                    ) from exc
                if attempt == self.max_attempts:
                    raise SheetsUnavailable(
                        f"Google Sheets answered {status} {self.max_attempts} times"
                    ) from exc
                delay = self._delay(attempt, exc.response.headers.get("Retry-After"))
                log.warning(
                    "sheets %s %s: %d, retry %d in %.1f s",
                    method.upper(),
                    kind,
                    status,
                    attempt,
                    delay,
                )
            except google.auth.exceptions.RefreshError as exc:
                # Google's token endpoint refused the key: trying again gets the same answer.
                raise SheetError(
                    f"Google menolak kunci akun layanan ({exc}): kuncinya mungkin dihapus atau "
                    "akunnya dinonaktifkan; buat kunci JSON baru untuk akun layanan dan arahkan "
                    "[sheet] credentials_file ke sana"
                ) from exc
            except google.auth.exceptions.TransportError as exc:
                # The token could not be fetched: nothing was sent to Sheets yet, so even an
                # append is safe to try again.
                if attempt == self.max_attempts:
                    raise SheetsUnavailable(
                        f"Google tidak dapat dihubungi untuk masuk dengan akun layanan: {exc}; "
                        "periksa jaringan dan DNS mesin ini"
                    ) from exc
                delay = self._delay(attempt, None)
                log.warning(
                    "sheets sign-in: %s, retry %d in %.1f s", type(exc).__name__, attempt, delay
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if is_append:
                    raise AppendOutcomeUnknown(f"append failed: {type(exc).__name__}") from exc
                if attempt == self.max_attempts:
                    raise SheetsUnavailable(f"Google Sheets tidak dapat dihubungi: {exc}") from exc
                delay = self._delay(attempt, None)
                log.warning(
                    "sheets %s %s: %s, retry %d in %.1f s",
                    method.upper(),
                    kind,
                    type(exc).__name__,
                    attempt,
                    delay,
                )
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        delay *= 0.5 + self.jitter() / 2  # jitter: several clients do not retry in step
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        return delay
