"""What a verifier may write: only the verifier columns of "Pendaftar", checkboxes as TRUE/FALSE."""

from __future__ import annotations

from prens.config import Settings
from sheets_bridge import layout
from sheets_bridge.base import CellNotFound, SheetBackend


def set_verifier_cell(
    sheets: SheetBackend,
    settings: Settings,
    worksheet: str,
    registration_id: str,
    column: str,
    value: str,
) -> str:
    """Set one verifier cell of the row `registration_id`; return the value stored.

    System columns are protected, as they are in the shared Google Sheet.
    """
    if worksheet != settings.worksheets["pendaftar"]:
        raise CellNotFound(
            f"verifikator hanya mengisi {settings.worksheets['pendaftar']!r}, bukan {worksheet!r}"
        )
    columns = {v.header: v for v in settings.verifier_columns}
    if column not in columns:
        raise CellNotFound(
            f"{column!r} bukan kolom verifikator; kolom verifikator: " + ", ".join(columns)
        )
    checkbox = columns[column].kind == "checkbox"
    stored = layout.checkbox_value(value) if checkbox else value
    # A checkbox holds a boolean: the text "TRUE" in a checkbox cell is not a tick.
    sheets.update_by_key(
        worksheet,
        settings.columns["id"],
        registration_id,
        column,
        stored == "TRUE" if checkbox else stored,
    )
    return stored
