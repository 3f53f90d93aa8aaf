"""The embedded default: worksheets stored in the ledger's own database (no Google account)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    func,
    insert,
    or_,
    select,
)

from prens.store.database import WRITE_CHUNK_ROWS, write_transaction
from prens.store.schema import layouts, metadata, rows_table, worksheets
from prens.store.sql import json_text
from sheets_bridge.base import CellNotFound, LayoutError, SheetBackend, WorksheetNotFound
from sheets_bridge.setup import WorksheetLayout


def _text(value: object) -> str:
    """A cell as the local sheet stores it: a checkbox's bool as TRUE/FALSE, as Sheets shows it;
    no NUL (PostgreSQL cannot read one back out of the row's JSON)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).replace("\x00", "")


READ_SLICE_ROWS = 5000

# A chunk's rows read, and each set, built once: every chunk of a write runs them (see
# prens/store/verification).
_SET_ROW = (
    rows_table.update()
    .where(rows_table.c.worksheet == bindparam("ws"), rows_table.c.row_no == bindparam("no"))
    .values(cells=bindparam("text"))
)
_ROWS_AT = select(rows_table.c.row_no, rows_table.c.cells).where(
    rows_table.c.worksheet == bindparam("ws"),
    rows_table.c.row_no.in_(bindparam("nos", expanding=True)),
)


class LocalSheets(SheetBackend):
    """A spreadsheet in SQL; each call is one transaction, as each Google request is one request."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine, tables=[worksheets, layouts, rows_table])

    def worksheet_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(
                conn.execute(select(worksheets.c.name).order_by(worksheets.c.position)).scalars()
            )

    def ensure_worksheet(self, name: str, headers: list[str]) -> None:
        with write_transaction(self.engine) as conn:
            exists = conn.execute(
                select(worksheets.c.name).where(worksheets.c.name == name)
            ).first()
            if not exists:
                position = conn.execute(select(func.count()).select_from(worksheets)).scalar_one()
                conn.execute(insert(worksheets).values(name=name, position=position))
            header = conn.execute(
                select(rows_table.c.cells).where(
                    rows_table.c.worksheet == name, rows_table.c.row_no == 1
                )
            ).scalar_one_or_none()
            if header is None:
                conn.execute(
                    insert(rows_table).values(worksheet=name, row_no=1, cells=json.dumps(headers))
                )
                return
            current = json.loads(header)
            if current and headers[: len(current)] == current and len(current) < len(headers):
                # Repair: columns a newer version adds at the end get their headers.
                conn.execute(
                    rows_table.update()
                    .where(rows_table.c.worksheet == name, rows_table.c.row_no == 1)
                    .values(cells=json.dumps(headers))
                )
                return
            if current[: len(headers)] != headers:
                raise LayoutError(
                    f"worksheet {name!r} has headers {current!r}; "
                    f"the configuration expects {headers!r}"
                )

    def apply_layout(self, layout: WorksheetLayout) -> None:
        """Create the worksheet and record its layout, as the Google backend would format it."""
        self.ensure_worksheet(layout.name, layout.headers)
        recorded = json.dumps(layout.as_dict(), ensure_ascii=False, sort_keys=True)
        with write_transaction(self.engine) as conn:
            current = conn.execute(
                select(layouts.c.layout).where(layouts.c.worksheet == layout.name)
            ).scalar_one_or_none()
            if current is None:
                conn.execute(insert(layouts).values(worksheet=layout.name, layout=recorded))
            elif current != recorded:
                conn.execute(
                    layouts.update()
                    .where(layouts.c.worksheet == layout.name)
                    .values(layout=recorded)
                )

    def layout_of(self, name: str) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(layouts.c.layout).where(layouts.c.worksheet == name)
            ).scalar_one_or_none()
        return json.loads(found) if found else None

    @staticmethod
    def _require(conn: Connection, name: str) -> None:
        """WorksheetNotFound unless the worksheet exists."""
        if not conn.execute(select(worksheets.c.name).where(worksheets.c.name == name)).first():
            raise WorksheetNotFound(name)

    def _rows(self, conn, name: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
        self._require(conn, name)
        cells = conn.execute(
            select(rows_table.c.cells)
            .where(rows_table.c.worksheet == name)
            .order_by(rows_table.c.row_no)
        ).scalars()
        return [json.loads(c) for c in cells]

    def get_all_values(self, name: str) -> list[list[str]]:
        with self.engine.connect() as conn:
            rows = self._rows(conn, name)
        width = max((len(r) for r in rows), default=0)
        return [r + [""] * (width - len(r)) for r in rows]

    def column_values(self, name: str, header: str) -> list[str]:
        rows = self.get_all_values(name)
        if not rows or header not in rows[0]:
            raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {header!r}")
        index = rows[0].index(header)
        return [r[index] for r in rows[1:]]

    def read_columns(self, name: str, headers: list[str]) -> dict[str, list[Any]]:
        # Only these cells of each row are read (in SQL), not every row decoded: a sync reads a
        # few columns of a sheet of 20,000 rows.
        with self.engine.connect() as conn:
            head = self._header(conn, name)
            missing = [h for h in headers if h not in head]
            if missing:
                raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {missing[0]!r}")
            found = conn.execute(
                select(*(json_text(rows_table.c.cells, head.index(h)) for h in headers))
                .where(rows_table.c.worksheet == name, rows_table.c.row_no > 1)
                .order_by(rows_table.c.row_no)
            ).all()
        return {h: ["" if r[i] is None else r[i] for r in found] for i, h in enumerate(headers)}

    @staticmethod
    def _header(conn: Connection, name: str) -> list[str]:
        """The worksheet's first row (empty if it has none)."""
        LocalSheets._require(conn, name)
        header = conn.execute(
            select(rows_table.c.cells).where(
                rows_table.c.worksheet == name, rows_table.c.row_no == 1
            )
        ).scalar()
        return json.loads(header) if header is not None else []

    def read_rows(self, name: str, first_row: int) -> tuple[list[str], list[list[Any]]]:
        with self.engine.connect() as conn:
            self._require(conn, name)
            found = conn.execute(
                select(rows_table.c.row_no, rows_table.c.cells)
                .where(
                    rows_table.c.worksheet == name,
                    or_(rows_table.c.row_no == 1, rows_table.c.row_no >= first_row),
                )
                .order_by(rows_table.c.row_no)
            ).all()
        header = json.loads(found[0].cells) if found and found[0].row_no == 1 else []
        return header, [json.loads(r.cells) for r in found if r.row_no >= max(first_row, 2)]

    def update_rows_by_key(
        self,
        name: str,
        key_header: str,
        rows: dict[str, dict[str, str | bool]],
        all_or_nothing: bool = False,
        derived: bool = False,
    ) -> None:
        self._write_rows(name, key_header, rows, all_or_nothing, derived)

    def _write_rows(
        self,
        name: str,
        key_header: str,
        rows: dict[str, dict[str, str | bool]],
        all_or_nothing: bool = False,
        derived: bool = False,
    ) -> set[str]:
        """Set the cells; return the keys whose rows were found. The rows are found outside the
        write lock, then written in transactions of WRITE_CHUNK_ROWS rows, each row read again
        inside its transaction (a row changed meanwhile keeps the change)."""
        if not rows:
            return set()
        with self.engine.connect() as conn:
            head = self._header(conn, name)
            wanted = {key_header, *(h for cells in rows.values() for h in cells)}
            missing = [h for h in wanted if h not in head]
            if missing:
                raise CellNotFound(f"lembar kerja {name!r} tidak punya kolom {missing[0]!r}")
            # Only the key of each row is read (not every row decoded): a sheet of 20,000 rows.
            keys = conn.execute(
                select(rows_table.c.row_no, json_text(rows_table.c.cells, head.index(key_header)))
                .where(rows_table.c.worksheet == name, rows_table.c.row_no > 1)
                .order_by(rows_table.c.row_no)
            ).all()
        k = head.index(key_header)
        places = [row_no for row_no, key in keys if key in rows]
        written: set[str] = set()
        size = max(1, len(places)) if all_or_nothing else WRITE_CHUNK_ROWS
        for start in range(0, len(places), size):
            chunk = places[start : start + size]
            with write_transaction(self.engine, durable=not derived) as conn:
                # A whole import in one transaction is read in slices: a statement has at most
                # 65,535 parameters on PostgreSQL.
                for at in range(0, len(chunk), READ_SLICE_ROWS):
                    batch = chunk[at : at + READ_SLICE_ROWS]
                    written |= self._write_chunk(conn, name, head, k, rows, batch)
        return written

    @staticmethod
    def _write_chunk(
        conn: Connection,
        name: str,
        head: list[str],
        k: int,
        rows: dict[str, dict[str, str | bool]],
        row_nos: list[int],
    ) -> set[str]:
        current = conn.execute(_ROWS_AT, {"ws": name, "nos": row_nos}).all()
        changes, written = [], set()
        for row_no, cells_json in current:
            cells = json.loads(cells_json)
            key = cells[k] if k < len(cells) else ""
            if key not in rows:
                continue  # the row changed since it was found
            cells += [""] * (len(head) - len(cells))
            for header, value in rows[key].items():
                cells[head.index(header)] = _text(value)
            written.add(key)
            changes.append(
                {"ws": name, "no": row_no, "text": json.dumps(cells, ensure_ascii=False)}
            )
        if changes:
            conn.execute(_SET_ROW, changes)
        return written

    def replace_all(self, name: str, rows: list[list[str]], text_columns: list[int]) -> None:
        """One transaction: readers see the old list or the new one."""
        with write_transaction(self.engine) as conn:
            if not conn.execute(select(worksheets.c.name).where(worksheets.c.name == name)).first():
                position = conn.execute(select(func.count()).select_from(worksheets)).scalar_one()
                conn.execute(insert(worksheets).values(name=name, position=position))
            conn.execute(rows_table.delete().where(rows_table.c.worksheet == name))
            if rows:
                conn.execute(
                    insert(rows_table),
                    [
                        {
                            "worksheet": name,
                            "row_no": i,
                            "cells": json.dumps([_text(c) for c in cells], ensure_ascii=False),
                        }
                        for i, cells in enumerate(rows, start=1)
                    ],
                )

    def append_rows(self, name: str, rows: list[list[str | bool]]) -> None:
        if not rows:
            return
        # Encoded before the write lock, which the intake of every web process waits for; and
        # written in short transactions, so that an intake never waits behind a long append. A
        # crash between two of them leaves the first rows appended: the flush and the reconcile
        # job read what is there before they append, as after Google's outcome-unknown append.
        encoded = [json.dumps([_text(c) for c in cells], ensure_ascii=False) for cells in rows]
        for start in range(0, len(encoded), WRITE_CHUNK_ROWS):
            with write_transaction(self.engine) as conn:
                self._require(conn, name)
                last = (
                    conn.execute(
                        select(func.max(rows_table.c.row_no)).where(rows_table.c.worksheet == name)
                    ).scalar_one()
                    or 0
                )
                conn.execute(
                    insert(rows_table),
                    [
                        {"worksheet": name, "row_no": last + i, "cells": text}
                        for i, text in enumerate(encoded[start : start + WRITE_CHUNK_ROWS], start=1)
                    ],
                )

    def update_by_key(
        self, name: str, key_header: str, key: str, header: str, value: str | bool
    ) -> None:
        if key not in self._write_rows(name, key_header, {key: {header: value}}):
            raise CellNotFound(
                f"lembar kerja {name!r} tidak punya baris dengan {key_header} = {key!r}"
            )
