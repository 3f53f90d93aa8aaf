"""Schema creation and upgrades through Alembic (`prens db upgrade`), for SQLite and PostgreSQL.

A new, empty database gets the current tables at once and is stamped at the newest revision.
An existing database is upgraded through the migrations in prens/store/migrations/versions. A ledger
made before migrations existed (no `alembic_version` table) is first stamped at the revision its
tables match, then upgraded.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from prens.store.database import write_transaction
from prens.store.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the tables of the first release, before migrations
FINGERPRINTS = "0002"  # reconcile: response fingerprints, cursors; rate-limit counters
HEAD = "0009"  # the newest revision (a test checks it is the migrations' head)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


@lru_cache(maxsize=1)
def target_metadata() -> MetaData:
    """Every table of a deployment's database (prens.store.schema)."""
    return metadata


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    return str(_script().get_current_head())


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: not stamped, or no tables yet)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return None


def upgrade(engine: Engine) -> str:
    """Bring the database to the newest schema; return the revision it is at."""
    if current(engine) == HEAD:
        return HEAD  # the usual case, without loading Alembic (a command starts faster)
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines, even on import
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with write_transaction(engine) as conn:
        context = MigrationContext.configure(conn)
        at = context.get_current_revision()
        if at is None:
            tables = set(inspect(conn).get_table_names())
            if "registrations" not in tables:
                target_metadata().create_all(conn)
                context.stamp(_script(), "head")
                return head()
            # Made before migrations: stamp what its tables are, then upgrade below.
            made = FINGERPRINTS if "response_fingerprints" in tables else BASELINE
            context.stamp(_script(), made)
            at = context.get_current_revision()
        if at == head():
            return at
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head()


def copy_database(source: Engine, target: Engine, progress=None) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Copy every table of `source` into `target` (brought to the newest schema first, and
    which must hold no registrations); return table -> (rows in source, rows in target)."""
    from sqlalchemy import func, select

    upgrade(source)
    upgrade(target)
    metadata = target_metadata()
    with target.connect() as conn:
        if conn.execute(
            select(func.count()).select_from(metadata.tables["registrations"])
        ).scalar():
            raise ValueError(
                "the target database already holds registrations: copy into an empty one"
            )
    counts: dict[str, tuple[int, int]] = {}
    for table in metadata.sorted_tables:
        with source.connect() as src:
            total = src.execute(select(func.count()).select_from(table)).scalar_one()
            rows = src.execute(select(table)).mappings()
            with write_transaction(target) as dst:
                dst.execute(table.delete())  # tables a fresh schema may pre-fill (none today)
                batch = []
                for row in rows:
                    batch.append(dict(row))
                    if len(batch) == 2000:
                        dst.execute(table.insert(), batch)
                        batch.clear()
                        if progress:
                            progress(table.name, 2000)
                if batch:
                    dst.execute(table.insert(), batch)
                    if progress:
                        progress(table.name, len(batch))
                if target.dialect.name == "postgresql":
                    _reset_sequences(dst, table)
        with target.connect() as dst:
            counts[table.name] = (
                total,
                dst.execute(select(func.count()).select_from(table)).scalar_one(),
            )
    return counts


def _reset_sequences(conn, table) -> None:  # type: ignore[no-untyped-def]
    """After rows came with their ids, PostgreSQL's sequences must start past them (a table
    without a serial column has no sequence, and setval on NULL does nothing)."""
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and columns[0].type.python_type is int:
        name = columns[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
                f"COALESCE((SELECT MAX({name}) FROM {table.name}), 0) + 1, false)"
            )
        )
