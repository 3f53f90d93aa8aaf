"""Service-account auth offline: real google-auth signs a JWT with a generated key, the fake's
token endpoint checks the signature, and gspread sends the token it got."""

from __future__ import annotations

import threading
from pathlib import Path

import gspread
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account

from sheets_bridge.base import SheetError
from sheets_bridge.google import from_client, open_google
from sheets_bridge.google.http import PacedHTTPClient
from tests.fakes.sheets_api import FakeSheetsAPI
from tests.google_fixtures import SERVICE_ACCOUNT, SPREADSHEET, google_on_fake, service_account_file


def test_a_token_is_obtained_with_a_signed_jwt_and_used(tmp_path: Path) -> None:
    sheets, fake = google_on_fake(tmp_path)
    assert sheets.worksheet_names() == ["Sheet1"]
    assert fake.tokens_issued == 1
    assert sheets.service_account == SERVICE_ACCOUNT


def test_a_key_the_fake_does_not_know_is_refused(tmp_path: Path) -> None:
    fake = FakeSheetsAPI(service_account=SERVICE_ACCOUNT)
    fake.create(SPREADSHEET)
    fake.public_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    sheets = open_google(
        SPREADSHEET,
        credentials_file=str(service_account_file(tmp_path)),
        session=fake.session(),
        clock=fake.clock,
        sleep=fake.clock.sleep,
    )
    # In words, not google-auth's traceback: the key may be deleted, make a new one.
    with pytest.raises(SheetError, match="Google menolak kunci akun layanan .*kunci JSON baru"):
        sheets.worksheet_names()
    assert fake.tokens_issued == 0


def test_no_route_to_google_is_said_in_words_after_retries(tmp_path: Path) -> None:
    sheets, fake = google_on_fake(tmp_path, max_attempts=3)
    fake.token_down = True
    with pytest.raises(
        SheetError, match="Google tidak dapat dihubungi untuk masuk .* jaringan dan DNS"
    ):
        sheets.worksheet_names()
    fake.token_down = False  # back: the next request signs in and goes through
    assert sheets.worksheet_names() == ["Sheet1"]


def test_missing_or_broken_credentials_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        open_google(SPREADSHEET, env={})
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    with pytest.raises(
        SheetError, match="broken.json adalah bukan kunci, bukan kunci akun layanan"
    ):
        open_google(SPREADSHEET, env={"GOOGLE_APPLICATION_CREDENTIALS": str(broken)})


def test_built_from_an_existing_gspread_client(tmp_path: Path) -> None:
    fake = FakeSheetsAPI(service_account=SERVICE_ACCOUNT)
    fake.create(SPREADSHEET)
    creds = service_account.Credentials.from_service_account_file(
        str(service_account_file(tmp_path)), scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    session = fake.session()
    session.headers["Authorization"] = "Bearer fake-access-token"  # the operator's own auth
    client = gspread.Client(creds, session=session, http_client=PacedHTTPClient)
    sheets = from_client(client, SPREADSHEET)
    sheets.ensure_worksheet("Pendaftar", ["ID Pendaftaran"])
    assert sheets.worksheet_names() == ["Sheet1", "Pendaftar"]


def test_one_client_shared_by_threads(tmp_path: Path) -> None:
    sheets, fake = google_on_fake(tmp_path)
    sheets.ensure_worksheet("Pendaftar", ["ID Pendaftaran"])
    before = fake.counts["read"]
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(5):
                sheets.get_all_values("Pendaftar")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fake.counts["read"] - before == 40 and fake.counts["429"] == 0
    assert sheets.http.sent["read"] >= 40
