"""The operations of the Sheets API fake: what each endpoint does to the model and answers."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.sheets_model import ApiError, Sheet, Spreadsheet, raw_input, render, user_entered


def _cell_input(option: str, raw: Any):  # type: ignore[no-untyped-def]
    if option not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, f"Invalid value at 'value_input_option' ({option})")
    return raw_input(raw) if option == "RAW" else user_entered(raw)


def metadata(book: Spreadsheet) -> dict[str, Any]:
    sheets = []
    for s in book.sheets:
        entry: dict[str, Any] = {"properties": s.properties()}
        if s.protected:
            entry["protectedRanges"] = [dict(p) for p in s.protected]
        sheets.append(entry)
    return {
        "spreadsheetId": book.key,
        "properties": {
            "title": book.title,
            "locale": "in_ID",
            "autoRecalc": "ON_CHANGE",
            "timeZone": book.time_zone,
        },
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit",
    }


def _values(
    sheet: Sheet, r1: int, c1: int, r2: int | None, c2: int | None, option: str
) -> tuple[str, list[list[Any]]]:
    last_r = min(sheet.last_row() - 1, sheet.rows - 1) if r2 is None else r2
    last_c = max((c for (_r, c) in sheet.cells), default=0) if c2 is None else c2
    # Google names an open-ended range by the grid's bounds, whatever the data's extent
    # (gspread's recorded SpreadsheetTest.test_values_get: "'...'!A1:J10" for a 10x10 grid).
    shown_r = sheet.rows - 1 if r2 is None else r2
    shown_c = sheet.cols - 1 if c2 is None else c2
    rows = []
    for r in range(r1, last_r + 1):
        row = [render(sheet.cells.get((r, c)), option) for c in range(c1, last_c + 1)]
        while row and row[-1] == "":
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return sheet.a1(r1, c1, max(shown_r, r1), max(shown_c, c1)), rows


def get(book: Spreadsheet, a1: str, query: dict[str, list[str]]) -> dict[str, Any]:
    sheet, r1, c1, r2, c2 = book.parse_range(a1)
    option = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
    rng, rows = _values(sheet, r1, c1, r2, c2, option)
    major = query.get("majorDimension", ["ROWS"])[0]
    if major == "COLUMNS" and rows:
        width = max(len(r) for r in rows)
        padded = [r + [""] * (width - len(r)) for r in rows]
        rows = [list(col) for col in zip(*padded, strict=True)]
        for col in rows:  # Google trims trailing empty cells of each column
            while col and col[-1] == "":
                col.pop()
    out: dict[str, Any] = {"range": rng, "majorDimension": major}
    if rows:
        out["values"] = rows
    return out


def batch_get(book: Spreadsheet, query: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "spreadsheetId": book.key,
        "valueRanges": [get(book, a1, query) for a1 in query.get("ranges", [])],
    }


def _write(
    sheet: Sheet, r1: int, c1: int, rows: list[list[Any]], option: str, grow: bool
) -> tuple[int, int]:
    width = max((len(r) for r in rows), default=0)
    if not grow and (r1 + len(rows) > sheet.rows or c1 + width > sheet.cols):
        raise ApiError(
            400,
            f"Range ({sheet.a1(r1, c1, r1 + len(rows) - 1, c1 + width - 1)}) "
            f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}",
        )
    sheet.rows = max(sheet.rows, r1 + len(rows))
    sheet.cols = max(sheet.cols, c1 + width)
    for i, row in enumerate(rows):
        for j, raw in enumerate(row):
            if raw is None:
                continue
            cell = _cell_input(option, raw)
            if cell.value == "" and cell.formula is None:
                sheet.cells.pop((r1 + i, c1 + j), None)
            else:
                sheet.cells[(r1 + i, c1 + j)] = cell
    return width, len(rows)


def update(book: Spreadsheet, a1: str, option: str, body: dict[str, Any]) -> dict[str, Any]:
    sheet, r1, c1, _r2, _c2 = book.parse_range(a1)
    rows = body.get("values", [])
    width, height = _write(sheet, r1, c1, rows, option, grow=False)
    return {
        "spreadsheetId": book.key,
        "updatedRange": sheet.a1(r1, c1, r1 + height - 1, c1 + width - 1),
        "updatedRows": height,
        "updatedColumns": width,
        "updatedCells": sum(map(len, rows)),
    }


def values_batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    option = body.get("valueInputOption", "RAW")
    replies = [update(book, vr["range"], option, vr) for vr in body.get("data", [])]
    return {
        "spreadsheetId": book.key,
        "totalUpdatedCells": sum(r["updatedCells"] for r in replies),
        "responses": replies,
    }


def append(
    book: Spreadsheet, a1: str, query: dict[str, list[str]], body: dict[str, Any]
) -> dict[str, Any]:
    sheet, _r1, c1, _r2, _c2 = book.parse_range(a1)
    option = query.get("valueInputOption", [""])[0]
    if not option:
        raise ApiError(400, "'valueInputOption' is required but not specified")
    rows = body.get("values", [])
    start = sheet.last_row()  # the table: from the top down to its last row with a value
    table = sheet.a1(0, c1, max(start - 1, 0), max(c1, sheet.cols - 1)) if start else None
    width, height = _write(sheet, start, c1, rows, option, grow=True)
    out: dict[str, Any] = {
        "spreadsheetId": book.key,
        "updates": {
            "spreadsheetId": book.key,
            "updatedRange": sheet.a1(start, c1, start + height - 1, c1 + max(width, 1) - 1),
            "updatedRows": height,
            "updatedColumns": width,
            "updatedCells": sum(map(len, rows)),
        },
    }
    if table:
        out["tableRange"] = table
    return out


def _grid(book: Spreadsheet, rng: dict[str, Any]) -> tuple[Sheet, range, range]:
    sheet = book.by_id(rng.get("sheetId", 0))
    rows = range(rng.get("startRowIndex", 0), rng.get("endRowIndex", sheet.rows))
    cols = range(rng.get("startColumnIndex", 0), rng.get("endColumnIndex", sheet.cols))
    if rows.stop > sheet.rows or cols.stop > sheet.cols:  # Google: outside the grid is refused
        raise ApiError(
            400,
            f"Invalid requests: range ({sheet.title}) exceeds grid limits. Max rows: "
            f"{sheet.rows}, max columns: {sheet.cols}",
        )
    return sheet, rows, cols


def _frozen(sheet: Sheet, grid: dict[str, Any]) -> None:
    """Google refuses a frozen row or column count that leaves nothing to scroll."""
    rows = grid.get("frozenRowCount", sheet.frozen_rows)
    if rows and rows >= sheet.rows:
        raise ApiError(400, "Invalid requests: You can't freeze all visible rows on the sheet.")
    if grid.get("frozenColumnCount", 0) and grid["frozenColumnCount"] >= sheet.cols:
        raise ApiError(400, "Invalid requests: You can't freeze all visible columns on the sheet.")
    sheet.frozen_rows = rows


def batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """spreadsheets.batchUpdate: all requests apply, or none (Google's is atomic)."""
    trial = copy.deepcopy(book)
    replies = [_apply(trial, req) for req in body.get("requests", [])]
    book.__dict__.update(trial.__dict__)
    return {"spreadsheetId": book.key, "replies": replies}


def _apply(book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    ((kind, args),) = req.items()
    if kind == "addSheet":
        props = args.get("properties", {})
        grid = props.get("gridProperties", {})
        sheet = book.add_sheet(
            props["title"], grid.get("rowCount", 1000), grid.get("columnCount", 26)
        )
        _frozen(sheet, grid)
        sheet.hidden = bool(props.get("hidden", False))
        return {"addSheet": {"properties": sheet.properties()}}
    if kind == "updateSheetProperties":
        props = args["properties"]
        sheet = book.by_id(props.get("sheetId", 0))
        grid = props.get("gridProperties", {})
        if "columnCount" in grid:
            sheet.cols = grid["columnCount"]
        _frozen(sheet, grid)
        fields = args.get("fields", "")
        if "title" in fields.split(","):
            if any(o.title == props["title"] and o is not sheet for o in book.sheets):
                raise ApiError(400, f'A sheet with the name "{props["title"]}" already exists.')
            sheet.title = props["title"]
        if "hidden" in fields.split(","):
            sheet.hidden = bool(props.get("hidden", False))
        return {}
    if kind == "deleteSheet":
        sheet = book.by_id(args["sheetId"])
        if len(book.sheets) == 1:
            raise ApiError(400, "You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        return {}
    if kind == "setDataValidation":
        sheet, rows, cols = _grid(book, args["range"])
        for r in rows:
            for c in cols:
                if args.get("rule"):
                    sheet.validations[(r, c)] = args["rule"]
                else:
                    sheet.validations.pop((r, c), None)
        return {}
    if kind == "repeatCell":
        sheet, rows, cols = _grid(book, args["range"])
        fmt = args.get("cell", {}).get("userEnteredFormat", {})
        for r in rows:
            for c in cols:
                sheet.formats[(r, c)] = fmt
        return {}
    if kind == "updateDimensionProperties":
        rng = args["range"]
        sheet = book.by_id(rng.get("sheetId", 0))
        for c in range(rng["startIndex"], rng["endIndex"]):
            sheet.widths[c] = args["properties"]["pixelSize"]
        return {}
    if kind == "addProtectedRange":
        pr = dict(args["protectedRange"])
        sheet = book.by_id(pr["range"].get("sheetId", 0))
        pr["protectedRangeId"] = book.next_id
        book.next_id += 1
        sheet.protected.append(pr)
        return {"addProtectedRange": {"protectedRange": pr}}
    if kind == "deleteProtectedRange":
        for sheet in book.sheets:
            sheet.protected = [
                p for p in sheet.protected if p["protectedRangeId"] != args["protectedRangeId"]
            ]
        return {}
    if kind == "createDeveloperMetadata":
        meta = copy.deepcopy(args["developerMetadata"])
        rng = meta["location"]["dimensionRange"]
        if rng.get("dimension") != "ROWS" or rng["endIndex"] - rng["startIndex"] != 1:
            raise ApiError(400, "the fake models developer metadata on single rows only")
        sheet = book.by_id(rng.get("sheetId", 0))
        meta["metadataId"] = book.next_id
        meta["location"]["locationType"] = "ROW"
        book.next_id += 1
        sheet.row_metadata.setdefault(rng["startIndex"], []).append(meta)
        return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}
    if kind == "deleteDeveloperMetadata":
        lookup = args["dataFilter"]["developerMetadataLookup"]
        deleted = []
        for sheet in book.sheets:
            for row, entries in list(sheet.row_metadata.items()):
                keep = [m for m in entries if not _matches(m, lookup)]
                deleted += [m for m in entries if _matches(m, lookup)]
                if keep:
                    sheet.row_metadata[row] = keep
                else:
                    del sheet.row_metadata[row]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}
    raise ApiError(400, f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[0]'")


def _matches(meta: dict[str, Any], lookup: dict[str, Any]) -> bool:
    return all(
        meta.get(k) == v
        for k, v in lookup.items()
        if k in ("metadataKey", "metadataValue", "metadataId")
    )


def _rows_matching(book: Spreadsheet, data_filter: dict[str, Any]) -> list[tuple[Sheet, int]]:
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        raise ApiError(400, "the fake models developerMetadataLookup data filters only")
    return [
        (sheet, row)
        for sheet in book.sheets
        for row, entries in sheet.row_metadata.items()
        if any(_matches(m, lookup) for m in entries)
    ]


def metadata_search(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    found = []
    for data_filter in body.get("dataFilters", []):
        lookup = data_filter["developerMetadataLookup"]
        for sheet in book.sheets:
            for entries in sheet.row_metadata.values():
                found += [
                    {"developerMetadata": copy.deepcopy(m), "dataFilters": [data_filter]}
                    for m in entries
                    if _matches(m, lookup)
                ]
    return {"matchedDeveloperMetadata": found} if found else {}


def batch_get_by_filter(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    option = body.get("valueRenderOption", "FORMATTED_VALUE")
    out = []
    for data_filter in body.get("dataFilters", []):
        for sheet, row in _rows_matching(book, data_filter):
            rng, rows = _values(sheet, row, 0, row, sheet.cols - 1, option)
            value_range: dict[str, Any] = {"range": rng, "majorDimension": "ROWS"}
            if rows:
                value_range["values"] = rows
            out.append({"valueRange": value_range, "dataFilters": [data_filter]})
    return {"spreadsheetId": book.key, "valueRanges": out}


def batch_update_by_filter(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    option = body.get("valueInputOption", "")
    if not option:
        raise ApiError(400, "'valueInputOption' is required but not specified")
    responses, total = [], 0
    for entry in body.get("data", []):
        for sheet, row in _rows_matching(book, entry["dataFilter"]):
            values = entry.get("values", [])
            _write(sheet, row, 0, values, option, grow=False)  # null cells are skipped
            cells = sum(1 for r in values for v in r if v is not None)
            total += cells
            responses.append(
                {
                    "updatedRange": sheet.a1(row, 0, row, max(len(values[0]), 1) - 1),
                    "updatedCells": cells,
                    "dataFilter": entry["dataFilter"],
                }
            )
    return {"spreadsheetId": book.key, "totalUpdatedCells": total, "responses": responses}
