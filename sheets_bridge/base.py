"""The interface every sheet backend implements (local embedded; Google via gspread).

Cells are strings, written as they are (never parsed as formulas or numbers). Row 1 holds the
headers. Rows move when verifiers sort, so rows are found by the value of a key column, never by a
row number remembered from an earlier read.

SheetError
 ├── WorksheetNotFound   no worksheet of that name
 ├── LayoutError         the header row is not what the layout expects
 ├── CellNotFound        no row with that key, or no column with that header
 ├── CellValueError      a value that column cannot hold
 ├── AppendOutcomeUnknown an append may or may not have landed: read the keys before retrying
 └── SheetsUnavailable   the spreadsheet service kept failing after every retry
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sheets_bridge.setup import WorksheetLayout


class SheetError(Exception):
    """Base of the sheet backends' errors."""


class WorksheetNotFound(SheetError, KeyError):
    def __str__(self) -> str:
        return f"no worksheet named {self.args[0]!r}"


class LayoutError(SheetError, ValueError):
    """The worksheet's header row does not match the configured layout."""


class CellNotFound(SheetError, LookupError):
    """No row holds that key, or no column has that header."""


class CellValueError(SheetError, ValueError):
    """A value the column cannot hold (a checkbox given "mungkin")."""


class AppendOutcomeUnknown(SheetError):
    """An append may or may not have been applied; read the key column before trying again."""


class SheetsUnavailable(SheetError):
    """The spreadsheet service kept failing after every retry."""


class SheetBackend(ABC):
    """A spreadsheet: named worksheets of string cells."""

    @abstractmethod
    def worksheet_names(self) -> list[str]:
        """The worksheets, in order."""

    @abstractmethod
    def ensure_worksheet(self, name: str, headers: list[str]) -> None:
        """Create the worksheet with these headers, or check an existing one has them first."""

    @abstractmethod
    def get_all_values(self, name: str) -> list[list[str]]:
        """Every row including the header row, each padded to the header's width."""

    @abstractmethod
    def column_values(self, name: str, header: str) -> list[str]:
        """The cells under `header`, data rows only, in sheet order."""

    @abstractmethod
    def read_columns(self, name: str, headers: list[str]) -> dict[str, list[Any]]:
        """Several columns' data cells in one read, checkboxes as booleans (Google) or as
        written (local); each list as long as the longest."""

    @abstractmethod
    def read_rows(self, name: str, first_row: int) -> tuple[list[str], list[list[Any]]]:
        """The header row, and the rows from sheet row `first_row` (2 is the first data row)
        to the last, in one read. Cells as stored: text as text; on Google, numbers as numbers
        and dates and times as serial numbers (days since 1899-12-30, in `time_zone()`)."""

    def time_zone(self) -> str | None:
        """The spreadsheet's time zone (serial date-times are in it), if it has its own."""
        return None

    @abstractmethod
    def update_rows_by_key(
        self,
        name: str,
        key_header: str,
        rows: dict[str, dict[str, str | bool]],
        all_or_nothing: bool = False,
        derived: bool = False,
    ) -> None:
        """Set, in one write, cells of the rows holding these keys, wherever they have moved;
        other cells are left as they are. `all_or_nothing`: every row in one transaction (the
        local sheet writes a job's rows in short ones; Google's one request is whole already).
        `derived`: cells the next sync writes again if they are lost (Status and the like), which
        the local sheet writes without waiting for the disk (prens/store/database)."""

    @abstractmethod
    def replace_all(self, name: str, rows: list[list[str]], text_columns: list[int]) -> None:
        """Replace the worksheet's whole content (header row first), so a reader sees the old
        content or the new, never a mix; the worksheet is created if missing and protected."""

    @abstractmethod
    def append_rows(self, name: str, rows: list[list[str | bool]]) -> None:
        """Append rows after the last row, in one request; a bool is a checkbox's state."""

    @abstractmethod
    def apply_layout(self, layout: WorksheetLayout) -> None:
        """Create or repair a worksheet to `layout` (headers, frozen row, checkboxes, text
        columns, protected system columns, widths); running it again changes nothing."""

    @abstractmethod
    def update_by_key(
        self, name: str, key_header: str, key: str, header: str, value: str | bool
    ) -> None:
        """Set the cell under `header` in the row whose `key_header` cell is `key`, wherever
        the row has moved; a bool is a checkbox's state."""
