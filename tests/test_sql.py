"""SQL spelled per dialect (prens/store/sql.py), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prens.store.database import write_transaction
from prens.store.schema import rows_table
from prens.store.sql import json_text, upsert

pytestmark = pytest.mark.both_databases


def test_json_text_reads_the_key_each_statement_names(runtime) -> None:  # type: ignore[no-untyped-def]
    """Statements of the same shape with another key or index read their own: SQLAlchemy's
    compiled cache does not know the key (it read "A" for "b" while the construct was cached)."""
    with runtime.engine.begin() as conn:
        conn.execute(
            rows_table.insert(),
            [
                {"worksheet": "t", "row_no": 1, "cells": '{"a": "A", "b": "B"}'},
                {"worksheet": "t", "row_no": 2, "cells": '["x", "y"]'},
            ],
        )
    cells = rows_table.c.cells
    with runtime.engine.connect() as conn:
        for _ in range(2):  # the second time from whatever the first left cached
            read = [
                conn.execute(
                    select(json_text(cells, key)).where(rows_table.c.row_no == row)
                ).scalar()
                for row, key in ((1, "a"), (1, "b"), (1, "c"), (2, 0), (2, 1), (2, 5))
            ]
            assert read == ["A", "B", None, "x", "y", None]


def test_upsert_inserts_then_updates_or_leaves(runtime) -> None:  # type: ignore[no-untyped-def]
    row = {"worksheet": "u", "row_no": 1, "cells": "[1]"}
    with runtime.engine.begin() as conn:
        conn.execute(upsert(conn, rows_table, ["worksheet", "row_no"], ["cells"]), [row])
        conn.execute(
            upsert(conn, rows_table, ["worksheet", "row_no"], ["cells"]), [{**row, "cells": "[2]"}]
        )
        conn.execute(upsert(conn, rows_table, ["worksheet", "row_no"]), [{**row, "cells": "[3]"}])
    with runtime.engine.connect() as conn:
        assert conn.execute(
            select(rows_table.c.cells).where(rows_table.c.worksheet == "u")
        ).all() == [("[2]",)]


def _commit_level(conn) -> str:  # type: ignore[no-untyped-def]
    if conn.dialect.name == "sqlite":
        return {1: "off", 2: "on"}[conn.exec_driver_sql("PRAGMA synchronous").scalar()]
    return str(conn.exec_driver_sql("SHOW synchronous_commit").scalar())


def test_only_a_write_marked_not_durable_commits_without_waiting_for_the_disk(runtime) -> None:  # type: ignore[no-untyped-def]
    """SQLite's NORMAL (a WAL commit not synced) or PostgreSQL's synchronous_commit off for that
    transaction only: every connection of the pool is back to waiting for the disk after it."""
    seen = []
    for _ in range(12):  # more than the pool's connections, alternating
        with write_transaction(runtime.engine, durable=False) as conn:
            seen.append(_commit_level(conn))
        with write_transaction(runtime.engine) as conn:
            seen.append(_commit_level(conn))
    assert seen == ["off", "on"] * 12
