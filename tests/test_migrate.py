"""Schema through Alembic: a fresh database, the migrations from empty, a ledger from before
migrations, and copying a whole deployment into another database (PostgreSQL when available)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Connection, Index, MetaData, Table, func, inspect, select, text

from prens.cli import main
from prens.store.database import make_engine
from prens.store.migrate import HEAD, alembic_config, current, head, target_metadata, upgrade
from tests.conftest import post
from tests.test_webhook import body


def test_head_is_the_newest_migration() -> None:
    assert head() == HEAD


def migrate(conn: Connection, revision: str) -> None:
    """Run the migrations in `conn`'s transaction up to `revision`."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def test_the_migrations_build_exactly_the_tables_a_fresh_database_gets(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    with engine.begin() as conn:
        migrate(conn, "head")
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), target_metadata())
    assert diffs == []
    assert current(engine) == HEAD


# Tables the first release did not have (made by migrations 0002 onwards).
LATER_TABLES = (
    "reconcile_cursors",
    "rate_limits",
    "job_runs",
    "officer_sessions",
    "bpjs_uploads",
    "offices",
    "office_receipts",
)


def test_a_ledger_from_before_migrations_is_stamped_and_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    baseline = MetaData()
    for table in target_metadata().tables.values():
        if table.name == "registrations":  # without the columns of 0004 and 0007
            Table(
                table.name,
                baseline,
                *[
                    c._copy()
                    for c in table.columns
                    if not c.name.startswith("fp_") and c.name != "desa_code"
                ],
            )
        elif table.name not in LATER_TABLES:
            table.to_metadata(baseline)
    # The first release also indexed the outbox by registration alone (dropped by 0008).
    Index("ix_notifications_registration_id", baseline.tables["notifications"].c.registration_id)
    baseline.create_all(engine)  # what the first release made, with create_all
    registrations = baseline.tables["job_leases"]
    with engine.begin() as conn:
        conn.execute(
            registrations.insert().values(name="x", holder="h", expires_at=func.current_timestamp())
        )
    assert current(engine) is None
    assert upgrade(engine) == HEAD
    tables = set(inspect(engine).get_table_names())
    assert set(LATER_TABLES) <= tables
    assert "response_fingerprints" not in tables  # moved into registrations (0004)
    outbox_indexes = {i["name"] for i in inspect(engine).get_indexes("notifications")}
    assert "ix_notifications_registration_id" not in outbox_indexes  # 0008
    with engine.connect() as conn:  # data kept
        assert conn.execute(select(func.count()).select_from(registrations)).scalar() == 1


def test_db_upgrade_and_copy_commands(config_path: Path, runtime, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        post(client, body(runtime.settings, rid=f"copy-{i}", nik=f"63110645079000{i + 1}1"))
    upgraded = CliRunner().invoke(main, ["--config", str(config_path), "db", "upgrade"])
    assert upgraded.exit_code == 0 and f"basis data pada revisi {HEAD}" in upgraded.output
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    copied = CliRunner().invoke(main, ["--config", str(config_path), "db", "copy", "--to", target])
    assert copied.exit_code == 0, copied.output
    assert "registrations: 3 -> 3" in copied.output and "jumlahnya sama" in copied.output
    again = CliRunner().invoke(main, ["--config", str(config_path), "db", "copy", "--to", target])
    assert again.exit_code == 1 and "already holds registrations" in again.output


def test_a_sqlite_ledger_is_copied_into_postgresql(config_path: Path, runtime, client) -> None:  # type: ignore[no-untyped-def]
    """The way out when one machine is not enough: counts checked, and the copy goes on
    taking registrations (its sequences start past the copied ids)."""
    from prens.intake.submission import parse_submission
    from prens.store.ledger import Ledger
    from tests.databases import new_postgresql_url

    target = new_postgresql_url()
    for i in range(5):
        post(client, body(runtime.settings, rid=f"pg-{i}", nik=f"63110645079000{i + 1}1"))
    copied = CliRunner().invoke(main, ["--config", str(config_path), "db", "copy", "--to", target])
    assert copied.exit_code == 0, copied.output
    assert "registrations: 5 -> 5" in copied.output and "jumlahnya sama" in copied.output
    engine = make_engine(target)
    try:
        ledger = Ledger(engine, "BLG")
        assert ledger.counts_by_status() == {"accepted": 5}
        from datetime import UTC, datetime

        from prens.intake.receive import receive

        sub = parse_submission(body(runtime.settings, rid="pg-new"), runtime.settings.timezone)
        reg = receive(ledger, runtime.settings, sub, datetime.now(UTC)).registration
        assert reg.seq == 6
    finally:
        engine.dispose()


def test_fingerprints_move_into_their_registrations(tmp_path: Path) -> None:
    """0004 on a ledger at 0003: each fingerprint row lands on its registration."""
    engine = make_engine(f"sqlite:///{tmp_path / 'at3.db'}")
    with engine.begin() as conn:
        migrate(conn, "0003")
        for n, key in ((1, "rid:abc"), (2, "fp:x")):
            conn.execute(
                text(
                    "INSERT INTO registrations (id, response_key, submitted_at, received_at,"
                    " status, person, answers, problems) VALUES (:id, :key, '2026-11-21 01:00:00',"
                    " '2026-11-21 01:00:01', 'accepted', '{}', '{}', '[]')"
                ),
                {"id": f"BLG-{n}", "key": key},
            )
        conn.execute(
            text(
                "INSERT INTO response_fingerprints VALUES"
                " ('rid:abc', 'h1', 1790000000, 1, 'BLG-1'), ('fp:x', 'h2', 1790000005, 0, 'BLG-2')"
            )
        )
    assert upgrade(engine) == HEAD
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, fp_hash, fp_second FROM registrations ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [("BLG-1", "h1", 1790000000), ("BLG-2", "h2", 1790000005)]
    assert "response_fingerprints" not in inspect(engine).get_table_names()
    engine.dispose()


def test_desa_codes_are_filled_from_the_stored_answers(tmp_path: Path) -> None:
    """0007 on a ledger at 0006: each registration gets the desa code intake had matched."""
    engine = make_engine(f"sqlite:///{tmp_path / 'at6.db'}")
    people = {"BLG-1": '{"kode_desa": "63.11.06.2007"}', "BLG-2": "{}", "BLG-3": "not json"}
    with engine.begin() as conn:
        migrate(conn, "0006")
        for reg_id, person in people.items():
            conn.execute(
                text(
                    "INSERT INTO registrations (id, response_key, submitted_at, received_at,"
                    " status, person, answers, problems) VALUES (:id, :id, '2026-11-21 01:00:00',"
                    " '2026-11-21 01:00:01', 'accepted', :person, '{}', '[]')"
                ),
                {"id": reg_id, "person": person},
            )
    assert upgrade(engine) == HEAD
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, desa_code FROM registrations ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("BLG-1", "63.11.06.2007"),
        ("BLG-2", None),
        ("BLG-3", None),
    ]
    engine.dispose()
