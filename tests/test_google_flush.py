"""The flush job through the Google backend (real gspread against the Sheets API fake): exactly
once under injected faults, within quota, retries bounded."""

from __future__ import annotations

import collections
import contextlib
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.flush import flush
from prens.config import load_settings
from prens.demo import mixed_batch
from prens.intake.receive import receive
from prens.intake.submission import parse_submission
from prens.runtime import open_runtime
from sheets_bridge.base import SheetError, SheetsUnavailable
from tests.conftest import write_config
from tests.google_fixtures import SPREADSHEET, google_on_fake

pytestmark = pytest.mark.both_databases


@pytest.fixture
def deployment(tmp_path: Path, request):  # type: ignore[no-untyped-def]
    # Small batches: many more requests, so the injected faults hit many appends.
    batch = getattr(request, "param", 500)
    settings = load_settings(write_config(tmp_path, {"batch_rows = 500": f"batch_rows = {batch}"}))
    runtime = open_runtime(settings)
    runtime.sheets, fake = google_on_fake(tmp_path)
    yield runtime, fake
    runtime.close()


def submit(runtime, count: int, seed: int = 1) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    settings = runtime.settings
    today = datetime.now(settings.timezone).date()
    ids: dict[str, list[str]] = collections.defaultdict(list)
    for body in mixed_batch(settings, random.Random(seed), today, count):
        reg = receive(
            runtime.ledger, settings, parse_submission(body, settings.timezone), datetime.now(UTC)
        ).registration
        ids[reg.status].append(reg.id)
    return ids


def flush_until_done(runtime, max_runs: int = 50) -> int:  # type: ignore[no-untyped-def]
    for run in range(1, max_runs + 1):
        with contextlib.suppress(SheetError):  # the scheduler would run it again: so do we
            flush(runtime.ledger, runtime.sheets, runtime.settings)
        if runtime.ledger.count_pending_flush() == 0:
            return run
    raise AssertionError("flush never finished")


@pytest.mark.parametrize("deployment", [25], indirect=True)
def test_2000_submissions_under_20_percent_faults_land_exactly_once(deployment, capsys) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = deployment
    ids = submit(runtime, 2000)
    fake.faults.rate = 0.2
    runs = flush_until_done(runtime)
    fake.faults.rate = 0.0
    sheets = runtime.sheets
    in_pendaftar = sheets.column_values("Pendaftar", "ID Pendaftaran")
    in_perbaikan = sheets.column_values("Perlu Perbaikan", "ID Pendaftaran")
    duplicates = (len(in_pendaftar) - len(set(in_pendaftar))) + (
        len(in_perbaikan) - len(set(in_perbaikan))
    )
    lost = len(set(ids["accepted"]) - set(in_pendaftar)) + len(
        set(ids["needs_correction"]) - set(in_perbaikan)
    )
    with capsys.disabled():
        print(
            f"\n[faults] submissions 2000: accepted {len(ids['accepted'])}, needs_correction "
            f"{len(ids['needs_correction'])}, duplicate {len(ids['duplicate'])}; flush runs "
            f"{runs}; requests read {fake.counts['read']} write {fake.counts['write']}; faults "
            f"injected {fake.counts['faults']}; in sheet {len(in_pendaftar) + len(in_perbaikan)}; "
            f"duplicates {duplicates}; lost {lost}"
        )
    assert fake.counts["faults"] > 0
    assert sorted(in_pendaftar) == sorted(ids["accepted"])
    assert sorted(in_perbaikan) == sorted(ids["needs_correction"])
    assert duplicates == 0 and lost == 0


def test_a_429_storm_is_waited_out_not_raised(deployment) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = deployment
    ids = submit(runtime, 50)
    fake.faults.planned.extend(["429"] * 4)
    flush(runtime.ledger, runtime.sheets, runtime.settings)  # raises nothing
    assert sorted(runtime.sheets.column_values("Pendaftar", "ID Pendaftaran")) == sorted(
        ids["accepted"]
    )
    assert fake.counts["429"] == 4


def test_retries_are_bounded(deployment) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = deployment
    fake.faults.planned.extend(["503-before"] * 50)
    with pytest.raises(SheetsUnavailable, match="6 times"):
        runtime.sheets.worksheet_names()
    assert fake.counts["read"] == 6


def test_pacing_keeps_under_the_quota(deployment) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = deployment
    start = fake.clock()
    for _ in range(150):  # 150 reads at once: 60 a minute at most
        runtime.sheets.metadata(refresh=True)
    assert fake.counts["429"] == 0
    assert fake.clock() - start >= 120  # it waited (fake time) instead of hitting 429


def test_an_unknown_spreadsheet_is_a_clear_error(tmp_path: Path) -> None:
    sheets, fake = google_on_fake(tmp_path)
    sheets.key = "no-such-sheet"
    with pytest.raises(SheetError, match="not shared with the service account"):
        sheets.worksheet_names()
    assert SPREADSHEET in fake.spreadsheets


def test_no_cell_is_a_formula_and_identifiers_are_text(deployment) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = deployment
    settings = runtime.settings
    from tests.test_webhook import body

    hostile = ["=1+1", '=IMPORTXML("http://x","//a")', "+1", "-1", "@A1"]
    for i, text in enumerate(hostile):
        payload = body(
            settings, rid=f"h{i}", nik=f"631106450790{i + 1:04d}", alamat=text, pekerjaan=text
        )
        receive(
            runtime.ledger,
            settings,
            parse_submission(payload, settings.timezone),
            datetime.now(UTC),
        )
    flush(runtime.ledger, runtime.sheets, settings)
    sheet = fake.spreadsheets[SPREADSHEET].sheet("Pendaftar")
    header = [sheet.cells[(0, c)].value for c in range(len(sheet.cells)) if (0, c) in sheet.cells]
    assert all(cell.formula is None for cell in sheet.cells.values())
    for column in ("NIK", "Nomor KK", "Nomor HP"):
        c = header.index(column)
        values = [sheet.cells[(r, c)].value for r in range(1, sheet.last_row())]
        assert values and all(isinstance(v, str) for v in values), column
    alamat = header.index("Alamat")
    assert [sheet.cells[(r, alamat)].value for r in range(1, sheet.last_row())] == hostile


def test_flush_and_sync_cost_few_requests(deployment) -> None:  # type: ignore[no-untyped-def]
    from jobs.flush import ensure_worksheets

    runtime, fake = deployment
    ids = submit(runtime, 1200, seed=3)
    settings = runtime.settings
    ensure_worksheets(runtime.sheets, settings)
    writes, reads = fake.counts["write"], fake.counts["read"]
    flush(runtime.ledger, runtime.sheets, settings)
    appends = -(-len(ids["accepted"]) // 500) + -(-len(ids["needs_correction"]) // 500)
    assert fake.counts["write"] - writes == appends  # one request per batch
    assert fake.counts["read"] - reads == 2  # one ID column per worksheet
    assert fake.counts["429"] == 0
    before = fake.counts["read"]
    columns = runtime.sheets.read_columns(
        "Pendaftar", ["ID Pendaftaran", "Verifikasi Dinas", "Nomor Kepesertaan BPJS"]
    )
    assert fake.counts["read"] - before == 1  # a sync reads once, whatever the rows
    assert sorted(columns["ID Pendaftaran"]) == sorted(ids["accepted"])
