"""Code.gs itself, run under Node with stand-ins for the Apps Script services it calls, sending to
the real running server."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from prens.config import load_settings
from prens.demo import person
from prens.store.database import make_engine
from prens.store.ledger import Ledger
from tests.conftest import ROOT, write_config
from tests.fakes.providers import Answer, ProviderServer
from tests.serving import deployment as served_deployment

CODE_GS = ROOT / "webhooks" / "apps_script" / "Code.gs"
HARNESS = ROOT / "tests" / "apps_script" / "harness.js"
NODE = shutil.which("node")

if NODE is None and os.environ.get("CI"):
    pytest.fail("node is needed in CI to test the Apps Script", pytrace=False)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(NODE is None, reason="node is not installed: Code.gs untested"),
]
SECRET = "apps-script-secret"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with served_deployment(tmp_path_factory.mktemp("gs"), SECRET) as (served, settings):
        yield served, settings


def run_script(
    tmp_path: Path,
    event: dict | str,  # type: ignore[type-arg]
    url: str = "http://127.0.0.1:9",
    secret: str = SECRET,
    **env_extra: str,
) -> dict:  # type: ignore[type-arg]
    """Run Code.gs's trigger on `event`, or the function named by a string ("installTrigger")."""
    if isinstance(event, dict):
        event_file = tmp_path / "event.json"
        event_file.write_text(json.dumps(event, ensure_ascii=False), encoding="utf-8")
        target = str(event_file)
    else:
        target = event
    env = {
        **os.environ,
        "PRENS_WEBHOOK_URL": url + "/webhooks/google-form",
        "PRENS_WEBHOOK_SECRET": secret,
        **env_extra,
    }
    done = subprocess.run(
        [NODE, str(HARNESS), str(CODE_GS), target],
        env=env,  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def form_event(settings, fields: dict, response_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    items = [{"title": settings.questions[k], "response": v} for k, v in fields.items()]
    return {
        "response": {
            "id": response_id,
            "timestamp": datetime.now().astimezone().isoformat(),
            "items": items,
        }
    }


def test_a_form_submit_event_reaches_the_ledger(deployment, tmp_path) -> None:  # type: ignore[no-untyped-def]
    served, settings = deployment
    fields = person(settings, random.Random(3), datetime.now(settings.timezone).date()).fields
    fields["nama"] = "Siti Ju'ariah Ñoñó"  # non-ASCII: the signature covers UTF-8 bytes
    out = run_script(tmp_path, form_event(settings, fields, "2_ABCdef123"), served.url, SECRET)
    assert out["returned"] == 200, out
    assert out["logs"][-1]["level"] == "log" and out["logs"][-1]["text"].endswith(" accepted")
    engine = make_engine(settings.database_url)
    try:
        stored = Ledger(engine, "BLG").by_response_key("rid:2_ABCdef123")
    finally:
        engine.dispose()
    assert stored is not None and stored.status == "accepted"
    assert stored.person["nama"] == "SITI JU'ARIAH ÑOÑÓ"
    assert stored.answers[settings.questions["persetujuan"]] == [settings.consent_option]


@pytest.mark.parametrize("with_range", [True, False])
def test_a_spreadsheet_trigger_event_sends_the_responses_own_time(
    deployment, tmp_path, with_range: bool
) -> None:  # type: ignore[no-untyped-def]
    """The reconcile job matches a response by its stamped second: the script must send the
    response's time (the row's Date, else the sheet's "Timestamp" text), not the time it ran."""
    served, settings = deployment
    seed = 4 if with_range else 14
    fields = person(settings, random.Random(seed), datetime.now(settings.timezone).date()).fields
    named = {settings.questions[k]: v if isinstance(v, list) else [v] for k, v in fields.items()}
    # Yesterday (ages are counted on the response's day), at 14:03:05.25 in the program's zone.
    day = datetime.now(settings.timezone).date() - timedelta(days=1)
    stamped = datetime.combine(day, time(14, 3, 5, 250000), tzinfo=settings.timezone)
    # The sheet's text: m/d/yyyy, to the second.
    named["Timestamp"] = [f"{day.month}/{day.day}/{day.year} 14:03:05"]
    spec: dict = {"namedValues": named}  # type: ignore[type-arg]
    if with_range:
        spec["rowTimestamp"] = stamped.isoformat()
    out = run_script(tmp_path, spec, served.url, SECRET)
    assert out["returned"] == 200 and out["logs"][-1]["text"].endswith(" accepted")
    reg_id = out["logs"][-1]["text"].split()[-2]
    engine = make_engine(settings.database_url)
    try:
        stored = Ledger(engine, "BLG").get(reg_id)
    finally:
        engine.dispose()
    assert stored is not None
    expected = stamped if with_range else stamped.replace(microsecond=0)
    assert stored.submitted_at == expected


def test_a_wrong_secret_is_refused_and_logged_without_personal_data(deployment, tmp_path) -> None:  # type: ignore[no-untyped-def]
    served, settings = deployment
    fields = person(settings, random.Random(5), datetime.now(settings.timezone).date()).fields
    out = run_script(
        tmp_path, form_event(settings, fields, "2_wrong"), served.url, "not-the-secret"
    )
    # Thrown after logging: the execution fails, and Google emails the form's owner.
    assert out["thrown"] and "HTTP 401" in out["thrown"] and out["returned"] is None
    assert out["logs"][-1]["level"] == "error" and "401" in out["logs"][-1]["text"]
    assert out["sleeps"] == []  # a 4xx is the server's answer: not tried again
    assert fields["nik"] not in json.dumps(out)


def test_an_unreachable_webhook_is_logged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(write_config(tmp_path))
    fields = person(settings, random.Random(6), datetime.now(settings.timezone).date()).fields
    out = run_script(tmp_path, form_event(settings, fields, "2_down"), "http://127.0.0.1:9", SECRET)
    assert out["thrown"] and "no answer" in out["thrown"]
    assert [line["text"].count("could not reach the webhook") for line in out["logs"]] == [1] * 3
    assert out["sleeps"] == [2000, 5000]  # three tries, short pauses
    assert fields["nik"] not in json.dumps(out)


def answering(*codes: int) -> ProviderServer:
    """A webhook stand-in answering `codes` in turn, then 200 with a registration."""
    server = ProviderServer(Answer(200, {"id": "BLG-7KQ4MX", "status": "accepted"}))
    server.queue.extend(Answer(code, {}) for code in codes)
    return server


def _event(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    settings = load_settings(write_config(tmp_path))
    fields = person(settings, random.Random(8), datetime.now(settings.timezone).date()).fields
    return form_event(settings, fields, "2_retry")


def test_a_503_is_tried_again_and_delivered(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with answering(503, 502) as server:
        out = run_script(tmp_path, _event(tmp_path), server.url)
    assert out["returned"] == 200 and out["thrown"] is None
    assert len(server.seen) == 3 and out["sleeps"] == [2000, 5000]
    assert all(seen.headers["X-Prens-Signature"].startswith("sha256=") for seen in server.seen)
    assert out["logs"][-1]["text"] == "Lindungi Prens: BLG-7KQ4MX accepted"


def test_a_5xx_that_lasts_fails_the_execution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with answering(503, 503, 503, 503) as server:
        out = run_script(tmp_path, _event(tmp_path), server.url)
    assert len(server.seen) == 3 and "HTTP 503" in out["thrown"]


def test_an_edited_response_fails_the_execution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with answering(409) as server:
        out = run_script(tmp_path, _event(tmp_path), server.url)
    assert len(server.seen) == 1 and "HTTP 409" in out["thrown"]


def test_install_requires_every_permission_before_the_trigger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = run_script(tmp_path, "installTrigger")
    assert out["thrown"] is None and out["scopesRequired"] == 1
    assert out["triggers"] == ["onFormSubmit"]
    half = run_script(tmp_path, "installTrigger", PRENS_TEST_CONSENT="partial")
    assert "Authorization is required" in half["thrown"] and half["triggers"] == []
