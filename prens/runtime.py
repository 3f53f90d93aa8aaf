"""Wire one deployment together: settings, database, ledger, sheet backend."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from jobs.providers import open_provider
from jobs.providers.base import Provider
from prens.config import Settings
from prens.store.database import make_engine
from prens.store.ledger import Ledger
from prens.store.outbox import Outbox
from prens.store.verification import VerificationStore
from sheets_bridge.backends import open_backend, open_responses_backend
from sheets_bridge.base import SheetBackend


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    ledger: Ledger
    # The sheet backend, opened on first use: a command that needs no sheet (`officer list`)
    # works with Google credentials missing, and `doctor` reports them as one of its checks.
    _sheets: SheetBackend | None = None
    store: VerificationStore | None = None
    _outbox: Outbox | None = None
    _provider: Provider | None = None
    _responses: SheetBackend | None = None
    # Set when the process is shutting down: long jobs (notify's paced sending) end early.
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def sheets(self) -> SheetBackend:
        """The configured sheet backend (a SheetError says in words why it cannot be opened)."""
        if self._sheets is None:
            self._sheets = open_backend(self.settings, self.engine)
        return self._sheets

    @sheets.setter
    def sheets(self, backend: SheetBackend) -> None:
        self._sheets = backend

    def verification(self) -> VerificationStore:
        """The lifecycle's store (verifier values seen, states entered, the audit log)."""
        if self.store is None:
            self.store = VerificationStore(self.engine)
        return self.store

    def outbox(self) -> Outbox:
        if self._outbox is None:
            self._outbox = Outbox(self.engine)
        return self._outbox

    def provider(self) -> Provider:
        """The configured notification provider (opened on first use: it may need a token)."""
        if self._provider is None:
            cfg = self.settings.notifications
            self._provider = open_provider(cfg.provider, cfg.options, self.settings.data_dir)
        return self._provider

    def responses_sheets(self) -> SheetBackend:
        """The spreadsheet holding the form's linked responses sheet ([responses])."""
        if self._responses is None:
            self._responses = open_responses_backend(self.settings, self.sheets)
        return self._responses

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings) -> Runtime:
    """Open the database (creating its tables); the sheet backend opens on first use."""
    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    ledger = Ledger(engine, settings.id_prefix)
    ledger.create_schema()
    return Runtime(settings, engine, ledger, None, VerificationStore(engine))
