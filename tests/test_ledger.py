"""The ledger on a real SQLite file: uniqueness under concurrency, leases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from prens.config import Settings
from prens.intake.receive import receive
from prens.intake.submission import parse_submission
from prens.rules.registration import ID_ALPHABET, new_registration_id
from prens.store.ledger import Ledger
from tests.test_webhook import body

pytestmark = pytest.mark.both_databases


def _race(n: int, fn) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_submissions_of_one_nik_give_one_accepted(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    def submit(i: int) -> str:
        sub = parse_submission(body(settings, rid=f"r{i}"), settings.timezone)
        return receive(runtime.ledger, settings, sub, datetime.now(UTC)).registration.status

    statuses = _race(8, submit)
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 7


def test_concurrent_replays_of_one_response_store_it_once(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    def submit(_i: int) -> str:
        sub = parse_submission(body(settings, rid="same"), settings.timezone)
        return receive(runtime.ledger, settings, sub, datetime.now(UTC)).registration.id

    ids = _race(8, submit)
    assert len(set(ids)) == 1
    assert runtime.ledger.counts_by_status() == {"accepted": 1}


def test_a_second_process_sees_the_same_ledger(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from prens.store.database import make_engine

    sub = parse_submission(body(settings), settings.timezone)
    reg = receive(runtime.ledger, settings, sub, datetime.now(UTC)).registration
    other = make_engine(settings.database_url)
    try:
        assert Ledger(other, "BLG").get(reg.id).person == reg.person
    finally:
        other.dispose()


def test_registration_ids_are_readable() -> None:
    ids = {new_registration_id("BLG") for _ in range(2000)}
    # Random, so two of 2,000 collide in about 1 run of 370 (30**6 codes), and the ledger draws
    # again when one does; three collisions would be a one-in-a-billion run: not uniform.
    assert len(ids) >= 1998
    for rid in ids:
        prefix, code = rid.split("-")
        assert prefix == "BLG" and len(code) == 6 and set(code) <= set(ID_ALPHABET)
    assert not set("01OILU") & set(ID_ALPHABET)


def test_a_lease_is_exclusive_and_released(runtime) -> None:  # type: ignore[no-untyped-def]
    ledger = runtime.ledger
    with ledger.jobs.lease("job", 60) as first, ledger.jobs.lease("job", 60) as second:
        assert (first, second) == (True, False)
    with ledger.jobs.lease("job", 60) as again:
        assert again


def test_a_lease_left_by_a_dead_holder_expires(runtime) -> None:  # type: ignore[no-untyped-def]
    ledger = runtime.ledger
    past = datetime.now(UTC) - timedelta(minutes=10)
    holder = ledger.jobs.lease("job", 60, now=past)
    assert holder.__enter__() is True  # taken ten minutes ago, never released (a crash)
    with ledger.jobs.lease("job", 60) as taken_over:
        assert taken_over


def test_a_lease_of_a_process_that_died_is_taken_over_at_once(runtime) -> None:  # type: ignore[no-untyped-def]
    """A job killed with SIGKILL leaves its lease; the next run on the machine does not wait
    for it to expire."""
    import subprocess
    import sys

    from prens.store.schema import job_leases

    code = (
        "import sys; from prens.store.database import make_engine\n"
        "from prens.store.ledger import Ledger\n"
        "ledger = Ledger(make_engine(sys.argv[1]), 'BLG')\n"
        "holder = ledger.jobs.lease('job', 3600)\n"
        "assert holder.__enter__()\n"
        "import os; os._exit(0)\n"  # dies holding it: no release
    )
    subprocess.run([sys.executable, "-c", code, runtime.settings.database_url], check=True)
    with runtime.engine.connect() as conn:
        assert conn.execute(job_leases.select()).first() is not None  # left behind
    with runtime.ledger.jobs.lease("job", 3600) as taken_over:
        assert taken_over


def test_a_lease_of_a_live_process_is_respected(runtime) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from prens.store.database import make_engine; from prens.store.ledger import Ledger\n"
        "ledger = Ledger(make_engine(sys.argv[1]), 'BLG')\n"
        "with ledger.jobs.lease('job', 3600) as held:\n"
        "    print(held, flush=True); time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, runtime.settings.database_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
        with runtime.ledger.jobs.lease("job", 3600) as second:
            assert second is False
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
