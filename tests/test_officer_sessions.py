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
        reply = client.post(
            "/dinas/masuk",
            data={
                "csrf_token": csrf_token(client, "/dinas/masuk"),
                "nama": "Budi Dinas",
                "token": "salah",
            },
            environ_base={"REMOTE_ADDR": f"10.7.0.{i}"},
        )
        assert reply.status_code in (401, 429), i
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
