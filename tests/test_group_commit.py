"""Group commit on a real SQLite file and a PostgreSQL schema: each write committed before its
caller returns, a failing write fails alone, a failed commit fails every write of its batch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, func, insert, select
from sqlalchemy.exc import IntegrityError

from prens.database import make_engine
from prens.group_commit import GroupCommit
from tests.databases import new_postgresql_url

pytestmark = pytest.mark.both_databases

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True), Column("name", String(20)))


@pytest.fixture
def url(tmp_path: Path, database: str) -> str:
    return new_postgresql_url() if database == "postgresql" else f"sqlite:///{tmp_path / 'g.db'}"


@pytest.fixture
def engine(url: str):  # type: ignore[no-untyped-def]
    eng = make_engine(url)
    meta.create_all(eng)
    yield eng
    eng.dispose()


def count(path_engine) -> int:  # type: ignore[no-untyped-def]
    with path_engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def test_a_write_is_committed_when_run_returns(engine, url: str) -> None:  # type: ignore[no-untyped-def]
    group = GroupCommit(engine)
    assert (
        group.run(
            lambda conn: conn.execute(insert(items).values(id=1, name="a")).inserted_primary_key[0]
        )
        == 1
    )
    other = make_engine(url)  # another pool: sees only committed data
    try:
        assert count(other) == 1
    finally:
        other.dispose()


def _race(group: GroupCommit, fns) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(fns))
    out: list = [None] * len(fns)

    def go(i: int) -> None:
        barrier.wait()
        try:
            out[i] = group.run(fns[i])
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_a_failing_write_fails_alone(engine) -> None:  # type: ignore[no-untyped-def]
    group = GroupCommit(engine)

    def write(i: int):  # type: ignore[no-untyped-def]
        # Writes 3 and 4 collide on the same key: exactly one of them must fail.
        key = 3 if i == 4 else i
        return lambda conn: conn.execute(
            insert(items).values(id=key, name=f"n{i}")
        ).inserted_primary_key[0]

    results = _race(group, [write(i) for i in range(12)])
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], IntegrityError)
    assert count(engine) == 11


def test_a_failed_commit_reaches_the_caller_and_stores_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    group = GroupCommit(engine)

    def poison(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(insert(items).values(id=100, name="x"))
        # Make the COMMIT itself fail: a deferred foreign key is not possible here, so close
        # the transaction's connection under it.
        conn.connection.driver_connection.close()

    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        group.run(poison)
    assert count(engine) == 0
    assert (
        group.run(
            lambda conn: conn.execute(insert(items).values(id=5, name="y")).inserted_primary_key[0]
        )
        == 5
    )


def test_a_write_that_fails_half_way_leaves_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    group = GroupCommit(engine)

    def half(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(insert(items).values(id=1, name="written"))
        raise ValueError("failed after writing")

    with pytest.raises(ValueError, match="failed after writing"):
        group.run(half)
    assert (
        group.run(
            lambda conn: conn.execute(insert(items).values(id=2, name="ok")).inserted_primary_key[0]
        )
        == 2
    )
    with engine.connect() as conn:
        assert conn.execute(select(items.c.name)).scalars().all() == ["ok"]


@pytest.mark.parametrize(("max_batch", "expected_commits"), [(64, 1), (8, 4)])
def test_writes_queued_while_a_batch_runs_join_it(engine, max_batch, expected_commits) -> None:  # type: ignore[no-untyped-def]
    """While one write is being run, the others queue; they join its transaction, up to
    `max_batch` writes (31 writes in batches of 8: four commits)."""
    group = GroupCommit(engine, max_batch=max_batch)
    commits: list[int] = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    first_running, others_queued = threading.Event(), threading.Event()

    def slow_first(conn):  # type: ignore[no-untyped-def]
        first_running.set()
        others_queued.wait(5)
        return conn.execute(insert(items).values(id=0, name="first")).inserted_primary_key[0]

    leader = threading.Thread(target=group.run, args=(slow_first,))
    leader.start()
    assert first_running.wait(5)

    def writing(key: int):  # type: ignore[no-untyped-def]
        return lambda conn: conn.execute(
            insert(items).values(id=key, name="n")
        ).inserted_primary_key[0]

    writes = [writing(i) for i in range(1, 31)]
    out: list = [None] * len(writes)
    threads = [
        threading.Thread(target=lambda i=i: out.__setitem__(i, group.run(writes[i])))
        for i in range(len(writes))
    ]
    for t in threads:
        t.start()
    time.sleep(0.3)  # the 30 callers queue behind the running write
    others_queued.set()
    leader.join()
    for t in threads:
        t.join()
    assert out == list(range(1, 31)) and count(engine) == 31
    assert len(commits) == expected_commits


def test_the_connection_goes_back_to_the_pool_when_the_queue_is_empty(engine) -> None:  # type: ignore[no-untyped-def]
    """Leaders keep one connection while writes keep coming, and return it once none is left,
    after a failed write and after a failed commit too."""
    group = GroupCommit(engine)

    def write(i: int):  # type: ignore[no-untyped-def]
        key = 3 if i == 7 else i  # one write collides: its batch is run again, in savepoints
        return lambda conn: conn.execute(
            insert(items).values(id=key, name="n")
        ).inserted_primary_key[0]

    results = _race(group, [write(i) for i in range(20)])
    assert sum(isinstance(r, IntegrityError) for r in results) == 1
    assert engine.pool.checkedout() == 0

    def broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(insert(items).values(id=100, name="x"))
        conn.connection.driver_connection.close()

    with pytest.raises(Exception):  # noqa: B017 - the driver's own error type
        group.run(broken)
    assert engine.pool.checkedout() == 0
    assert group.run(
        lambda conn: conn.execute(insert(items).values(id=101, name="y")).inserted_primary_key[0]
    )
    assert engine.pool.checkedout() == 0 and count(engine) == 20
