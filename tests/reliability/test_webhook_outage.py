"""(b) The webhook is unreachable for part of a run. The form still fills its linked responses
sheet (the Sheets fake, as Google Forms fills it); the reconcile job brings in the responses the
webhook missed, and "Pendaftar" holds each response once. The webhook is the real `prens serve` on a
loopback port, stopped for the outage and started again."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from jobs.flush import flush
from jobs.reconcile import reconcile
from prens.config import Responses
from prens.intake.responses import SHEET_KEY_PREFIX
from prens.runtime import open_runtime
from prens.store.schema import registrations
from tests.conftest import signed_headers
from tests.reconcile_helpers import RESPONSES, an_hour_ago, google_form, on_google, person
from tests.reliability.figures import Figures, repeated
from tests.serving import deployment

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]
SECRET = "outage-test-secret"
RESPONSES_SENT = 300
OUTAGE = range(100, 190)  # the responses sent while the webhook is down


def send(session: requests.Session, url: str, body: dict) -> dict | None:  # type: ignore[type-arg]
    """What Code.gs does: one fetch, no retry; None when it failed."""
    raw = json.dumps(body).encode()
    try:
        reply = session.post(url, data=raw, headers=signed_headers(raw, SECRET.encode()), timeout=5)
    except requests.RequestException:
        return None
    return reply.json() if reply.status_code == 200 else None


def test_reconcile_brings_in_what_the_webhook_missed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with deployment(tmp_path, SECRET) as (served, served_settings):
        runtime = open_runtime(served_settings)  # the same ledger file, for the jobs
        try:
            run(served, runtime, tmp_path, capsys)
        finally:
            runtime.close()


def run(served, runtime, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    # No settle time: reconcile runs while the webhook is still delivering, the hardest case.
    settings = dataclasses.replace(
        grt.settings, responses=dataclasses.replace(Responses(), settle_seconds=0)
    )
    book = fake.spreadsheets[grt.settings.spreadsheet_key]
    form = google_form(settings, round_to_seconds=True)
    url = served.url + "/webhooks/google-form"
    session = requests.Session()
    answered: dict[str, str] = {}  # responseId -> registration id
    failed: list[str] = []
    start = an_hour_ago(settings)
    for i in range(RESPONSES_SENT):
        if i == OUTAGE.start:
            served.stop()
        if i == OUTAGE.stop:
            served.start()
        at = start + timedelta(seconds=i, milliseconds=(i * 137) % 1000)
        response = form.submit(person(settings, i), at)
        form.write_row(book, RESPONSES, response)  # Forms always fills its sheet
        reply = send(session, url, response.webhook_body())
        if reply is None:
            failed.append(response.response_id)
        else:
            answered[response.response_id] = reply["id"]
        if i % 25 == 24:  # the scheduler's jobs, running along
            reconcile(grt.ledger, grt.sheets, settings)
            flush(grt.ledger, grt.sheets, settings)
    final = reconcile(grt.ledger, grt.sheets, settings)
    flush(grt.ledger, grt.sheets, settings)

    with grt.engine.connect() as conn:
        keys = [
            k
            for (k,) in conn.execute(
                registrations.select().with_only_columns(registrations.c.response_key)
            )
        ]
    ids = grt.sheets.column_values(settings.worksheets["pendaftar"], settings.columns["id"])
    from_sheet = sum(1 for k in keys if k.startswith(SHEET_KEY_PREFIX))
    lost = [rid for rid, reg_id in answered.items() if grt.ledger.get(reg_id) is None]
    figures = Figures(
        "webhook unreachable, reconcile",
        sent=RESPONSES_SENT,
        acknowledged=len(answered),
        in_ledger=len(keys),
        in_sheet=len(ids),
        duplicates=repeated(ids) + max(0, len(keys) - RESPONSES_SENT),
        lost=len(lost) + max(0, RESPONSES_SENT - len(keys)),
        notes=f"{len(failed)} fetches failed during the outage, {from_sheet} responses taken "
        f"in by reconcile; last reconcile: {final.summary()}",
    )
    figures.show(capsys)
    assert len(failed) == len(OUTAGE) and from_sheet == len(OUTAGE)
    assert len(keys) == RESPONSES_SENT and len(ids) == RESPONSES_SENT
    assert figures.duplicates == 0 and figures.lost == 0
