"""(c) The Sheets API answers nothing but 429 and 503 for five minutes of fake time, while
citizens keep submitting, verifiers keep ticking and the flush, sync and reconcile jobs keep
running (each failure is left to the next run, as the scheduler does). Once the storm stops,
nothing is lost and nothing doubled. Real gspread against the Sheets fake; the fake's clock
moves only when something sleeps, so minutes of backoff cost no real time."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from jobs.flush import flush
from jobs.reconcile import reconcile
from jobs.sync import sync
from prens.store.schema import notifications, registrations
from sheets_bridge.base import SheetError
from tests.conftest import post
from tests.reconcile_helpers import RESPONSES, an_hour_ago, google_form, on_google, person
from tests.reliability.figures import Figures, repeated

pytestmark = pytest.mark.reliability
STORM_START, STORM_MINUTES = 60.0, 5
STEP_SECONDS = 5.0  # the scheduler's pace between rounds of jobs
PER_STEP = 20  # responses per step
SHEET_ONLY_EVERY = 5  # every fifth response's fetch fails: only reconcile can bring it in


def test_a_storm_of_429_and_503_loses_and_doubles_nothing(
    runtime, client, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    settings, store = grt.settings, grt.verification()
    book = fake.spreadsheets[settings.spreadsheet_key]
    form = google_form(settings)
    t0 = fake.clock.now
    storm = (t0 + STORM_START, t0 + STORM_START + STORM_MINUTES * 60)
    fake.faults.kinds = ("429", "503-before", "503-after")

    def weather(_request: requests.PreparedRequest) -> None:
        fake.faults.rate = 1.0 if storm[0] <= fake.clock.now < storm[1] else 0.0

    fake.hooks.append(weather)
    sent = acked = failed_runs = runs = 0
    start = an_hour_ago(settings)
    ticked: set[str] = set()
    step = 0
    while fake.clock.now < storm[1] + 120 or grt.ledger.count_pending_flush():
        assert step < 2000, "the jobs never caught up after the storm"
        for _ in range(PER_STEP):
            response = form.submit(person(settings, sent), start + timedelta(seconds=sent))
            form.write_row(book, RESPONSES, response)
            if sent % SHEET_ONLY_EVERY:
                assert post(client, response.webhook_body()).status_code == 200
                acked += 1
            sent += 1
        # A verifier ticks both verification boxes of a row now and then (when Google answers).
        with contextlib.suppress(SheetError):
            ids = grt.sheets.column_values(settings.worksheets["pendaftar"], settings.columns["id"])
            for reg_id in ids[len(ticked) : len(ticked) + 2]:
                grt.sheets.update_rows_by_key(
                    settings.worksheets["pendaftar"],
                    settings.columns["id"],
                    {reg_id: {"Verifikasi Dinas": True, "Verifikasi BPJS": True}},
                )
                ticked.add(reg_id)
        for job in (
            lambda: reconcile(grt.ledger, grt.sheets, settings),
            lambda: flush(grt.ledger, grt.sheets, settings, store),
            lambda: sync(grt.ledger, grt.sheets, settings, store, outbox=grt.outbox()),
        ):
            runs += 1
            try:
                job()
            except SheetError:
                failed_runs += 1
        fake.clock.sleep(STEP_SECONDS)
        step += 1
    # The last round, in fair weather: what the scheduler's next runs would do.
    reconcile(grt.ledger, grt.sheets, settings)
    flush(grt.ledger, grt.sheets, settings, store)
    sync(grt.ledger, grt.sheets, settings, store, outbox=grt.outbox())

    with grt.engine.connect() as conn:
        keys = [r.response_key for r in conn.execute(registrations.select())]
        messages = [(r.registration_id, r.event) for r in conn.execute(notifications.select())]
        verified = conn.execute(
            registrations.select().where(registrations.c.state == "TERVERIFIKASI")
        ).all()
    pendaftar = grt.sheets.column_values(settings.worksheets["pendaftar"], settings.columns["id"])
    figures = Figures(
        "429/503 storm",
        sent=sent,
        acknowledged=acked,
        in_ledger=len(keys),
        in_sheet=len(pendaftar),
        duplicates=repeated(pendaftar) + max(0, len(keys) - sent) + repeated(map(str, messages)),
        lost=max(0, sent - len(keys)) + max(0, len(keys) - len(pendaftar)),
        notes=f"{STORM_MINUTES} fake minutes of storm, {fake.counts['faults']} faults injected "
        f"({fake.counts['429']} 429s); {failed_runs} of {runs} job runs failed and were run "
        f"again; {len(ticked)} rows ticked, {len(verified)} TERVERIFIKASI, "
        f"{len(messages)} messages queued",
    )
    figures.show(capsys)
    assert failed_runs >= 5 and fake.counts["faults"] >= 50  # the storm did hit the jobs
    assert len(keys) == sent and len(pendaftar) == sent
    assert figures.duplicates == 0 and figures.lost == 0
    assert len(verified) == len(ticked) and len(messages) == len(ticked)
