"""The databases the tests run on: SQLite files by default; PostgreSQL schemas, one per test,
when PRENS_TEST_POSTGRESQL_URL names a server.

- PRENS_TEST_POSTGRESQL_URL=postgresql+psycopg://user:pass@host/db: the server for the tests
  that run on both databases (the ledger and job modules), and for the whole suite when
- PRENS_TEST_DATABASE=postgresql: every configuration the tests write uses PostgreSQL.

In CI (CI set), the PostgreSQL tests must run: no server is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

POSTGRESQL_URL = os.environ.get("PRENS_TEST_POSTGRESQL_URL", "")
ON_POSTGRESQL = os.environ.get("PRENS_TEST_DATABASE", "") == "postgresql"
_created: list[str] = []


@lru_cache(maxsize=1)
def admin() -> Engine:
    return create_engine(POSTGRESQL_URL, pool_size=1)


def postgresql_available() -> bool:
    if not POSTGRESQL_URL:
        return False
    try:
        with admin().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not available", said below
        return False
    return True


def require_postgresql() -> None:
    """Skip (developer machine) or fail (CI) when no PostgreSQL server is there."""
    if postgresql_available():
        return
    reason = (
        "no PostgreSQL server: set PRENS_TEST_POSTGRESQL_URL (see .ci/run)"
        if not POSTGRESQL_URL
        else "PostgreSQL at PRENS_TEST_POSTGRESQL_URL does not answer"
    )
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def new_postgresql_url() -> str:
    """A fresh, empty schema on the test server, as a URL whose connections use it."""
    require_postgresql()
    schema = "t_" + secrets.token_hex(6)
    with admin().begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    _created.append(schema)
    options = quote(f"-csearch_path={schema}")
    return f"{POSTGRESQL_URL}{'&' if '?' in POSTGRESQL_URL else '?'}options={options}"


def drop_created() -> None:
    if not _created:
        return
    for schema in _created:  # one transaction each: all at once runs out of lock slots
        with admin().begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    _created.clear()


def refuse_inserts(engine: Engine, table: str) -> None:
    """The database refuses every INSERT into `table` from now on, as a full disk or a damaged
    file would: the statement, its parameters bound, fails inside the database (a trigger) with
    an OperationalError on SQLite (RAISE() would be a constraint's IntegrityError) and an
    error raised by PL/pgSQL on PostgreSQL. `allow_inserts` undoes it."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                "BEGIN INSERT INTO disk_is_full VALUES (1); END"
            )
            return
        conn.exec_driver_sql(
            f"CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ "
            "LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
        )


def allow_inserts(engine: Engine, table: str) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER refuse_{table}")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER refuse_{table} ON {table}")
