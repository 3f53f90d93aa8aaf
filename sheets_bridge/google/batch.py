"""The bodies of Sheets API requests, built from what they set (pure): A1 ranges, append chunks
under the request size guidance, and the batchUpdate requests for formats, checkboxes,
protections, column widths and the developer metadata that keys a row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sheets_bridge import setup
from sheets_bridge.setup import WorksheetLayout

MAX_REQUEST_BYTES = 1_800_000  # under Google's 2 MB guidance, with room for the envelope
ROW_KEY = "prens_id"  # developer metadata naming the registration a row holds
TEXT_FORMAT = {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}}


def a1_sheet(name: str) -> str:
    """A worksheet name quoted for an A1 range."""
    return "'" + name.replace("'", "''") + "'"


def column_letters(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def chunks_by_size(
    rows: Sequence[list[Any]], limit: int = MAX_REQUEST_BYTES
) -> list[list[list[Any]]]:
    """Split rows so each append's JSON body stays under `limit` bytes."""
    out: list[list[list[Any]]] = [[]]
    size = 0
    for row in rows:
        cost = len(json.dumps(row, ensure_ascii=False).encode()) + 1
        if out[-1] and size + cost > limit:
            out.append([])
            size = 0
        out[-1].append(row)
        size += cost
    return [c for c in out if c]


def columns(sheet_id: int, start: int, end: int, first_row: int = 1) -> dict[str, int]:
    """The grid range of columns [start, end) from `first_row` down."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": first_row,
        "startColumnIndex": start,
        "endColumnIndex": end,
    }


def text_format(grid: dict[str, int]) -> dict[str, Any]:
    """Cells formatted as text: a NIK typed by a verifier stays 16 digits."""
    return {
        "repeatCell": {
            "range": grid,
            "cell": TEXT_FORMAT,
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def checkbox(grid: dict[str, int]) -> dict[str, Any]:
    rule = {"condition": {"type": "BOOLEAN"}, "strict": True, "showCustomUi": True}
    return {"setDataValidation": {"range": grid, "rule": rule}}


def dropdown(grid: dict[str, int], values: list[str]) -> dict[str, Any]:
    """A list to choose from; other text is refused in the sheet (the sync checks it too)."""
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in values]},
        "strict": True,
        "showCustomUi": True,
    }
    return {"setDataValidation": {"range": grid, "rule": rule}}


def protection(grid: dict[str, int], service_account: str) -> dict[str, Any]:
    """Cells only the service account may change (verifiers get the warning text)."""
    editors = {"users": [service_account]} if service_account else {}
    return {
        "addProtectedRange": {
            "protectedRange": {
                "range": grid,
                "description": setup.PROTECTION_TEXT,
                "warningOnly": False,
                "editors": editors,
            }
        }
    }


def frozen_rows(sheet_id: int, rows: int) -> dict[str, Any]:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": rows}},
            "fields": "gridProperties.frozenRowCount",
        }
    }


def column_width(sheet_id: int, column: int, pixels: int) -> dict[str, Any]:
    return {
        "updateDimensionProperties": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "COLUMNS",
                "startIndex": column,
                "endIndex": column + 1,
            },
            "properties": {"pixelSize": pixels},
            "fields": "pixelSize",
        }
    }


def layout_requests(
    layout: WorksheetLayout, sheet: dict[str, Any], service_account: str
) -> list[dict[str, Any]]:
    """Frozen header, checkboxes, text formats, protections and widths of a worksheet (its
    properties as the spreadsheet's metadata gives them). Every request sets a state, so running
    them twice leaves the sheet as it was; our protected ranges are found by their description,
    removed when no longer wanted and added only when missing."""
    sid = sheet["properties"]["sheetId"]
    width = len(layout.headers)
    out = [frozen_rows(sid, layout.frozen_rows)]
    out += [checkbox(columns(sid, c, c + 1)) for c in layout.checkbox_columns]
    out += [dropdown(columns(sid, c, c + 1), values) for c, values in layout.choice_columns]
    out += [text_format(columns(sid, c, c + 1)) for c in layout.text_columns]
    ours = [
        p
        for p in sheet.get("protectedRanges", [])
        if str(p.get("description", "")).startswith(setup.PROTECTION_MARK)
    ]
    wanted = {(start, end) for start, end in layout.protected_columns}
    have = {
        (p["range"].get("startColumnIndex", 0), p["range"].get("endColumnIndex", width)): p
        for p in ours
    }
    out += [
        {"deleteProtectedRange": {"protectedRangeId": existing["protectedRangeId"]}}
        for span, existing in have.items()
        if span not in wanted
    ]
    out += [
        protection(columns(sid, start, end, first_row=0), service_account)
        for start, end in sorted(wanted - set(have))
    ]
    out += [column_width(sid, c, pixels) for c, pixels in enumerate(layout.widths)]
    return out


def swap_requests(
    old_id: int | None, new_id: int, name: str, text_columns: Iterable[int], service_account: str
) -> list[dict[str, Any]]:
    """Put a filled hidden worksheet in the place of worksheet `name` (deleted, if it exists):
    shown, named, header frozen, identifier columns as text, protected."""
    out: list[dict[str, Any]] = []
    if old_id is not None:
        out.append({"deleteSheet": {"sheetId": old_id}})
    out.append(
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": new_id,
                    "title": name,
                    "hidden": False,
                    "gridProperties": {"frozenRowCount": 1},
                },
                "fields": "title,hidden,gridProperties.frozenRowCount",
            }
        }
    )
    out += [text_format(columns(new_id, c, c + 1)) for c in text_columns]
    out.append(protection({"sheetId": new_id}, service_account))
    return out


def key_filter(key: str) -> dict[str, Any]:
    """The data filter finding the row tagged with `key`."""
    return {"developerMetadataLookup": {"metadataKey": ROW_KEY, "metadataValue": key}}


def tag_row(sheet_id: int, key: str, row_index: int) -> dict[str, Any]:
    """Tag the row at `row_index` (0-based) with `key`: the tag moves with the row."""
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": ROW_KEY,
                "metadataValue": key,
                "visibility": "DOCUMENT",
                "location": {
                    "dimensionRange": {
                        "sheetId": sheet_id,
                        "dimension": "ROWS",
                        "startIndex": row_index,
                        "endIndex": row_index + 1,
                    }
                },
            }
        }
    }


def untag_row(key: str) -> dict[str, Any]:
    return {"deleteDeveloperMetadata": {"dataFilter": key_filter(key)}}
