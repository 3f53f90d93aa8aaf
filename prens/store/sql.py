"""SQL the two databases spell differently, as SQLAlchemy constructs compiled per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class json_text(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """The text at `key` of a JSON object kept in a text column (NULL when absent)."""

    type = String()
    inherit_cache = True
    name = "json_text"

    def __init__(self, column: ColumnElement[Any], key: str):
        self.key = key
        super().__init__(column)


@compiles(json_text, "sqlite")
def _sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"json_extract({column}, '$.{element.key}')"


@compiles(json_text, "postgresql")
def _postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"(CAST({column} AS json) ->> '{element.key}')"
