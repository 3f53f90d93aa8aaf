"""Our gspread HTTP client against the fake: bounded retries, backoff, Retry-After, pacing, and no
blind retry of an append."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_bridge.base import AppendOutcomeUnknown, SheetsUnavailable
from sheets_bridge.google.pacing import MinuteBudget
from tests.google_fixtures import SPREADSHEET, google_on_fake

ROWS = [["BLG-A", "x"], ["BLG-B", "y"]]


@pytest.fixture
def google(tmp_path: Path):  # type: ignore[no-untyped-def]
    sheets, fake = google_on_fake(tmp_path)
    sheets.ensure_worksheet("Pendaftar", ["ID Pendaftaran", "Nama"])
    sheets.guard_sharing()  # the hourly permission check, done: faults below hit the append
    return sheets, fake


@pytest.mark.parametrize("fault", ["503-after", "500-before", "timeout-after", "timeout-before"])
def test_an_append_is_never_retried_blindly(google, fault: str) -> None:  # type: ignore[no-untyped-def]
    sheets, fake = google
    writes = fake.counts["write"]
    fake.faults.planned.append(fault)
    with pytest.raises(AppendOutcomeUnknown):
        sheets.append_rows("Pendaftar", ROWS)
    assert fake.counts["write"] - writes == 1  # one try, no blind second append
    landed = sheets.column_values("Pendaftar", "ID Pendaftaran")
    assert landed == (["BLG-A", "BLG-B"] if fault.endswith("after") else [])


def test_an_append_refused_with_429_is_retried(google) -> None:  # type: ignore[no-untyped-def]
    sheets, fake = google
    fake.faults.planned.extend(["429", "429"])
    sheets.append_rows("Pendaftar", ROWS)
    assert sheets.column_values("Pendaftar", "ID Pendaftaran") == ["BLG-A", "BLG-B"]


def test_retry_after_is_honoured(google) -> None:  # type: ignore[no-untyped-def]
    sheets, fake = google
    fake.faults.planned.append("429-retry-after-45")
    start = fake.clock()
    sheets.metadata(refresh=True)
    assert fake.clock() - start >= 45


def test_backoff_grows_and_stops(google) -> None:  # type: ignore[no-untyped-def]
    sheets, fake = google
    fake.faults.planned.extend(["503-before"] * 10)
    start = fake.clock()
    with pytest.raises(SheetsUnavailable):
        sheets.metadata(refresh=True)
    waited = fake.clock() - start
    # 5 waits of 1, 2, 4, 8, 16 s, each scaled by a jitter in [0.5, 1): between 15.5 and 31 s
    assert 15.5 <= waited < 31


def test_other_client_errors_are_not_retried(google) -> None:  # type: ignore[no-untyped-def]
    from gspread.exceptions import APIError

    sheets, fake = google
    reads = fake.counts["read"]
    with pytest.raises(APIError):
        sheets.http.values_get(SPREADSHEET, "'Tidak Ada'!A1")
    assert fake.counts["read"] - reads == 1


@pytest.mark.parametrize(("sent", "wait"), [(0, 0.0), (59, 0.0), (60, 60.0)])
def test_minute_budget(sent: int, wait: float) -> None:
    now = [100.0]
    budget = MinuteBudget(60, lambda: now[0])
    for _ in range(sent):
        budget.reserve()
    assert budget.reserve() == wait


def test_minute_budget_frees_slots_as_time_passes() -> None:
    now = [0.0]
    budget = MinuteBudget(2, lambda: now[0])
    assert (budget.reserve(), budget.reserve()) == (0.0, 0.0)
    now[0] = 30.0
    assert budget.reserve() == 30.0  # the first slot frees at t=60
    now[0] = 61.0  # t=0 and t=0 left the window; t=60 is in it
    assert budget.reserve() == 0.0
    assert budget.used() == 2
