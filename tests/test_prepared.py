"""Prepared statements (prens.prepared) store and read what SQLAlchemy's own execution would,
and fail as SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from prens.database import write_transaction
from prens.ledger import registrations
from prens.prepared import Prepared

pytestmark = pytest.mark.both_databases

MOMENT = datetime(2026, 11, 21, 6, 30, 5, 123456)
KEYS = ["id", "response_key", "submitted_at", "received_at", "status", "person", "answers"]
KEYS += ["problems", "nik", "fp_second"]


def row(n: int) -> dict[str, object]:
    return {
        "id": f"T-{n}",
        "response_key": f"key-{n}",
        "submitted_at": MOMENT,
        "received_at": MOMENT.replace(second=0, microsecond=0),
        "status": "accepted",
        "person": "{}",
        "answers": '{"Nama": "=1+1"}',
        "problems": "[]",
        "nik": f"63110645079000{n:02d}",
        "fp_second": 1_790_000_000 + n,
    }


INSERT = Prepared(insert(registrations).returning(registrations.c.seq), KEYS)


def test_a_prepared_insert_stores_what_sqlalchemy_would(runtime) -> None:  # type: ignore[no-untyped-def]
    engine = runtime.engine
    with write_transaction(engine) as conn:
        seq = INSERT.first(conn, row(1))
        conn.execute(insert(registrations), row(2))
    assert seq is not None and isinstance(seq[0], int)
    with engine.connect() as conn:
        read = conn.execute(
            select(registrations).where(registrations.c.id.in_(["T-1", "T-2"]))
        ).all()
        stored = [r._mapping for r in sorted(read, key=lambda r: r.id)]
        for column in ("submitted_at", "received_at", "answers", "status"):
            assert stored[0][column] == stored[1][column]  # row 1 prepared, row 2 SQLAlchemy
        assert stored[0]["submitted_at"] == MOMENT and stored[0]["answers"] == '{"Nama": "=1+1"}'
        assert (stored[0]["nik"], stored[0]["fp_second"]) == ("6311064507900001", 1_790_000_001)
        assert stored[0]["seq"] == seq[0]
        if engine.dialect.name == "sqlite":  # the very text SQLAlchemy writes and parses
            raw = conn.execute(text("SELECT submitted_at FROM registrations ORDER BY id")).all()
            assert raw[0] == raw[1]


def test_a_unique_violation_is_sqlalchemys_integrity_error(runtime) -> None:  # type: ignore[no-untyped-def]
    with write_transaction(runtime.engine) as conn:
        INSERT.first(conn, row(3))
    with pytest.raises(IntegrityError), write_transaction(runtime.engine) as conn:
        INSERT.first(conn, {**row(4), "response_key": "key-3"})


def test_literal_values_in_the_statement_are_sent(runtime) -> None:  # type: ignore[no-untyped-def]
    first_two = Prepared(select(registrations.c.id).order_by(registrations.c.id).limit(1).offset(1))
    with write_transaction(runtime.engine) as conn:
        for n in (5, 6, 7):
            INSERT.first(conn, row(n))
        assert first_two.first(conn, {}) == ("T-6",)
        assert (
            Prepared(select(registrations.c.id).where(registrations.c.id == "none")).first(conn, {})
            is None
        )


def test_a_statement_without_rows_is_run(runtime) -> None:  # type: ignore[no-untyped-def]
    """The outbox's message insert: no RETURNING on SQLite, the primary key's on PostgreSQL."""
    from prens.outbox import add_message, enqueue, notifications

    with write_transaction(runtime.engine) as conn:
        INSERT.first(conn, row(8))
        add_message(conn, "T-8", "needs_correction", MOMENT.replace(tzinfo=UTC))
        assert not enqueue(conn, "T-8", "needs_correction", MOMENT.replace(tzinfo=UTC))
    with runtime.engine.connect() as conn:
        stored = conn.execute(select(notifications)).one()._mapping
    assert (stored["registration_id"], stored["status"], stored["written_back"]) == (
        "T-8",
        "pending",
        False,
    )
    assert stored["next_attempt_at"] == MOMENT and stored["attempts"] == 0
