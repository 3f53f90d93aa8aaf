"""Spreadsheets: worksheet layout, the sheet backends (local embedded; Google), batched writing."""

from sheets_bridge.base import SheetBackend, SheetError, WorksheetNotFound

__all__ = ["SheetBackend", "SheetError", "WorksheetNotFound"]
