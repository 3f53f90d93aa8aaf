"""`prens serve --processes 2`: two web processes on one port, the jobs in a process of their own,
a clean stop of them all on SIGTERM, and none left behind when the server is killed."""

from __future__ import annotations

import fcntl
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from prens.config import Settings, load_settings
from prens.demo import body, person
from tests.conftest import write_config
from tests.databases import require_postgresql
from tests.serving import Served, prens

pytestmark = pytest.mark.e2e
SECRET = "processes-secret"


def _children(pid: int, expected: int = 3) -> set[int]:
    """The child processes of `pid`, once there are `expected` (the first web process can
    answer before gunicorn has forked the next one)."""
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + 20
    while True:
        found = {int(p) for p in listing.read_text().split()} if listing.exists() else set()
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_two_web_processes_share_the_port_and_one_scheduler(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 1"})
    settings = load_settings(config)
    people = [person(settings, random.Random(i), date.today()).fields for i in range(60)]

    def send(fields: dict) -> dict:  # type: ignore[type-arg]
        reply = served.submit(body(settings, fields))
        assert reply.status_code == 200, reply.text
        return reply.json()  # type: ignore[no-any-return]

    served = Served(config, SECRET, args=("--processes", "2"))
    with served:
        assert served.proc is not None
        children = _children(served.proc.pid)
        assert len(children) == 3  # two web processes and the job process
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(send, people))
        accepted = {r["id"] for r in replies if r["status"] == "accepted"}
        assert len(accepted) >= 50
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the elected scheduler flushes them
            exported = prens(config, "sheet", "export", "Pendaftar").stdout
            if all(i in exported for i in accepted):
                break
            time.sleep(0.5)
        assert all(exported.count(i) == 1 for i in accepted)
        assert served.stop() == 0
    output = served.output()
    assert "serving on" in output and "with 2 web processes" in output
    assert output.count("leads: running the scheduled jobs") == 1  # the job process only
    lines = output.strip().splitlines()
    assert lines[-1] == "stopped" and lines.count("stopped") == 1 and "worker: stopped" in lines
    # Nothing for an operator to worry about: no warning from gevent's patching at start, no
    # error from the web processes' interpreters at exit.
    assert "Warning" not in output and "Traceback" not in output, output
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)  # none left behind


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_no_process_outlives_a_killed_server(tmp_path: Path) -> None:
    """SIGKILL leaves the first process no time to stop the others: they notice it is gone."""
    config = write_config(tmp_path)
    served = Served(config, SECRET, args=("--processes", "2")).start()
    assert served.proc is not None
    children = _children(served.proc.pid)
    assert len(children) == 3
    served.kill()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in children):
        time.sleep(0.2)
    assert not any(Path(f"/proc/{p}").exists() for p in children)


@contextmanager
def _writers_held(settings: Settings) -> Iterator[None]:
    """Make every write of the intake wait, as another process's long write would: on SQLite,
    hold the write lock beside the database; on PostgreSQL, lock the registrations table."""
    if not settings.database_url.startswith("postgresql"):
        holder = os.open(settings.data_dir / "prens.db-writer", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(holder, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(holder, fcntl.LOCK_UN)
            os.close(holder)
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE registrations IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_web_process_whose_writers_wait_still_answers(tmp_path: Path, database: str) -> None:
    """While another process holds up the writes, the web processes' writers wait in native
    threads (SQLite's write lock) or through gevent (a PostgreSQL query): each process goes on
    answering its other requests."""
    if database == "postgresql":
        require_postgresql()
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 3600"}, database)
    settings = load_settings(config)
    people = [person(settings, random.Random(i), date.today()).fields for i in range(4)]
    replies: list[int] = []

    def send(fields: dict) -> None:  # type: ignore[type-arg]
        replies.append(served.submit(body(settings, fields), timeout=60).status_code)

    with Served(config, SECRET, args=("--processes", "2")) as served:
        assert served.proc is not None and len(_children(served.proc.pid)) == 3
        with _writers_held(settings):
            # One writer after another, each on a connection of its own: a process whose loop
            # stopped in the wait would accept no more, so the next goes to the other process.
            senders = [threading.Thread(target=send, args=(fields,)) for fields in people]
            for sender in senders:
                sender.start()
                time.sleep(0.3)
            for _ in range(4):
                started = time.monotonic()
                health = requests.get(served.url + "/healthz", timeout=5)
                assert health.status_code == 200 and time.monotonic() - started < 2
            assert replies == []  # the writers are still waiting
        for sender in senders:
            sender.join(timeout=30)
        assert replies == [200, 200, 200, 200]  # each stored once the writes could go on
        assert served.stop() == 0
