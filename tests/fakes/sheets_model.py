"""The spreadsheet model behind the Sheets API fake: grids of cells, A1 ranges, input and
render options as Google applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_A1 = re.compile(r"^(?:(?P<sheet>'(?:[^']|'')+'|[^!]+)!)?(?P<rest>.*)$")
_CELL = re.compile(r"^([A-Z]*)(\d*)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class ApiError(Exception):
    """An error Google would answer with (status, message, reason)."""

    def __init__(self, status: int, message: str, reason: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Cell:
    value: Any  # str, float or bool: the effective value
    formula: str | None = None


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    validations: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    formats: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)
    protected: list[dict[str, Any]] = field(default_factory=list)
    row_metadata: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # moves with rows
    hidden: bool = False

    def last_row(self) -> int:
        """Index (0-based) past the last row that holds a value."""
        return max((r for (r, _c), cell in self.cells.items() if cell.value != ""), default=-1) + 1

    def properties(self) -> dict[str, Any]:
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            **({"hidden": True} if self.hidden else {}),
            "gridProperties": {
                "rowCount": self.rows,
                "columnCount": self.cols,
                **({"frozenRowCount": self.frozen_rows} if self.frozen_rows else {}),
            },
        }

    def a1(self, r1: int, c1: int, r2: int, c2: int) -> str:
        title = (
            "'" + self.title.replace("'", "''") + "'"
            if re.search(r"\W", self.title)
            else self.title
        )
        return f"{title}!{col_letters(c1)}{r1 + 1}:{col_letters(c2)}{r2 + 1}"


@dataclass
class Spreadsheet:
    key: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1
    time_zone: str = "Asia/Makassar"

    def sheet(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise ApiError(400, f"Unable to parse range: {title}")

    def by_id(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise ApiError(400, f"No grid with id: {sheet_id}")

    def add_sheet(self, title: str, rows: int = 1000, cols: int = 26) -> Sheet:
        if any(s.title == title for s in self.sheets):
            raise ApiError(
                400,
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" '
                "already exists. Please enter another name.",
            )
        sheet = Sheet(self.next_id if self.sheets else 0, title, len(self.sheets), rows, cols)
        self.next_id += 1
        self.sheets.append(sheet)
        return sheet

    def parse_range(self, text: str) -> tuple[Sheet, int, int, int | None, int | None]:
        """(sheet, first row, first col, last row or None, last col or None), 0-based."""
        m = _A1.match(text)
        assert m
        name = m["sheet"]
        if name is None:
            rest = m["rest"]
            if rest and not re.fullmatch(r"[A-Z]*\d*(:[A-Z]*\d*)?", rest):  # a bare sheet name
                name_only = rest[1:-1].replace("''", "'") if rest.startswith("'") else rest
                return self.sheet(name_only), 0, 0, None, None
            sheet = self.sheets[0]
        else:
            sheet = self.sheet(name[1:-1].replace("''", "'") if name.startswith("'") else name)
        rest = m["rest"]
        if not rest:
            return sheet, 0, 0, None, None
        start, _, end = rest.partition(":")
        sm, em = _CELL.match(start), _CELL.match(end or start)
        if not sm or not em:
            raise ApiError(400, f"Unable to parse range: {text}")
        r1 = int(sm[2]) - 1 if sm[2] else 0
        c1 = col_index(sm[1]) if sm[1] else 0
        r2 = (int(em[2]) - 1 if em[2] else None) if end else r1 if sm[2] else None
        c2 = (col_index(em[1]) if em[1] else None) if end else c1 if sm[1] else None
        return sheet, r1, c1, r2, c2


def user_entered(raw: Any) -> Cell:
    """What Sheets stores for a value typed by a user (USER_ENTERED)."""
    if isinstance(raw, bool):
        return Cell(raw)
    if isinstance(raw, int | float):
        return Cell(float(f"{float(raw):.15g}"))
    text = str(raw)
    if text.startswith("=") and len(text) > 1:
        return Cell(_evaluate(text), formula=text)
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE")
    if _NUMBER.match(text.replace(",", "")):
        return Cell(float(f"{float(text.replace(',', '')):.15g}"))  # 15 significant digits
    if text.startswith("'"):
        return Cell(text[1:])
    return Cell(text)


def raw_input(raw: Any) -> Cell:
    """What Sheets stores for RAW input: the value as it is, strings never parsed."""
    if isinstance(raw, bool):
        return Cell(raw)
    if isinstance(raw, int | float):
        return Cell(float(raw))
    return Cell(str(raw))


def _evaluate(formula: str) -> Any:
    m = re.fullmatch(r"=\s*(-?\d+(?:\.\d+)?)\s*([+\-*])\s*(-?\d+(?:\.\d+)?)\s*", formula)
    if not m:
        return "#ERROR!"
    a, op, b = float(m[1]), m[2], float(m[3])
    return a + b if op == "+" else a - b if op == "-" else a * b


def render(cell: Cell | None, option: str) -> Any:
    """A cell as values.get answers it for valueRenderOption `option`."""
    if cell is None:
        return ""
    if option == "FORMULA" and cell.formula:
        return cell.formula
    value = cell.value
    if option in ("UNFORMATTED_VALUE", "FORMULA"):
        return (
            int(value)
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15
            else value
        )
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return (
            f"{value:.5E}".replace("E+", "E+").replace(".00000E", "E")
            if abs(value) >= 1e15
            else f"{value:g}"
        )
    return value
