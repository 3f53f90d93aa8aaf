"""One leader among workers, on SQLite and on PostgreSQL: exclusive, released, and taken over
when its process dies."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from jobs.election import Leadership
from prens.store.database import make_engine

pytestmark = pytest.mark.both_databases


def test_one_leads_and_the_other_takes_over_when_it_stands_down(runtime) -> None:  # type: ignore[no-untyped-def]
    url = runtime.settings.database_url
    first, second = make_engine(url), make_engine(url)  # as two processes would
    try:
        a, b = Leadership(first), Leadership(second)
        assert a.poll() is True
        assert b.poll() is False
        assert a.poll() is True  # still ours at the next poll
        a.release()
        assert b.poll() is True and a.poll() is False
        b.release()
    finally:
        first.dispose()
        second.dispose()


def test_a_killed_leader_is_replaced_at_the_next_poll(runtime) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys, time; from prens.store.database import make_engine\n"
        "from jobs.election import Leadership\n"
        "lead = Leadership(make_engine(sys.argv[1]))\n"
        "print(lead.poll(), flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, runtime.settings.database_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    follower = Leadership(runtime.engine)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
        assert follower.poll() is False
        proc.kill()  # SIGKILL: no release
        proc.wait()
        deadline = time.monotonic() + 10
        while not follower.poll():
            assert time.monotonic() < deadline, "the lead was never freed"
            time.sleep(0.1)
    finally:
        follower.release()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
