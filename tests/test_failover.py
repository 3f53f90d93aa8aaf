"""Two `prens worker` processes on one PostgreSQL database: one leads and runs the jobs; killed
with SIGKILL, the other takes over. No job ever ran twice at once, and nothing was lost."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest

from prens.config import load_settings
from prens.demo import mixed_batch
from prens.intake.receive import receive
from prens.intake.submission import parse_submission
from prens.runtime import open_runtime
from tests.conftest import write_config
from tests.databases import require_postgresql
from tests.reliability.figures import repeated
from tests.serving import ROOT

pytestmark = pytest.mark.e2e


def start_worker(config: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "prens", "--config", str(config), "worker", "--poll-seconds", "0.5"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def submit(runtime, count: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    settings = runtime.settings
    today = datetime.now(settings.timezone).date()
    for body in mixed_batch(settings, random.Random(seed), today, count):
        receive(
            runtime.ledger, settings, parse_submission(body, settings.timezone), datetime.now(UTC)
        )


def runs_by(runtime, pid: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [r for r in runtime.ledger.jobs.runs() if r.worker.split(":")[1] == str(pid)]


def wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_other_worker_takes_over_when_the_leader_is_killed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    require_postgresql()
    config = write_config(
        tmp_path,
        {
            "flush_seconds = 5": "flush_seconds = 1",
            "sync_seconds = 60": "sync_seconds = 1",
            "notify_seconds = 30": "notify_seconds = 1",
            "pause_seconds = 3": "pause_seconds = 0",
            "per_minute = 20": "per_minute = 600",
            'quiet_start = "21:00"': 'quiet_start = "00:00"',
            'quiet_end = "07:00"': 'quiet_end = "00:00"',
        },
        database="postgresql",
    )
    runtime = open_runtime(load_settings(config))
    log = (tmp_path / "workers.log").open("ab")
    leader = follower = None
    try:
        submit(runtime, 200, seed=1)
        leader = start_worker(config, log)
        wait_for(lambda: runs_by(runtime, leader.pid), 30, "the first worker to run jobs")
        follower = start_worker(config, log)
        time.sleep(2.0)
        assert runs_by(runtime, follower.pid) == [], "two workers ran jobs at once"
        submit(runtime, 200, seed=2)
        killed_at = datetime.now(UTC).replace(tzinfo=None)
        leader.kill()  # SIGKILL, perhaps mid-job
        leader.wait()
        wait_for(lambda: runs_by(runtime, follower.pid), 60, "the second worker to take over")
        takeover = (runs_by(runtime, follower.pid)[0].started_at - killed_at).total_seconds()
        submit(runtime, 200, seed=3)
        wait_for(lambda: runtime.ledger.count_pending_flush() == 0, 60, "the backlog to flush")
        runs = runtime.ledger.jobs.runs()
        s = runtime.settings
        pendaftar = runtime.sheets.column_values(s.worksheets["pendaftar"], s.columns["id"])
        perbaikan = runtime.sheets.column_values(s.worksheets["perlu_perbaikan"], s.columns["id"])
        expected = runtime.ledger.counts_by_status()
    finally:
        for proc in (leader, follower):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        log.close()
        runtime.close()

    # No job ran twice at once: per job, each run ends before the next starts (a run of the
    # killed leader that never finished ended when it was killed).
    overlaps = 0
    by_job = defaultdict(list)
    for r in runs:
        by_job[r.job].append((r.started_at, r.finished_at or killed_at, r.worker))
    for spans in by_job.values():
        spans.sort()
        overlaps += sum(1 for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1])
    lost = expected.get("accepted", 0) - len(set(pendaftar))
    lost += expected.get("needs_correction", 0) - len(set(perbaikan))
    with capsys.disabled():
        print(
            f"\n[failover] takeover {takeover:.2f} s after SIGKILL (poll 0.5 s); "
            f"{len(runs)} job runs by 2 workers, overlapping runs of one job {overlaps}; "
            f"600 submissions: in the sheet {len(pendaftar) + len(perbaikan)}, "
            f"duplicates {repeated(pendaftar) + repeated(perbaikan)}, lost {lost}"
        )
    assert 0 <= takeover < 60
    assert overlaps == 0
    assert repeated(pendaftar) + repeated(perbaikan) == 0 and lost == 0
