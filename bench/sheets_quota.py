"""Sheets quota benchmark: what flushing N pending registrations costs in Google requests, our
way and the naive way (one append_row per submission), against the Sheets API fake.

    python bench/sheets_quota.py [--rows 10000] [--latency 0.3]

The fake keeps Google's per-minute quotas (60 reads and 60 writes per user) on a fake clock,
and each request takes --latency fake seconds, so minutes of quota cost no real time.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gspread  # noqa: E402
from gspread.exceptions import APIError  # noqa: E402
from gspread.http_client import HTTPClient  # noqa: E402

from jobs.flush import ensure_worksheets, flush  # noqa: E402
from prens.config import load_settings  # noqa: E402
from prens.demo import body, nik_for, person  # noqa: E402
from prens.intake.receive import receive  # noqa: E402
from prens.intake.submission import parse_submission  # noqa: E402
from prens.runtime import open_runtime  # noqa: E402
from tests.conftest import write_config  # noqa: E402
from tests.fakes.sheets_api import FakeSheetsAPI  # noqa: E402
from tests.google_fixtures import SERVICE_ACCOUNT, SPREADSHEET, google_on_fake  # noqa: E402


def ours(rows: int, latency: float, workdir: Path) -> dict:  # type: ignore[type-arg]
    settings = load_settings(write_config(workdir))
    runtime = open_runtime(settings)
    fake = FakeSheetsAPI(service_account=SERVICE_ACCOUNT, latency=latency)
    runtime.sheets, fake = google_on_fake(workdir, fake)
    rng = random.Random(1)
    today = datetime.now(settings.timezone).date()
    for i in range(rows):
        fields = person(settings, rng, today).fields
        # A NIK of its own for every row: the birth date moves back a day every 9999 serials.
        born = datetime.fromisoformat(str(fields["tanggal_lahir"])).date() - timedelta(
            days=i // 9999
        )
        fields["tanggal_lahir"] = born.isoformat()
        fields["nik"] = nik_for(
            "63.11.06", born, fields["jenis_kelamin"] == "Perempuan", i % 9999 + 1
        )
        payload = body(settings, fields, response_id=f"q{i}")
        receive(
            runtime.ledger,
            settings,
            parse_submission(payload, settings.timezone),
            datetime.now(UTC),
        )
    pending = runtime.ledger.count_pending_flush()
    ensure_worksheets(runtime.sheets, settings)  # what `prens sheet setup` does, once
    setup_writes, setup_reads = fake.counts["write"], fake.counts["read"]
    start = fake.clock()
    raised = 0
    try:
        flush(runtime.ledger, runtime.sheets, settings)
    except Exception:
        raised += 1
    flushed = {
        "pending": pending,
        "write": fake.counts["write"] - setup_writes,
        "read": fake.counts["read"] - setup_reads,
        "setup_write": setup_writes,
        "429": fake.counts["429"],
        "raised": raised,
        "minutes": (fake.clock() - start) / 60,
    }
    before = fake.counts["read"]
    verifier = [v.header for v in settings.verifier_columns]
    columns = runtime.sheets.read_columns(
        settings.worksheets["pendaftar"],  # type: ignore[attr-defined]
        [settings.columns["id"], *verifier],
    )
    flushed["sync_reads"] = fake.counts["read"] - before
    flushed["sync_rows"] = len(columns[settings.columns["id"]])
    flushed["writes"] = [
        f"{m} {u.split('/v4/spreadsheets/')[-1][:60]}" for m, u in fake.log if m != "GET"
    ]
    runtime.close()
    return flushed


def naive(rows: int, latency: float, settings_dir: Path) -> dict[str, float]:
    """One append_row per submission with gspread's default client, as tutorials do."""
    settings = load_settings(write_config(settings_dir))
    fake = FakeSheetsAPI(service_account=SERVICE_ACCOUNT, latency=latency)
    fake.create(SPREADSHEET, first_sheet=settings.worksheets["pendaftar"])
    session = fake.session()
    session.headers["Authorization"] = "Bearer fake-access-token"
    client = gspread.Client(None, session=session, http_client=HTTPClient)  # type: ignore[arg-type]
    sheet = client.open_by_key(SPREADSHEET).worksheet(settings.worksheets["pendaftar"])
    start = fake.clock()
    written, first_429 = 0, None
    for i in range(rows):
        try:
            sheet.append_row([f"BLG-{i:06d}", "NAMA", "6311064507900003"], value_input_option="RAW")
            written += 1
        except APIError as exc:
            if exc.response.status_code != 429:
                raise
            first_429 = first_429 if first_429 is not None else i
    return {
        "write": fake.counts["write"],
        "429": fake.counts["429"],
        "written": written,
        "lost": rows - written,
        "first_429": first_429 if first_429 is not None else -1,
        "minutes": (fake.clock() - start) / 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000, help="pending registrations")
    parser.add_argument("--latency", type=float, default=0.3, help="fake seconds per request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "ours", Path(tmp) / "naive"
        a.mkdir(), b.mkdir()
        got = ours(args.rows, args.latency, a)
        bad = naive(args.rows, args.latency, b)
    print(f"# {args.rows} pending registrations, {args.latency} s per request (fake time)")
    print(f"ours:  setup (worksheets and headers, once): {got['setup_write']:.0f} write requests")
    print(
        f"ours:  flushed {got['pending']:.0f} rows with {got['write']:.0f} write and "
        f"{got['read']:.0f} read requests, {got['429']:.0f} 429s seen, {got['raised']:.0f} "
        f"errors raised to the job, {got['minutes']:.1f} min"
    )
    print(
        f"ours:  sync of {got['sync_rows']:.0f} rows read with {got['sync_reads']:.0f} "
        "request (values.batchGet)"
    )
    print(
        f"naive: {bad['write']:.0f} write requests for {args.rows} rows, {bad['429']:.0f} "
        f"answered 429, first 429 at row {bad['first_429']:.0f}, rows written "
        f"{bad['written']:.0f}, lost {bad['lost']:.0f}, {bad['minutes']:.1f} min"
    )
    print(f"rerun: python bench/sheets_quota.py --rows {args.rows} --latency {args.latency}")


if __name__ == "__main__":
    main()
