"""Choose the sheet backend the configuration names."""

from __future__ import annotations

from sqlalchemy import Engine

from prens.config import Settings
from sheets_bridge.base import SheetBackend
from sheets_bridge.google import open_google
from sheets_bridge.local import LocalSheets


def open_backend(settings: Settings, engine: Engine) -> SheetBackend:
    """The local sheet on the ledger's database, or the Google spreadsheet of the configuration."""
    if settings.sheet_backend == "local":
        return LocalSheets(engine)
    return open_google(
        settings.spreadsheet_key,
        credentials_file=settings.credentials_file,
        allow_public_link=settings.allow_public_link,
        reads_per_minute=settings.reads_per_minute,
        writes_per_minute=settings.writes_per_minute,
    )


def open_responses_backend(settings: Settings, sheets: SheetBackend) -> SheetBackend:
    """The spreadsheet of the form's responses sheet: `sheets` itself, unless [responses]
    names another Google spreadsheet."""
    key = settings.responses.spreadsheet_key
    if settings.sheet_backend == "local" or not key or key == settings.spreadsheet_key:
        return sheets
    # Only read: the sharing guard (which protects writes of personal data) does not apply.
    return open_google(
        key,
        credentials_file=settings.credentials_file,
        allow_public_link=True,
        reads_per_minute=settings.reads_per_minute,
        writes_per_minute=settings.writes_per_minute,
    )
