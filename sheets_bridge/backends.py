"""Choose the sheet backend the configuration names."""

from __future__ import annotations

from sqlalchemy import Engine

from prens.config import Settings
from sheets_bridge.base import SheetBackend, SheetError
from sheets_bridge.local import LocalSheets


def open_backend(settings: Settings, engine: Engine) -> SheetBackend:
    """The local sheet on the ledger's database, or (once it is built) the Google backend."""
    if settings.sheet_backend == "local":
        return LocalSheets(engine)
    raise SheetError("the Google Sheets backend is not available in this version; "
                     "use [sheet] backend = \"local\"")
