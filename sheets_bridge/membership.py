"""Membership numbers from the BPJS branch into the verifiers' sheet: what an import would do
(read against the sheet and the ledger as they are now), and applying it: the numbers written
to the membership number column in one batch, each audited. The sync then moves those rows to
TERDAFTAR and tells each citizen once, as if a verifier had typed the numbers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from prens.config import Settings
from prens.errors import PrensError
from prens.reports.final import membership_header
from prens.rules.bpjs.numbers_in import ImportLine, Outcome, counts, plan
from prens.store.ledger import Ledger
from prens.store.verification import VerificationStore
from sheets_bridge.base import SheetBackend

log = logging.getLogger(__name__)


def number_header(settings: Settings) -> str:
    header = membership_header(settings)
    if header is None:
        raise PrensError(
            "no verifier column has the role membership_number (the configuration's verifier "
            "columns): the membership numbers have nowhere to go"
        )
    return header


def current_numbers(sheets: SheetBackend, settings: Settings) -> dict[str, str]:
    """Registration id -> the membership number its row in "Pendaftar" holds now (one read)."""
    name, id_header = settings.worksheets["pendaftar"], settings.columns["id"]
    if name not in sheets.worksheet_names():
        return {}
    header = number_header(settings)
    columns = sheets.read_columns(name, [id_header, header])
    return {
        str(reg_id): str(number or "").strip()
        for reg_id, number in zip(columns[id_header], columns[header], strict=False)
        if reg_id
    }


def import_plan(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    lines: Sequence[ImportLine],
    accept_name_mismatch: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """What importing `lines` would do now (changes nothing); `progress(n)`: n more of the
    file's NIKs looked up."""
    niks = [line.nik.nik for line in lines if not line.nik.as_number]
    registrations = ledger.for_niks(niks, progress)
    current = current_numbers(sheets, settings)
    return plan(lines, registrations, current, settings.membership_pattern, accept_name_mismatch)


def apply_import(
    ledger: Ledger,
    sheets: SheetBackend,
    settings: Settings,
    store: VerificationStore,
    lines: Sequence[ImportLine],
    accept_name_mismatch: bool,
    actor: str,
    file_name: str,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Plan again against the sheet as it is now, write every number to set in one batch (all
    or nothing), and audit each; return the outcomes applied. Applying again sets nothing."""
    outcomes = import_plan(ledger, sheets, settings, lines, accept_name_mismatch, progress)
    chosen = [o for o in outcomes if o.sets]
    header = number_header(settings)
    if chosen:
        sheets.update_rows_by_key(
            settings.worksheets["pendaftar"],
            settings.columns["id"],
            {o.registration_id: {header: o.line.number} for o in chosen},
            all_or_nothing=True,
        )
    entries: list[tuple[str | None, dict[str, object]]] = [
        (o.registration_id, {"column": header, "after": o.line.number, "file": file_name})
        for o in chosen
    ]
    tally = counts(outcomes)
    entries.append((None, {"file": file_name, "rows": len(outcomes), "outcomes": tally}))
    store.log_many(entries, "bpjs_import", actor, now)
    log.info("bpjs import: %d number(s) written of %d line(s)", len(chosen), len(outcomes))
    return outcomes
