"""The domain's errors. Every error the project raises on purpose is a PrensError, except the
sheet seam's (sheets_bridge.base.SheetError and its kinds, for a sheet that cannot be used);
edges turn them into responses. (tests/test_architecture.py checks this tree is complete.)

PrensError
 ├── ConfigError           a configuration value is wrong (start-up stops)
 ├── PayloadError          a webhook body is not the contract's shape (HTTP 400)
 ├── LedgerError           the ledger cannot be used (HTTP 503, command exits non-zero)
 ├── ResponseChanged       a response sent again with other answers (an edit; HTTP 409)
 ├── ResponsesLayoutError  the form's responses sheet lacks a configured question's column
 ├── RegionDataError       the region data file cannot be read (prens.rules.regions)
 ├── FileLayoutError       a BPJS file lacks the expected columns (prens.rules.bpjs.columns)
 ├── FileRefused           an uploaded file cannot be read (prens.intake.tables)
 │    └── NotASpreadsheet  an upload whose name is not .xlsx or .csv
 ├── OfficerError          an officer's name taken, unknown or unusable (prens.store.officers)
 ├── OfficeError           an office's name taken, unknown or unusable (prens.store.offices)
 ├── ReceiptRefused        documents that cannot be recorded at that office (prens.store.offices)
 └── ProviderError         a messaging provider that cannot be used (jobs.providers.base)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class PrensError(Exception):
    """Base of the domain's errors."""


class ConfigError(PrensError, ValueError):
    """A configuration key has a wrong or missing value."""

    def __init__(self, source: Path | str, key: str, value: Any, expected: str):
        self.source, self.key, self.value, self.expected = source, key, value, expected
        shown = "(tidak ada)" if value is None else repr(value)
        super().__init__(f"{source}: {key} = {shown}: seharusnya {expected}")


class ResponsesLayoutError(PrensError, ValueError):
    """The responses sheet's header row lacks the timestamp or a configured question."""


class PayloadError(PrensError, ValueError):
    """A webhook body that is not a submission; the message says what is wrong."""


class LedgerError(PrensError):
    """The ledger's database cannot be used."""


class ResponseChanged(PrensError):
    """A response the ledger holds, sent again under its responseId with other answers: an
    edited form response. The first answers stay; the edit is refused, not silently lost."""

    def __init__(self, registration_id: str):
        super().__init__(f"response already stored as {registration_id} with other answers")
        self.registration_id = registration_id
