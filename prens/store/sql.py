"""SQL the two databases spell differently, as SQLAlchemy constructs compiled per dialect."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class json_text(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """The text at `key` of a JSON object, or at index `key` of a JSON array, kept in a text
    column (NULL when absent)."""

    type = String()
    # Not cached: the key is not part of SQLAlchemy's cache key, so a cached statement would
    # read the key of the first statement of the same shape (another column's value).
    inherit_cache = False
    name = "json_text"

    def __init__(self, column: ColumnElement[Any], key: str | int):
        self.path = key
        super().__init__(column)


@compiles(json_text, "sqlite")
def _sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    if isinstance(element.path, int):
        return f"json_extract({column}, '$[{element.path:d}]')"
    return f"json_extract({column}, '$.{element.path}')"


@compiles(json_text, "postgresql")
def _postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    if isinstance(element.path, int):
        return f"(CAST({column} AS json) ->> {element.path:d})"
    return f"(CAST({column} AS json) ->> '{element.path}')"


def upsert(
    conn: Connection,
    table: Table,
    keys: list[str],
    update: list[str] | None = None,
    returning: tuple[str, ...] = (),
) -> Any:
    """INSERT into `table` that, on a row whose `keys` exist already, updates its `update`
    columns to the new values, or (`update` None) leaves it as it is: one statement, in the
    dialect's own spelling (`ON CONFLICT`, SQLite and PostgreSQL alike). `returning`: columns
    of the rows inserted or updated (a row left as it was is not returned)."""
    return _upsert(
        conn.dialect.name, table, tuple(keys), None if update is None else tuple(update), returning
    )


@functools.cache
def _upsert(
    dialect: str,
    table: Table,
    keys: tuple[str, ...],
    update: tuple[str, ...] | None,
    returning: tuple[str, ...],
) -> Any:
    # Built once per statement: a new construct costs SQLAlchemy half a millisecond to build
    # and to key in its compiled cache, on every chunk of a sync.
    statement = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    if update is None:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    else:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: statement.excluded[c] for c in update}
        )
    return statement.returning(*(table.c[c] for c in returning)) if returning else statement
