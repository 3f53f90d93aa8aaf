"""The citizen and public pages and the Dinas dashboard, through Flask's test client on a real
ledger: answers, privacy, CSRF, rate limits shared by worker processes."""

from __future__ import annotations

import dataclasses
import re

import pytest

from prens.config import Public
from prens.runtime import Runtime
from prens.store.officers import Officers
from tests.conftest import SECRET, write_config
from tests.databases import allow_inserts, refuse_inserts
from tests.pages_helpers import MEMBERSHIP, SIXTEEN_DIGITS, csrf_token, populate
from webhooks.app import create_app


@pytest.fixture
def people(runtime, client):  # type: ignore[no-untyped-def]
    return populate(runtime, client)


def ask(client, nik: str, born: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/cek-status",
        data={"csrf_token": csrf_token(client), "nik": nik, "tanggal_lahir": born},
        environ_base={"REMOTE_ADDR": ip},
    )


def answer_of(html: bytes) -> str:
    """The answer box's text, spacing collapsed."""
    text = html.decode()
    found = re.search(r'<section class="box[^"]*"[^>]*>(.*?)</section>', text, re.S)
    assert found, text[:500]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("menunggu", "Sedang diverifikasi Data Anda sedang diverifikasi"),
        ("terverifikasi", "Silakan antar berkas (fotokopi KTP dan Kartu Keluarga)"),
        ("berkas", "Berkas Anda sudah diterima"),
        ("terdaftar", f"Nomor kepesertaan Anda: {MEMBERSHIP}"),
        ("ditolak", "tidak dapat diproses: Bukan pekerja informal."),
        ("perbaikan", "Perlu diperbaiki Pendaftaran Anda belum dapat diterima karena: Nomor HP"),
    ],
)
def test_cek_status_tells_each_stage_in_plain_words(
    client, people, who: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    p = people[who]
    reply = ask(client, p.nik, p.born)
    assert reply.status_code == 200
    said = answer_of(reply.data)
    assert expected in said and p.id in said
    assert p.nik not in reply.data.decode()  # never written back into the page


def test_unknown_nik_and_wrong_birth_date_get_the_same_answer(client, people) -> None:  # type: ignore[no-untyped-def]
    p = people["menunggu"]
    wrong_date = ask(client, p.nik, "1990-07-06", ip="10.0.0.2")
    unknown = ask(client, "6311064507909991", p.born, ip="10.0.0.3")
    assert wrong_date.status_code == unknown.status_code == 200
    assert answer_of(wrong_date.data) == answer_of(unknown.data)
    assert "Data tidak ditemukan" in answer_of(unknown.data)


def test_a_typed_date_and_spaced_nik_are_understood(client, people) -> None:  # type: ignore[no-untyped-def]
    p = people["menunggu"]
    spaced = " ".join(p.nik[i : i + 4] for i in range(0, 16, 4))
    assert "Sedang diverifikasi" in answer_of(ask(client, spaced, "05-07-1990").data)
    bad = ask(client, "12345", p.born)
    assert bad.status_code == 400 and "NIK harus 16 angka" in bad.data.decode()


def test_the_nik_goes_in_a_post_body_never_a_url(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/cek-status").data.decode()
    assert re.search(r'<form method="post" action="/cek-status"', page)
    # A GET with the NIK in the query string is the form again, not an answer.
    reply = client.get("/cek-status?nik=6311064507900011&tanggal_lahir=1990-07-05")
    assert "<section" not in reply.data.decode()


def test_a_post_without_the_csrf_token_is_refused(client, people) -> None:  # type: ignore[no-untyped-def]
    p = people["menunggu"]
    reply = client.post("/cek-status", data={"nik": p.nik, "tanggal_lahir": p.born})
    assert reply.status_code == 400 and "Formulir kedaluwarsa" in reply.data.decode()
    forged = client.post(
        "/cek-status", data={"csrf_token": "forged", "nik": p.nik, "tanggal_lahir": p.born}
    )
    assert forged.status_code == 400


def test_cek_status_is_limited_per_client(client, people) -> None:  # type: ignore[no-untyped-def]
    p = people["menunggu"]
    codes = [
        ask(client, f"63110645079{n:05d}", p.born, ip="10.9.9.9").status_code for n in range(11)
    ]
    assert codes[:10] == [200] * 10  # the configured "10 per minute"
    assert codes[10] == 429
    limited = ask(client, p.nik, p.born, ip="10.9.9.9")
    assert limited.status_code == 429 and "Terlalu banyak percobaan" in limited.data.decode()
    assert 1 <= int(limited.headers["Retry-After"]) <= 60  # the rest of the minute's window
    assert ask(client, p.nik, p.born, ip="10.9.9.8").status_code == 200  # another client


def test_cek_status_is_limited_per_nik_across_clients_and_workers(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Enumeration of one NIK's birth date from many addresses is slowed too, and two worker
    processes (two apps on one database) share the counters."""
    from prens.runtime import open_runtime

    settings = dataclasses.replace(
        settings, public=dataclasses.replace(Public(), cek_status_per_nik="3 per hour")
    )
    first, second = open_runtime(settings), open_runtime(settings)
    try:
        workers = [
            create_app(rt, SECRET, {"TESTING": True}).test_client() for rt in (first, second)
        ]
        codes = [
            ask(
                workers[i % 2], "6311064507900011", f"1990-07-{i + 1:02d}", ip=f"10.1.0.{i}"
            ).status_code
            for i in range(5)
        ]
    finally:
        first.close()
        second.close()
    assert codes == [200, 200, 200, 429, 429]


def test_the_public_list_shows_only_verified_people_masked(client, people) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/daftar-penerima").data.decode()
    listed = {who for who, p in people.items() if p.nama.upper() in page}
    assert listed == {"terverifikasi", "berkas", "terdaftar"}
    assert "631106**********" in page and "631101**********" in page
    for p in people.values():
        assert p.nik not in page and p.born not in page
    assert MEMBERSHIP not in page and "+62" not in page and "6311060101150002" not in page


def test_the_public_list_searches_filters_and_pages(runtime, client, people) -> None:  # type: ignore[no-untyped-def]
    by_name = client.get("/daftar-penerima?q=nur+aini").data.decode()
    assert "NUR AINI" in by_name and "RUSMINI" not in by_name
    by_desa = client.get("/daftar-penerima?q=JUAI").data.decode()
    assert "HJ ALUH" in by_desa and "NUR AINI" not in by_desa
    in_paringin = client.get("/daftar-penerima?kecamatan=Paringin").data.decode()
    assert "NUR AINI" in in_paringin and "HJ ALUH" not in in_paringin
    # LIKE's wildcards are searched for as text, not as wildcards.
    assert "0 penerima yang cocok" in client.get("/daftar-penerima?q=%25").data.decode()
    small = dataclasses.replace(
        runtime.settings, public=dataclasses.replace(Public(), page_size=10)
    )
    paged = create_app(
        Runtime(small, runtime.engine, runtime.ledger, runtime.sheets), SECRET, {"TESTING": True}
    ).test_client()
    one = paged.get("/daftar-penerima").data.decode()
    assert "Halaman 1 / 1" in one and "3 penerima" in one


def test_the_public_list_can_be_switched_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prens.config import load_settings
    from prens.runtime import open_runtime

    path = write_config(tmp_path, {"recipients_list = true": "recipients_list = false"})
    rt = open_runtime(load_settings(path))
    try:
        client = create_app(rt, SECRET, {"TESTING": True}).test_client()
        assert client.get("/daftar-penerima").status_code == 404
        assert "Daftar penerima" not in client.get("/cek-status").data.decode()
    finally:
        rt.close()


def test_no_public_page_shows_a_nik_kk_or_phone(client, people) -> None:  # type: ignore[no-untyped-def]
    bodies = [client.get(path).data for path in ("/", "/cek-status", "/daftar-penerima")]
    bodies += [client.get(f"/daftar-penerima?q={p.nama}").data for p in people.values()]
    bodies += [
        ask(client, p.nik, p.born, ip=f"10.2.0.{i}").data for i, p in enumerate(people.values())
    ]
    bodies += [client.get("/tidak-ada").data, client.get("/dinas/dashboard").data]
    for raw in bodies:
        text = raw.decode()
        assert not SIXTEEN_DIGITS.search(text), SIXTEEN_DIGITS.search(text)
        assert not re.search(r"\+62\d{8,}|(?<!\d)08\d{8,}", text)


def test_pages_are_small_self_contained_and_not_cached(client, people) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/cek-status", "/daftar-penerima"):
        reply = client.get(path)
        assert reply.status_code == 200 and len(reply.data) < 50_000
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
        assert reply.headers["Cache-Control"] == "no-store"
        # Nothing loaded from elsewhere (a link a person follows, to the form, is no load).
        assert not re.search(rb'(src=|<link[^>]*href=)"(https?:)?//', reply.data)
        assert b"<script" not in reply.data


def login(client, name: str, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/dinas/masuk",
        data={"csrf_token": csrf_token(client, "/dinas/masuk"), "nama": name, "token": token},
    )


def test_the_dashboard_needs_a_login_and_shows_the_numbers(runtime, client, people) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/dinas/dashboard").headers["Location"] == "/dinas/masuk"
    token = Officers(runtime.engine).add("Budi Dinas")
    assert login(client, "Budi Dinas", "salah").status_code == 401
    assert login(client, "Budi Dinas", token).headers["Location"] == "/dinas/dashboard"
    page = client.get("/dinas/dashboard").data.decode()
    assert "Masuk sebagai Budi Dinas" in page
    assert '<div class="figure"><b>6</b>formulir masuk' in page
    assert '<div class="figure"><b>3</b>terverifikasi atau lebih' in page
    # 3 covered x Rp 16.800 x 12 months; with the one still waiting: 4 people.
    assert "Rp 604.800" in page and "Rp 806.400" in page
    assert page.count("<svg") == 4 and "<title>Tahapan pendaftaran</title>" in page
    # One of the six forms needed correction, for its phone number: 16,7% of all.
    assert (
        "<td>phone_format</td><td>NOMOR HP / WHATSAPP (aktif)</td>"
        '<td class="num">1</td><td class="num">16,7</td>'
    ) in page
    assert len(page.encode()) < 50_000
    # A removed officer's session ends.
    Officers(runtime.engine).remove("Budi Dinas")
    assert client.get("/dinas/dashboard").status_code == 302


def test_messages_can_link_to_cek_status(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prens.config import ConfigError, load_settings
    from prens.rules.messages import render, values
    from prens.runtime import open_runtime
    from tests.conftest import post
    from tests.test_webhook import body

    needs_link = {
        'TERVERIFIKASI = "Yth. {nama},': 'TERVERIFIKASI = "Cek: {cek_status_url} Yth. {nama},'
    }
    with pytest.raises(ConfigError, match="public.base_url"):
        load_settings(write_config(tmp_path, needs_link))
    base = 'base_url = "https://prens.balangankab.go.id"'
    settings = load_settings(write_config(tmp_path, {**needs_link, 'base_url = ""': base}))
    rt = open_runtime(settings)
    try:
        client = create_app(rt, SECRET, {"TESTING": True}).test_client()
        reg = rt.ledger.get(post(client, body(settings)).get_json()["id"])
        assert reg is not None
        text = render(settings.notifications.templates["TERVERIFIKASI"], values(reg, settings, {}))
    finally:
        rt.close()
    assert text.startswith("Cek: https://prens.balangankab.go.id/cek-status Yth. Siti Rahmah,")


def test_a_malformed_nik_gets_the_format_message_and_locks_nobody_out(client) -> None:  # type: ignore[no-untyped-def]
    """Typos do not share one per-NIK bucket: every mistyping citizen gets the format message."""
    for i in range(8):  # more than the per-NIK limit (5 per hour), each from its own phone
        reply = ask(client, f"63110645079{i}", "05-07-1990", ip=f"10.9.0.{i}")
        assert reply.status_code == 400 and b"NIK harus 16 angka" in reply.data, i


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/healthz"), ("POST", "/webhooks/google-form"), ("GET", "/cek-status")],
)
def test_every_response_says_nosniff(client, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    reply = client.open(path, method=method)
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query", ["%00", "%00%E2%80%AE", "%ED%A0%80", "x" * 500])
def test_any_search_gets_the_list(client, query: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/daftar-penerima?q={query}").status_code == 200


def test_errors_are_pages_in_words_for_people_and_json_for_machines(runtime) -> None:  # type: ignore[no-untyped-def]
    """Not TESTING: the app answers as in production. A wrong method, a database that fails
    and a bug each get a page in Bahasa Indonesia with the right status, never werkzeug's
    English page; the webhook's paths answer in JSON."""
    app = create_app(runtime, SECRET)
    app.add_url_rule("/rusak", "rusak", lambda: 1 / 0)  # a bug, as any view might have
    client = app.test_client()

    wrong = client.put("/cek-status")
    assert wrong.status_code == 405 and "tidak dapat dibuka dengan cara ini" in wrong.text
    broken = client.get("/rusak")
    assert broken.status_code == 500 and "Terjadi kesalahan" in broken.text
    machine = client.get("/webhooks/google-form")
    assert machine.status_code == 405 and machine.get_json()["error"] == "Method Not Allowed"
    for page in (wrong, broken):
        assert 'lang="id"' in page.text and "Internal Server Error" not in page.text

    refuse_inserts(runtime.engine, "rate_limits")  # the counters /cek-status writes first
    try:
        down = ask(client, "6311064507900003", "05-07-1990")
    finally:
        allow_inserts(runtime.engine, "rate_limits")
    assert down.status_code == 503 and "Layanan sedang terganggu" in down.text, down.text


def test_a_nik_typed_in_full_width_digits_is_read(client, people) -> None:  # type: ignore[no-untyped-def]
    p = people["menunggu"]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in p.nik)  # "０１２…" from a phone keyboard
    reply = ask(client, wide, p.born)
    assert reply.status_code == 200 and "NIK harus 16 angka" not in reply.get_data(as_text=True)
