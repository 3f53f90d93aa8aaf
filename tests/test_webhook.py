"""The webhook contract, through Flask's test client on a real SQLite ledger."""

from __future__ import annotations

import json
import time

import pytest

from prens.config import Settings
from prens.intake.signing import signature_ok
from prens.store.ledger import Ledger
from tests.conftest import SECRET, post, signed_headers
from tests.test_validation import answers

# When the test citizens filled in the form: ages, and what is "in the future", are counted on
# the response's day, so the test people stay eligible whatever the real date (the webhook's
# freshness check is on its signed header, not on this).
FORM_TIME = "2026-11-21T10:00:00+08:00"


def body(settings: Settings, rid: str = "resp-1", **changes: object) -> dict[str, object]:
    return {"responseId": rid, "timestamp": FORM_TIME, "answers": answers(settings, **changes)}


def test_a_valid_submission_is_accepted_and_stored(client, settings: Settings, runtime) -> None:  # type: ignore[no-untyped-def]
    reply = post(client, body(settings))
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["status"] == "accepted" and data["problems"] == []
    assert data["id"].startswith("BLG-") and len(data["id"]) == 10
    stored = runtime.ledger.get(data["id"])
    assert stored.person["nik"] == "6311064507900003" and stored.state == "MENUNGGU VERIFIKASI"


def test_errors_are_stored_as_needs_correction(client, settings: Settings, runtime) -> None:  # type: ignore[no-untyped-def]
    data = post(client, body(settings, nik="6311090724010001", telepon="0526 2028 123")).get_json()
    assert data["status"] == "needs_correction"
    assert {(p["field"], p["code"], p["severity"]) for p in data["problems"]} == {
        ("nik", "nik_date", "error"),
        ("telepon", "phone_not_mobile", "error"),
    }
    assert all(p["message"] for p in data["problems"])
    assert runtime.ledger.get(data["id"]).status == "needs_correction"


def test_warnings_do_not_stop_acceptance(client, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    data = post(client, body(settings, nama="Hj. Siti Rahmah")).get_json()
    assert data["status"] == "accepted"
    assert [(p["code"], p["severity"]) for p in data["problems"]] == [("name_title", "warning")]


def test_named_values_shape(client, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    named = {
        title: value if isinstance(value, list) else [value]
        for title, value in answers(settings, tanggal_lahir="7/5/1990").items()
    }
    reply = post(client, {"timestamp": "11/21/2026 10:00:00", "namedValues": named})
    assert reply.status_code == 200 and reply.get_json()["status"] == "accepted"


def test_replay_returns_the_first_answer_and_stores_nothing(client, settings, runtime) -> None:  # type: ignore[no-untyped-def]
    first = post(client, body(settings, rid="same")).get_json()
    again = post(client, body(settings, rid="same")).get_json()  # the script retried
    assert again == first
    assert runtime.ledger.counts_by_status() == {"accepted": 1}


def test_an_edited_response_is_refused_not_lost_silently(client, settings, runtime, caplog) -> None:  # type: ignore[no-untyped-def]
    """With "allow response editing" on, an edit comes under the same responseId: 409, so the
    Apps Script fails and the form's owner hears of it; the first answers stay."""
    first = post(client, body(settings, rid="same")).get_json()
    edited = post(client, body(settings, rid="same", nama="Orang Lain"))
    assert edited.status_code == 409 and edited.get_json()["error"] == "response_changed"
    assert first["id"] in edited.get_json()["message"]
    assert runtime.ledger.get(first["id"]).person["nama"] == "SITI RAHMAH"
    lines = [r for r in caplog.records if r.name == "webhooks.form"]
    assert (
        len(lines) == 1 and "409" in lines[0].getMessage() and "Orang" not in lines[0].getMessage()
    )


def test_same_nik_again_is_a_duplicate_linked_to_the_first(client, settings, runtime) -> None:  # type: ignore[no-untyped-def]
    first = post(client, body(settings, rid="a")).get_json()
    second = post(client, body(settings, rid="b", telepon="085251852902")).get_json()
    assert second["status"] == "duplicate" and second["id"] != first["id"]
    assert runtime.ledger.get(second["id"]).duplicate_of == first["id"]


def test_a_correction_is_not_a_duplicate(client, settings, runtime) -> None:  # type: ignore[no-untyped-def]
    wrong = post(client, body(settings, rid="a", kk="6311064507900003")).get_json()
    assert wrong["status"] == "needs_correction"
    fixed = post(client, body(settings, rid="b")).get_json()
    assert fixed["status"] == "accepted"
    assert runtime.ledger.get(fixed["id"]).corrects == wrong["id"]
    third = post(client, body(settings, rid="c")).get_json()
    assert third["status"] == "duplicate"


def test_phone_shared_warning_past_the_limit(client, settings) -> None:  # type: ignore[no-untyped-def]
    statuses = []
    for i in range(4):
        nik = f"63110645079000{i + 1:02d}"
        statuses.append(
            [
                p["code"]
                for p in post(client, body(settings, rid=f"p{i}", nik=nik)).get_json()["problems"]
            ]
        )
    assert statuses == [[], [], [], ["phone_shared"]]


@pytest.mark.parametrize(
    "case",
    ["missing", "wrong", "other-secret", "stale", "future", "garbage", "superscript", "non-ascii"],
)
def test_bad_signatures_get_401(client, settings, runtime, case: str, caplog) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings)).encode()
    now = int(time.time())
    headers = {
        "missing": {"Content-Type": "application/json"},
        "wrong": {**signed_headers(raw), "X-Prens-Signature": "sha256=" + "0" * 64},
        "other-secret": signed_headers(raw, secret=b"another"),
        # An hour out, not a second past the 300 s window: a slow machine that takes a second
        # between signing and the server reading its clock must not turn "future" into "fresh".
        "stale": signed_headers(raw, at=now - 3600),
        "future": signed_headers(raw, at=now + 3600),
        "garbage": {**signed_headers(raw), "X-Prens-Timestamp": "soon"},
        "superscript": {**signed_headers(raw), "X-Prens-Timestamp": "¹"},  # isdigit(), not int()
        # UTF-8 "é" as it arrives in a header (bytes read as Latin-1): compare_digest refused
        # the str with a TypeError, a 500 and a traceback for anyone.
        "non-ascii": {**signed_headers(raw), "X-Prens-Signature": "sha256=\xc3\xa9"},
    }[case]
    reply = client.post("/webhooks/google-form", data=raw, headers=headers)
    assert reply.status_code == 401 and reply.get_json()["error"] == "bad_signature"
    assert runtime.ledger.counts_by_status() == {}
    refused = [r for r in caplog.records if r.name == "webhooks.form"]
    assert [r.levelname for r in refused] == ["WARNING"] and not refused[0].exc_info
    assert "\n" not in refused[0].getMessage()


@pytest.mark.parametrize("offset", ["GMT+24", "GMT+99:99", "GMT-24:00", "GMT+8:60"])
def test_an_impossible_time_zone_offset_is_a_400(client, settings, offset: str) -> None:  # type: ignore[no-untyped-def]
    reply = post(client, {**body(settings), "timestamp": f"2026/11/21 2:03:05 PM {offset}"})
    assert reply.status_code == 400 and reply.get_json()["error"] == "bad_payload"


def test_signature_covers_the_body(client, settings) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings)).encode()
    headers = signed_headers(raw)
    reply = client.post(
        "/webhooks/google-form", data=raw.replace(b"Siti", b"Sita"), headers=headers
    )
    assert reply.status_code == 401


def test_timestamp_inside_the_window_is_accepted(client, settings) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings)).encode()
    reply = client.post(
        "/webhooks/google-form", data=raw, headers=signed_headers(raw, at=int(time.time()) - 240)
    )
    assert reply.status_code == 200


def test_over_64_kib_is_413(client, settings) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings, alamat="x" * 70000)).encode()
    reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
    assert reply.status_code == 413


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_other_content_types_are_415(client, settings, ctype) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings)).encode()
    headers = signed_headers(raw)
    headers.pop("Content-Type")
    if ctype:
        headers["Content-Type"] = ctype
    assert client.post("/webhooks/google-form", data=raw, headers=headers).status_code == 415


def test_json_with_charset_is_accepted(client, settings) -> None:  # type: ignore[no-untyped-def]
    raw = json.dumps(body(settings)).encode()
    headers = {**signed_headers(raw), "Content-Type": "application/json; charset=utf-8"}
    assert client.post("/webhooks/google-form", data=raw, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"[1,2]",
        b'{"answers": {}}',
        b"[" * 5000 + b"]" * 5000,
        b'{"a": 1e99999}',
    ],
)
def test_bad_bodies_are_400_with_a_reason(client, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
    assert reply.status_code == 400
    assert reply.get_json()["message"]


def test_other_methods_and_paths_answer_json(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/webhooks/google-form").status_code == 405
    assert client.get("/webhooks/nope").get_json()["error"] == "Not Found"


def test_healthz(client, runtime) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_healthz_reports_an_unusable_database(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prens.runtime import Runtime
    from prens.store.database import make_engine
    from sheets_bridge.local import LocalSheets
    from webhooks import create_app

    engine = make_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    rt = Runtime(settings, engine, Ledger(engine, "BLG"), LocalSheets(engine))
    rt.ledger.create_schema()
    broken = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # a database with no ledger in it
    rt.ledger = Ledger(broken, "BLG")
    client = create_app(rt, SECRET).test_client()
    assert client.get("/healthz").status_code == 503
    raw = json.dumps(body(settings)).encode()
    reply = client.post("/webhooks/google-form", data=raw, headers=signed_headers(raw))
    assert reply.status_code == 503  # our failure, not the client's: never a 500
    engine.dispose(), broken.dispose()


def test_what_a_citizen_cannot_have_meant_is_removed_at_intake(client, settings, runtime) -> None:  # type: ignore[no-untyped-def]
    typed = "RT 01\x01 Jl.\u202e Mawar\nNo. 5\ufffe"
    data = post(client, body(settings, alamat=typed, pekerjaan="\x01\x02 \x7f")).get_json()
    assert data["status"] == "needs_correction"
    assert [(p["field"], p["code"]) for p in data["problems"]] == [("pekerjaan", "required")]
    assert runtime.ledger.get(data["id"]).person["alamat"] == "RT 01 Jl. Mawar No. 5"


def test_every_answer_has_a_maximum_length(client, settings, runtime) -> None:  # type: ignore[no-untyped-def]
    data = post(client, body(settings, nama="Siti " * 12_000, alamat="x" * 301)).get_json()
    assert data["status"] == "needs_correction"
    assert {(p["field"], p["code"]) for p in data["problems"]} == {
        ("nama", "too_long"),
        ("alamat", "too_long"),
    }
    assert "paling banyak 100 karakter" in data["problems"][0]["message"]
    person = runtime.ledger.get(data["id"]).person
    assert len(person["nama"]) <= 100 and len(person["alamat"]) <= 300


@pytest.mark.parametrize(
    ("sent_at", "ok"),
    [(1_000_000, True), (1_000_000 - 300, True), (1_000_000 + 300, True)]
    + [(1_000_000 - 301, False), (1_000_000 + 301, False)],
)
def test_the_freshness_window_is_exact_at_its_edges(sent_at: int, ok: bool) -> None:
    """The window's edges on a fixed clock (the served test above keeps a wide margin)."""
    raw = b'{"x": 1}'
    headers = signed_headers(raw, at=sent_at)
    given = (headers["X-Prens-Timestamp"], headers["X-Prens-Signature"])
    assert signature_ok(SECRET, *given, raw, now=1_000_000.0, max_skew=300) is ok
