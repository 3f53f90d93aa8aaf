"""Real service-account credentials (a generated key) against the Sheets API fake: the real
google-auth token flow and the real gspread code, without any network."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sheets_bridge.google import GoogleSheets, open_google
from tests.fakes.sheets_api import FakeSheetsAPI

SERVICE_ACCOUNT = "prens@lindungi-prens-test.iam.gserviceaccount.com"
SPREADSHEET = "1FakeSpreadsheetKeyForLindungiPrens"


@lru_cache(maxsize=1)
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_key_pem() -> str:
    return (
        _key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def public_key() -> rsa.RSAPublicKey:
    return _key().public_key()


def service_account_file(directory: Path, email: str = SERVICE_ACCOUNT) -> Path:
    path = directory / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "lindungi-prens-test",
                "private_key_id": "0123456789abcdef",
                "private_key": _private_key_pem(),
                "client_email": email,
                "client_id": "123456789012345678901",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


def google_on_fake(
    directory: Path, fake: FakeSheetsAPI | None = None, **client_options: object
) -> tuple[GoogleSheets, FakeSheetsAPI]:
    """The Google backend on real service-account credentials, talking to the fake."""
    fake = fake or FakeSheetsAPI(service_account=SERVICE_ACCOUNT)
    fake.public_key = public_key()  # the token endpoint checks the JWT's signature
    if SPREADSHEET not in fake.spreadsheets:
        fake.create(SPREADSHEET)
    options = {"clock": fake.clock, "sleep": fake.clock.sleep, **client_options}
    backend = open_google(
        SPREADSHEET,
        credentials_file=str(service_account_file(directory)),
        session=fake.session(),
        **options,
    )
    return backend, fake
