"""Blocking calls in a gevent web process (prens.cooperative): the process's other requests go on
while one waits for another process's SQLite write lock or runs a long download.

Each test runs a small script in a process of its own, monkey-patched by gevent as gunicorn's
gevent worker does (patching the test process would change every other test), and declared as
a web process declares itself (prens.prefork). tests/test_processes.py checks the same in the
web processes of `prens serve --processes 2`.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("gevent")
ROOT = Path(__file__).resolve().parent.parent
PRELUDE = """
import gevent
{before_patch}
from gevent import monkey
monkey.patch_all()
import json, sys, time
from prens.cooperative import declare_gevent_thread
{declare}
"""


def _start(script: str, before_patch: str = "", declare: bool = True) -> subprocess.Popen[str]:
    """Run `script` in a process patched by gevent, its main thread declared as gevent's (unless
    not `declare`); `before_patch` runs first (gevent settings)."""
    prelude = PRELUDE.format(
        before_patch=before_patch, declare="declare_gevent_thread()" if declare else ""
    )
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> Any:
    """What the script printed last, as JSON."""
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_green_only_on_the_declared_gevent_thread() -> None:
    from prens.cooperative import green

    assert not green()  # this process is not patched
    result = _finish(
        _start(
            """
            from prens.cooperative import green
            before = green()
            declare_gevent_thread()
            pool = gevent.get_hub().threadpool
            print(json.dumps({"before": before, "hub": green(), "native": pool.apply(green)}))
            """,
            declare=False,
        )
    )
    assert result == {"before": False, "hub": True, "native": False}


def test_waiting_for_another_processs_write_lock_lets_other_requests_run(tmp_path: Path) -> None:
    path = tmp_path / "prens.db-writer"
    holder = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process holds the write lock
    proc = _start(f"""
        from prens.database import SQLiteWriteLock
        lock = SQLiteWriteLock({str(path)!r})
        ticks, at = [0], {{}}

        def writer():
            with lock:
                at["acquired"] = ticks[0]

        def other_request():
            while "acquired" not in at:
                ticks[0] += 1
                gevent.sleep(0.01)

        print("waiting", flush=True)
        gevent.joinall([gevent.spawn(writer), gevent.spawn(other_request)])
        print(json.dumps(at))
        """)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "waiting"
        time.sleep(0.5)
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    # About 50 ticks of 10 ms while the writer waited; none if its wait had stopped the process.
    assert _finish(proc)["acquired"] >= 10


def test_an_interrupted_wait_gives_the_write_lock_back_once_it_is_taken(tmp_path: Path) -> None:
    path = tmp_path / "prens.db-writer"
    holder = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    proc = _start(f"""
        from prens.database import SQLiteWriteLock
        lock = SQLiteWriteLock({str(path)!r})
        try:
            with gevent.Timeout(0.3):
                with lock:
                    pass
        except gevent.Timeout:
            print("timed out", flush=True)
        gevent.sleep(3)  # meanwhile the holder lets go, and the native thread takes the lock
        print(json.dumps({{"thread lock free": lock._threads.acquire(blocking=False)}}))
        """)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "timed out"
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
    time.sleep(0.5)  # the kernel hands the lock to the thread still waiting for it
    # That thread took the lock after the timeout; it must give it back, not keep it.
    deadline = time.monotonic() + 2.0
    while True:
        try:
            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            assert time.monotonic() < deadline, "the write lock stayed held after the timeout"
            time.sleep(0.05)
    fcntl.flock(holder, fcntl.LOCK_UN)
    os.close(holder)
    assert _finish(proc) == {"thread lock free": True}


def test_a_leader_wakes_its_batch_without_running_the_woken_requests_first() -> None:
    """The web processes import prens.group_commit before gevent patches them (in the master):
    its events must still be gevent's. The standard library's Event, in a patched process,
    yields to every ready greenlet inside `set()`: a leader waking its batch let each woken
    request run on before it woke the next, and handed the lead on last."""
    order = _finish(
        _start(
            """
            import tempfile
            from sqlalchemy import text
            from prens.database import make_engine, write_transaction
            from prens.group_commit import GroupCommit

            engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/g.db")
            with write_transaction(engine) as conn:
                conn.execute(text("CREATE TABLE t (n INTEGER)"))
            commit, order = GroupCommit(engine), []

            def request(n):
                commit.run(lambda conn: conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n}))
                order.append(n)

            # 0 leads alone; 1-4 queue during its commit, and 1 leads them.
            gevent.joinall([gevent.spawn(request, n) for n in range(5)])
            print(json.dumps(order))
            """,
            before_patch="import prens.group_commit",
        )
    )
    assert order == [0, 1, 2, 3, 4]


def test_a_long_view_off_the_loop_keeps_its_request_and_lets_others_run() -> None:
    result = _finish(
        _start("""
        from flask import Flask, g, request
        from prens.cooperative import off_the_loop

        app = Flask(__name__)
        ticks = [0]

        def work():  # a second of pure Python, as an export of many rows is
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                sum(range(1000))
            return f"{g.officer} {request.args['n']}"

        @app.before_request
        def who():
            g.officer = "budi"

        app.add_url_rule("/plain", "plain", work)
        app.add_url_rule("/off", "off", off_the_loop(work))
        seen = {}
        for path in ("/plain", "/off"):
            ticks[0], done = 0, []

            def other_request():
                while not done:
                    ticks[0] += 1
                    gevent.sleep(0.01)

            ticker = gevent.spawn(other_request)
            gevent.sleep(0.05)
            start = ticks[0]
            reply = app.test_client().get(path + "?n=7")
            done.append(True)
            ticker.join()
            seen[path] = [reply.get_data(as_text=True), ticks[0] - start]
        print(json.dumps(seen))
        """)
    )
    assert result["/off"][0] == result["/plain"][0] == "budi 7"
    assert result["/plain"][1] <= 2  # the plain view held the process for its whole second
    assert result["/off"][1] >= 20  # off the loop, the other request ran meanwhile


@pytest.mark.parametrize("loop", ["default", "prens.green_loop.Loop"])
def test_the_web_processes_loop_reads_the_network_between_long_turns(loop: str) -> None:
    """Greenlets taking 2 ms turns, each waking the next (as a group commit's leader hands on):
    a request whose socket became readable is read within gevent's switch interval on our loop,
    not after gevent's default run of 50 callbacks."""
    setting = "" if loop == "default" else f"gevent.config.loop = {loop!r}"
    lag = _finish(
        _start(
            """
            import socket

            def turns(n):
                for _ in range(n):
                    end = time.perf_counter() + 0.002
                    while time.perf_counter() < end:
                        pass
                    gevent.sleep(0)  # wakes the next turn through the hub's callbacks

            a, b = socket.socketpair()
            lags = []

            def reader():
                for _ in range(10):
                    a.recv(1)
                    lags.append(time.perf_counter() - sent[0])

            sent = [0.0]
            workers = [gevent.spawn(turns, 200) for _ in range(4)]
            r = gevent.spawn(reader)
            for _ in range(10):
                gevent.sleep(0.02)
                sent[0] = time.perf_counter()
                b.send(b"x")
                while len(lags) < _ + 1:
                    gevent.sleep(0.001)
            r.join()
            gevent.joinall(workers)
            print(json.dumps(sorted(lags)[8]))  # the second slowest of ten
            """,
            before_patch=setting,
        )
    )
    if loop == "default":
        assert lag > 0.03  # gevent's default: the 50 callbacks run first (about 100 ms)
    else:
        assert lag < 0.03  # ours: at most the 5 ms switch interval and a turn or two
