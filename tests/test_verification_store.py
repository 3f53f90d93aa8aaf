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
