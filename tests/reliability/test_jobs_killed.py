"""Every job killed with SIGKILL at several points, then run again: the same end state, no
duplicate row, no message twice, and no lease left by the dead process blocking the next run.

The jobs run as an operator runs them (`prens jobs run NAME`, a child process) on the embedded
default, one after the other as a day goes: reconcile (600 responses from the form's CSV),
flush, sync (every row ticked by the verifiers), notify, compile; then a budget period begins
with room for 450, and the rollover puts 150 members on the waiting list. Each is killed as
soon as the test sees it make progress in the database (or after a random delay, when its
progress is one transaction), a few times, then run to the end."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from jobs.reconcile import import_responses
from prens.config import load_settings
from prens.runtime import open_runtime
from prens.store.schema import notifications, registrations, state_entries
from tests.conftest import write_config
from tests.reconcile_helpers import an_hour_ago, google_form, person
from tests.reliability.figures import repeated
from tests.serving import ROOT, prens

pytestmark = pytest.mark.reliability
RESPONSES = 600
KILLS = 3

# job -> SQL counting its progress, as another process sees it (None: one transaction).
PROGRESS = {
    "reconcile": "SELECT count(*) FROM registrations",
    "flush": "SELECT count(*) FROM registrations WHERE flushed_at IS NOT NULL",
    "sync": "SELECT count(*) FROM state_entries WHERE state = 'TERVERIFIKASI'",
    "notify": "SELECT count(*) FROM notifications WHERE status IN ('sent', 'uncertain')",
    "compile": None,
    "rollover": "SELECT count(*) FROM registrations WHERE state = 'DAFTAR TUNGGU'",
}
CARRIED = 450  # the new period's quota: the other 150 members go to the waiting list


def kill_mid_run(config: Path, job: str, engine, rng: random.Random) -> list[str]:  # type: ignore[no-untyped-def]
    """Start the job KILLS times and SIGKILL it mid-run; what each kill interrupted."""
    sql = PROGRESS[job]
    seen = []
    for _ in range(KILLS):
        with engine.connect() as conn:
            before = conn.execute(text(sql)).scalar() if sql else 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "prens", "--config", str(config), "jobs", "run", job],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        started, deadline = time.monotonic(), time.monotonic() + rng.uniform(0.5, 1.0)
        progress = before
        while proc.poll() is None:
            if sql:
                with engine.connect() as conn:
                    progress = conn.execute(text(sql)).scalar()
                if progress > before + rng.randint(0, 40):
                    break
            elif time.monotonic() >= deadline:
                break
            time.sleep(0.002)
        if proc.poll() is None:
            proc.kill()
            seen.append(
                f"killed after {time.monotonic() - started:.2f} s"
                + (f" at progress {before}->{progress}" if sql else "")
            )
        else:
            seen.append("finished before the kill")
        proc.wait()
    return seen


def test_every_job_killed_at_any_point_reruns_to_the_same_end_state(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        {
            "batch_rows = 500": "batch_rows = 20",
            'quiet_start = "21:00"': 'quiet_start = "00:00"',
            'quiet_end = "07:00"': 'quiet_end = "00:00"',
            "per_minute = 20": "per_minute = 600",
            "pause_seconds = 3": "pause_seconds = 0",
        },
    )
    settings = load_settings(config)
    runtime = open_runtime(settings)
    engine, rng = runtime.engine, random.Random(5)
    form = google_form(settings)
    start = an_hour_ago(settings)
    for i in range(RESPONSES):
        form.submit(person(settings, i), start + timedelta(seconds=i))
    table = list(csv.reader(io.StringIO(form.csv_download())))
    import_responses(runtime.ledger, runtime.sheets, settings, table[0], table[1:])
    report: dict[str, list[str]] = {}

    def run(job: str) -> None:
        report[job] = kill_mid_run(config, job, engine, rng)
        done = prens(config, "jobs", "run", job)  # at once: the dead holder's lease is no bar
        assert done.returncode == 0, done.stderr
        assert "another" not in done.stdout, f"{job}: blocked by a dead process's lease"

    try:
        run("reconcile")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(registrations)).scalar() == (
                RESPONSES
            )

        run("flush")
        id_header = settings.columns["id"]
        pendaftar = runtime.sheets.column_values(settings.worksheets["pendaftar"], id_header)
        assert repeated(pendaftar) == 0 and len(pendaftar) == RESPONSES

        runtime.sheets.update_rows_by_key(
            settings.worksheets["pendaftar"],
            id_header,
            {i: {"Verifikasi Dinas": True, "Verifikasi BPJS": True} for i in pendaftar},
        )
        run("sync")
        with engine.connect() as conn:
            states = Counter(conn.execute(select(registrations.c.state)).scalars())
            entries = conn.execute(
                select(state_entries.c.registration_id).where(
                    state_entries.c.state == "TERVERIFIKASI"
                )
            ).scalars()
            assert states == {"TERVERIFIKASI": RESPONSES} and repeated(entries) == 0
            queued = conn.execute(select(notifications.c.registration_id)).scalars().all()
        assert len(queued) == RESPONSES and repeated(queued) == 0
        status = runtime.sheets.column_values(
            settings.worksheets["pendaftar"], settings.columns["status"]
        )
        assert Counter(status) == {"TERVERIFIKASI": RESPONSES}

        run("notify")
        with engine.connect() as conn:
            outcome = Counter(conn.execute(select(notifications.c.status)).scalars())
        sent_log = settings.data_dir / "notifications.jsonl"
        delivered = [json.loads(line)["id"] for line in sent_log.read_text().splitlines()]
        # Each message went out at most once; one stranded mid-send by a kill is "uncertain"
        # (an operator decides: `prens notifications retry`), never resent on its own.
        assert repeated(delivered) == 0
        assert outcome["sent"] + outcome["uncertain"] == RESPONSES
        assert outcome["uncertain"] <= KILLS
        assert outcome["sent"] <= len(delivered) <= RESPONSES

        run("compile")
        final_name = settings.worksheets["daftar_final"]
        first = runtime.sheets.get_all_values(final_name)
        again = prens(config, "jobs", "run", "compile")
        assert again.returncode == 0, again.stderr
        assert runtime.sheets.get_all_values(final_name) == first  # the same end state
        assert len(first) - 1 == RESPONSES

        # A budget period containing today, with room for 450 of the 600 members: the rollover
        # puts the latest verified 150 on the waiting list, killed and run again.
        today = datetime.now(settings.timezone).date()
        # months = 1: the dates span 10 to 11 calendar months, whatever today is.
        with config.open("a", encoding="utf-8") as fh:
            fh.write(
                f'\n[[periods]]\nname = "kini"\nstart = {today - timedelta(days=30)}\n'
                f"end = {today + timedelta(days=300)}\nquota = {CARRIED}\nmonths = 1\n"
            )
        run("rollover")
        again = prens(config, "jobs", "run", "rollover")
        assert "sudah dimulai sebelumnya" in again.stdout, again.stdout
        with engine.connect() as conn:
            by_seq = conn.execute(
                select(registrations.c.id, registrations.c.state).order_by(registrations.c.seq)
            ).all()
            waiting = (
                conn.execute(
                    select(notifications.c.registration_id).where(
                        notifications.c.event == "DAFTAR TUNGGU"
                    )
                )
                .scalars()
                .all()
            )
        assert Counter(state for _, state in by_seq) == {
            "TERVERIFIKASI": CARRIED,
            "DAFTAR TUNGGU": RESPONSES - CARRIED,
        }
        # All verified in one sync: the line is in registration order; the last ones wait.
        assert [state for _, state in by_seq[CARRIED:]] == ["DAFTAR TUNGGU"] * (RESPONSES - CARRIED)
        assert len(waiting) == RESPONSES - CARRIED and repeated(waiting) == 0
        status = runtime.sheets.column_values(
            settings.worksheets["pendaftar"], settings.columns["status"]
        )
        assert Counter(status) == {"TERVERIFIKASI": CARRIED, "DAFTAR TUNGGU": RESPONSES - CARRIED}
    finally:
        runtime.close()
    with capsys.disabled():
        for job, kills in report.items():
            print(f"\n[reliability: {job} killed] " + "; ".join(kills))
    # The jobs with many steps were each killed in the middle at least once; sync's and
    # compile's sheet writes are one request each: killed before or after it, they are covered
    # by the same end-state checks.
    for job in ("reconcile", "flush", "notify", "rollover"):
        assert any(k.startswith("killed") for k in report[job]), report
