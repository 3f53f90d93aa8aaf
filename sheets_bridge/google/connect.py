"""Opening the Google backend: service-account credentials (google-auth), an authorised HTTP
session, and gspread's client on the paced HTTP client."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

from sheets_bridge.base import SheetError
from sheets_bridge.credentials import credentials_path, credentials_problem
from sheets_bridge.google.http import PacedHTTPClient
from sheets_bridge.google.sheets import GoogleSheets

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)


def open_google(
    spreadsheet_key: str,
    env: Mapping[str, str] | None = None,
    credentials_file: str = "",
    session: requests.Session | None = None,
    allow_public_link: bool = False,
    **client_options: Any,
) -> GoogleSheets:
    """The Google backend with service-account credentials from `credentials_file` or
    GOOGLE_APPLICATION_CREDENTIALS. `session` replaces the HTTP session (for tests)."""
    path = credentials_path(credentials_file, env)
    problem = credentials_problem(path)
    if problem:
        raise SheetError(problem)
    try:
        creds = service_account.Credentials.from_service_account_file(path, scopes=SCOPES)
    except (OSError, ValueError, KeyError) as exc:
        # The key passed the offline check, but google-auth cannot use it (a damaged key).
        raise SheetError(
            f"berkas kredensial Google {path} tidak dapat dipakai ({exc}): unduh lagi kunci "
            "JSON akun layanannya"
        ) from exc
    if session is None:
        authorized = AuthorizedSession(creds)
    else:
        authorized = AuthorizedSession(creds, auth_request=Request(session))
        for prefix, adapter in session.adapters.items():
            authorized.mount(prefix, adapter)
    return from_client(
        gspread.Client(
            creds,
            session=authorized,
            http_client=partial(PacedHTTPClient, **client_options),  # type: ignore[arg-type]
        ),
        spreadsheet_key,
        allow_public_link,
    )


def from_client(
    client: gspread.Client, spreadsheet_key: str, allow_public_link: bool = False
) -> GoogleSheets:
    """The Google backend on an existing gspread Client (credentials managed elsewhere).

    Its HTTP client should be a PacedHTTPClient, or gspread's own retries and quotas apply."""
    return GoogleSheets(client, spreadsheet_key, allow_public_link)
