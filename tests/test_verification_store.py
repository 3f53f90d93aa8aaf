"""What a sync saw is stored in short transactions (the intake waits behind each one), first
sights inserted and later ones updated, whatever the mix in a chunk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event

from prens.store.database import WRITE_CHUNK_ROWS, make_engine
from prens.store.verification import Observation, VerificationStore

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def seen(reg_id: str, ticked: bool, notes: str = "") -> Observation:
    cells = {"Verifikasi Dinas": ticked}
    return Observation(
        reg_id, "MENUNGGU VERIFIKASI", "MENUNGGU VERIFIKASI", cells, notes, [], [], None
    )


def test_a_sync_stores_what_it_saw_in_short_transactions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    store = VerificationStore(engine)
    count = 2 * WRITE_CHUNK_ROWS + 7
    store.record([seen(f"BLG-{i}", False) for i in range(0, count, 2)], NOW)  # every other one
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    store.record([seen(f"BLG-{i}", True, f"n{i}") for i in range(count)], NOW)
    assert len(commits) == -(-count // WRITE_CHUNK_ROWS)
    last = store.last_seen()
    assert len(last) == count
    assert all(last[f"BLG-{i}"] == ({"Verifikasi Dinas": True}, f"n{i}") for i in range(count))
    engine.dispose()


def test_what_a_sync_saw_is_stored_without_waiting_for_the_disk(tmp_path: Path) -> None:
    """The next sync sees the same sheet and stores it again if a power cut loses it (SQLite's
    NORMAL); an audit entry written by a person's action waits for the disk (FULL)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
    store = VerificationStore(engine)
    levels: list[int] = []
    event.listen(
        engine,
        "commit",
        lambda conn: levels.append(conn.exec_driver_sql("PRAGMA synchronous").scalar()),
    )
    store.record([seen(f"BLG-{i}", True) for i in range(2 * WRITE_CHUNK_ROWS)], NOW)
    assert levels == [1, 1]
    store.log(None, "export", "cli", {"rows": 1}, NOW)
    store.log_many([("BLG-1", {"file": "f.xlsx"})], "bpjs_import", "cli", NOW)
    assert levels == [1, 1, 2, 2]
    engine.dispose()
