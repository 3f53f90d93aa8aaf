"""Officers' sessions end on the server: at logout (a copied cookie stops working), after the
idle time; failed logins are limited per client and per name, answered in Bahasa Indonesia and
audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from prens.store.officer_sessions import OfficerSessions
from prens.store.officers import Officers
from prens.store.schema import audit_log
from tests.pages_helpers import csrf_token
from tests.test_pages import login


def wrong_login(client, name: str, address: str) -> int:  # type: ignore[no-untyped-def]
    """A login with a wrong token by `name` from `address`; its status."""
    reply = client.post(
        "/dinas/masuk",
        data={"csrf_token": csrf_token(client, "/dinas/masuk"), "nama": name, "token": "salah"},
        environ_base={"REMOTE_ADDR": address},
    )
    return int(reply.status_code)


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(runtime, app, client) -> None:  # type: ignore[no-untyped-def]
    token = Officers(runtime.engine).add("Budi Dinas")
    assert login(client, "Budi Dinas", token).status_code == 302
    cookie = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/dinas/dashboard").status_code == 200  # the stolen cookie works...

    assert client.get("/dinas/keluar").status_code == 200  # a page with a button, no logout
    assert client.get("/dinas/dashboard").status_code == 200
    assert client.post("/dinas/keluar").status_code == 400  # no CSRF token: refused
    out = client.post("/dinas/keluar", data={"csrf_token": csrf_token(client, "/dinas/keluar")})
    assert out.headers["Location"] == "/dinas/masuk"
    assert client.get("/dinas/dashboard").status_code == 302
    assert copy.get("/dinas/dashboard").status_code == 302  # ...until the officer logs out
    copy.set_cookie("session", cookie)
    assert copy.get("/dinas/daftar-final.csv").status_code == 401
    with runtime.engine.connect() as conn:
        kinds = conn.execute(select(audit_log.c.kind)).scalars().all()
    assert kinds == ["login", "logout"]


def test_a_session_ends_after_the_idle_time(runtime) -> None:  # type: ignore[no-untyped-def]
    sessions = OfficerSessions(runtime.engine, timedelta(hours=8))
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    sid = sessions.start("Budi", start)
    assert sessions.officer(sid, start + timedelta(hours=7)) == "Budi"  # in use: kept alive
    assert sessions.officer(sid, start + timedelta(hours=14, minutes=59)) == "Budi"
    assert sessions.officer(sid, start + timedelta(hours=23)) is None  # 8 h idle: over
    assert sessions.officer("not-a-session", start) is None
    other = sessions.start("Budi", start)
    sessions.end(other, start + timedelta(minutes=1))
    assert sessions.officer(other, start + timedelta(minutes=2)) is None


def test_failed_logins_are_limited_answered_in_words_and_audited(runtime, client) -> None:  # type: ignore[no-untyped-def]
    token = Officers(runtime.engine).add("Budi Dinas")
    for _ in range(3):
        assert client.head("/dinas/masuk").status_code == 200  # HEAD is not a login attempt
    for i in range(5):  # the per-name limit: 5 per 15 minutes
        assert wrong_login(client, "Budi Dinas", f"10.7.0.{i}") in (401, 429), i
    refused = login(client, "Budi Dinas", token)  # the right token, but the name is locked
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Terlalu banyak percobaan" in refused.data.decode()
    assert login(client, "Siti Dinas", "salah").status_code == 401  # other names still try
    with runtime.engine.connect() as conn:
        kinds = conn.execute(select(audit_log.c.kind)).scalars().all()
    assert kinds.count("login_failed") == 6 and "login" not in kinds


def test_any_name_typed_at_login_gets_an_answer_in_words(runtime, client) -> None:  # type: ignore[no-untyped-def]
    for name in ("\x00", "Budi\x00Dinas", "\u202e", "x" * 5000):
        assert login(client, name, "salah\x00").status_code == 401
    raw = f"csrf_token={csrf_token(client, '/dinas/masuk')}&nama=%ED%A0%80%00&token=%FF"
    reply = client.post(
        "/dinas/masuk", data=raw, content_type="application/x-www-form-urlencoded"
    )  # not UTF-8 at all
    assert reply.status_code == 401


def _basic(name: str, token: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}


def test_tokens_in_headers_count_against_the_same_limits(runtime, client) -> None:  # type: ignore[no-untyped-def]
    # Wrong tokens by Basic and Bearer were counted, but the right one was then let in: a
    # guesser could go on guessing by header after the form was closed to them.
    token = Officers(runtime.engine).add("Budi Dinas")
    url = "/dinas/daftar-final.csv"
    for i in range(10):  # the per-client limit: 10 per 15 minutes, by form, Basic and Bearer
        wrong = [_basic(f"Orang {i}", "salah"), {"Authorization": "Bearer salah"}][i % 2]
        assert client.get(url, headers=wrong).status_code in (401, 429), i
    assert client.get(url, headers=_basic("Budi Dinas", token)).status_code == 429
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 429
    assert login(client, "Budi Dinas", token).status_code == 429  # the form is closed too
    other = {"REMOTE_ADDR": "10.9.9.9"}
    assert (
        client.get(url, headers=_basic("Budi Dinas", token), environ_base=other).status_code == 200
    )


def test_a_name_locked_by_the_form_is_locked_by_header_too(runtime, client) -> None:  # type: ignore[no-untyped-def]
    token = Officers(runtime.engine).add("Budi Dinas")
    for i in range(5):  # the per-name limit, from five clients
        assert wrong_login(client, "Budi Dinas", f"10.8.0.{i}") in (401, 429)
    fresh = {"REMOTE_ADDR": "10.8.1.1"}
    headers = _basic("Budi Dinas", token)
    assert (
        client.get("/dinas/daftar-final.csv", headers=headers, environ_base=fresh).status_code
        == 429
    )


def test_names_are_one_however_they_are_spaced_cased_or_typed(runtime, client) -> None:  # type: ignore[no-untyped-def]
    # "Budi  Dinas " started a fresh count; a full-width or upper-case spelling is the same name
    # when signing in and when counting.
    token = Officers(runtime.engine).add("Budi Dinas")
    spellings = ["Budi  Dinas", " budi dinas", "BUDI\tDINAS", "\uff22udi Dinas", "Budi Dinas "]
    for i, name in enumerate(spellings):
        assert wrong_login(client, name, f"10.6.0.{i}") in (401, 429), name
    assert login(client, "Budi Dinas", token).status_code == 429  # one name: five failures
    headers = _basic("\uff22UDI   dinas", token)
    other = {"REMOTE_ADDR": "10.6.9.9"}
    assert (
        client.get("/dinas/daftar-final.csv", headers=headers, environ_base=other).status_code
        == 429
    )


def test_a_spelling_of_the_name_signs_in(runtime, client) -> None:  # type: ignore[no-untyped-def]
    token = Officers(runtime.engine).add("Budi Dinas")
    assert login(client, "\uff22UDI   dinas", token).status_code == 302
    assert (
        client.get("/dinas/daftar-final.csv", headers=_basic(" budi  DINAS", token)).status_code
        == 200
    )
