"""Core statements compiled once per dialect and run straight on the driver's cursor.

The intake runs two or three statements per submission inside the write lock, which every web
process queues on. SQLAlchemy's per-execution bookkeeping (an execution context, events, a result
object) costs several times what SQLite takes to run such a statement. A `Prepared` statement
keeps what matters of SQLAlchemy: the SQL is built by Core and compiled by the engine's own
dialect (its paramstyle, its quoting), every value goes through its column type's bind processor
(SQLite's datetimes become the text SQLAlchemy reads back), and the driver's errors come out as
SQLAlchemy's (an IntegrityError stays an IntegrityError). Results are plain tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: SQLCompiler
    order: tuple[str, ...] | None  # bind names in order, for a positional paramstyle
    processors: dict[str, Any]  # bind name -> its type's bind processor


class Prepared:
    """`statement`, compiled on first use for each dialect it meets."""

    def __init__(self, statement: ClauseElement, column_keys: list[str] | None = None):
        self.statement, self.column_keys = statement, column_keys
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        done = self._by_dialect.get(dialect.name)
        if done is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            assert isinstance(compiled, SQLCompiler)
            processors: dict[str, Any] = {}
            for bind, name in compiled.bind_names.items():
                processor = bind.type.bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
            done = _Compiled(compiled.string, compiled, order, processors)
            self._by_dialect[dialect.name] = done
        return done

    def _params(self, c: _Compiled, values: Mapping[str, Any]) -> Any:
        params = c.compiled.construct_params(dict(values))  # fills literal binds (LIMIT 1)
        for name, processor in c.processors.items():
            params[name] = processor(params[name])
        return tuple(params[name] for name in c.order) if c.order is not None else params

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement in `conn`'s transaction; its first row (None if it has none)."""
        c = self._compile(conn.dialect)
        params = self._params(c, values)
        raw = conn.connection.dbapi_connection
        assert raw is not None  # a live connection inside a transaction
        cursor = raw.cursor()
        try:
            cursor.execute(c.sql, params)
            row = cursor.fetchone() if cursor.description is not None else None
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                c.sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
            ) from exc
        finally:
            cursor.close()
        return tuple(row) if row is not None else None

    def run(self, conn: Connection, values: Mapping[str, Any]) -> None:
        """Run a statement that gives no rows (an INSERT without RETURNING)."""
        self.first(conn, values)

    def one(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """Like `first`, for a statement that always gives a row (an INSERT ... RETURNING, a
        SELECT of scalar subqueries)."""
        row = self.first(conn, values)
        if row is None:
            raise LookupError(f"no row from {self._compile(conn.dialect).sql!r}")
        return row
