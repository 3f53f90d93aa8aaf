"""Documents received at a desa office, into the verifiers' sheet: the document columns of each
such row ticked, once, as if the Dinas had ticked them. The sheet stays the source of truth: a
verifier who unticks one later is not overruled, and the sync reads the rows as usual."""

from __future__ import annotations

import logging
from datetime import datetime

from prens.config import Settings
from prens.rules.lifecycle import TERVERIFIKASI
from prens.store.offices import Receipts
from sheets_bridge.base import SheetBackend

log = logging.getLogger(__name__)


def push_receipts(
    receipts: Receipts, sheets: SheetBackend, settings: Settings, now: datetime
) -> int:
    """Tick the document columns of the rows whose complete receipt is new, in one write;
    return how many were ticked. A receipt not complete ticks nothing (its note reaches
    `Catatan Sistem` through the sync). A registration that left TERVERIFIKASI meanwhile
    (rejected, or ticked by the Dinas already) is not touched."""
    pending = receipts.pending()
    if not pending:
        return 0
    headers = [v.header for v in settings.verifier_columns if v.role == "documents"]
    ticks: dict[str, dict[str, str | bool]] = {
        reg_id: {header: True for header in headers}
        for reg_id, (state, complete) in pending.items()
        if state == TERVERIFIKASI and complete
    }
    if ticks and headers:
        sheets.update_rows_by_key(
            settings.worksheets["pendaftar"], settings.columns["id"], ticks, all_or_nothing=True
        )
    receipts.mark_pushed(list(pending), now)
    log.info("sync: %d receipt(s) from desa offices ticked in the sheet", len(ticks))
    return len(ticks)
