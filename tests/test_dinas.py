"""Downloads for the Dinas: officers only, every download audited."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from jobs.sync import sync
from prens.cli import main
from prens.store.schema import audit_log
from tests.lifecycle_helpers import tick

ROUTES = [
    "/dinas/daftar-final.xlsx",
    "/dinas/daftar-final.csv",
    "/dinas/berita-acara",
    "/dinas/berita-acara.xlsx",
]


@pytest.fixture
def officer(config_path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "officer", "add", "Rahmat (Dinas)"]
    )
    assert result.exit_code == 0, result.output
    return "Rahmat (Dinas)", result.output.strip().rsplit(" ", 1)[1]


def basic(name: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()}


@pytest.fixture
def verified(verifying):  # type: ignore[no-untyped-def]
    runtime, fake, ids = verifying
    for reg in ids[:3]:
        for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
            tick(runtime, reg, column)
    tick(runtime, ids[2], "Alasan Penolakan", "Bukan pekerja rentan")
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    return runtime, ids


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Bearer nope",
        "Basic !!!",
        "Basic " + base64.b64encode(b"Rahmat (Dinas):wrong").decode(),
    ],
)
def test_no_data_without_an_officer(client, officer, route: str, auth: str | None) -> None:  # type: ignore[no-untyped-def]
    reply = client.get(route, headers={"Authorization": auth} if auth else {})
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"].startswith("Basic")
    assert b"BLG-" not in reply.data and b"6311" not in reply.data


def test_the_right_token_under_another_name_is_refused(client, officer) -> None:  # type: ignore[no-untyped-def]
    _name, token = officer
    assert client.get(ROUTES[0], headers=basic("Orang Lain", token)).status_code == 401


@pytest.mark.parametrize("verifying", ["local"], indirect=True)
def test_downloads_with_an_officer_are_audited(client, officer, verified) -> None:  # type: ignore[no-untyped-def]
    runtime, ids = verified
    name, token = officer
    reply = client.get("/dinas/daftar-final.xlsx", headers=basic(name, token))
    assert reply.status_code == 200 and "attachment" in reply.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(reply.data))["Daftar Final"]
    head = [c.value for c in ws[1]]
    niks = [r[head.index("NIK")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert niks == ["6311064507900001", "6311064507900002"]  # as submitted, as text
    reply = client.get("/dinas/daftar-final.csv", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200 and reply.data.startswith(b"\xef\xbb\xbf")
    with runtime.engine.connect() as conn:
        downloads = conn.execute(select(audit_log).where(audit_log.c.kind == "download")).all()
    assert [(d.actor, '"rows": 2' in d.detail) for d in downloads] == [(name, True), (name, True)]


@pytest.mark.parametrize("verifying", ["local"], indirect=True)
def test_berita_acara_counts_without_personal_data(client, officer, verified) -> None:  # type: ignore[no-untyped-def]
    runtime, ids = verified
    page = client.get("/dinas/berita-acara", headers=basic(*officer))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "BERITA ACARA HASIL VERIFIKASI" in text and "Periode verifikasi" in text
    assert "Anggota 3" in text and "NIP/NPP" in text
    assert "<td>Paringin</td>" in text
    assert "2 orang" in text and "Rp 403.200" in text  # 2 x 16.800 x 12
    for reg in ids:
        assert reg not in text
    assert "6311064507900001" not in text and "ORANG A" not in text
    sheet = client.get("/dinas/berita-acara.xlsx", headers=basic(*officer))
    ws = openpyxl.load_workbook(io.BytesIO(sheet.data))["Berita Acara"]
    values = [r for r in ws.iter_rows(values_only=True)]
    assert ("Jumlah", 1, 2, 0, 0, 1, 4) in values  # 1 waiting, 2 verified, 1 rejected


def test_a_removed_officer_is_locked_out(client, officer, config_path) -> None:  # type: ignore[no-untyped-def]
    name, token = officer
    assert client.get("/dinas/berita-acara", headers=basic(name, token)).status_code == 200
    CliRunner().invoke(main, ["--config", str(config_path), "officer", "remove", name])
    assert client.get("/dinas/berita-acara", headers=basic(name, token)).status_code == 401


def test_officer_tokens_are_stored_hashed(runtime, officer) -> None:  # type: ignore[no-untyped-def]
    from prens.store.schema import officers

    _name, token = officer
    with runtime.engine.connect() as conn:
        stored = conn.execute(select(officers)).one()
    assert token not in str(tuple(stored)) and len(stored.token_sha256) == 64


def test_downloads_say_their_type_once(client, officer) -> None:  # type: ignore[no-untyped-def]
    reply = client.get("/dinas/daftar-final.csv", headers=basic(*officer))
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_downloads_can_be_read_without_sql(client, officer, config_path, runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.test_pages import login

    assert client.get("/dinas/daftar-final.xlsx", headers=basic(*officer)).status_code == 200
    listed = CliRunner().invoke(main, ["--config", str(config_path), "audit", "--downloads"])
    assert listed.exit_code == 0
    assert (
        "unduhan daftar-final.xlsx, 0 baris" in listed.output
        and "[Rahmat (Dinas)]" in listed.output
    )
    assert login(client, *officer).status_code == 302
    page = client.get("/dinas/dashboard").data.decode()
    assert "Riwayat unduhan data pribadi" in page and "<td>daftar-final.xlsx</td>" in page
    assert "terkirim</th>" in page and "belum pasti</th>" in page and "uncertain</th>" not in page
    assert "untuk mesin" in page  # which file is for machines, which for people


def test_audit_without_an_id_or_downloads_says_what_to_pass(config_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["--config", str(config_path), "audit"])
    assert result.exit_code == 2 and "--downloads" in result.output
