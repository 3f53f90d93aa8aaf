"""The scheduler runs every job on the configured schedule, and a failing job is logged, not
fatal."""

from __future__ import annotations

import logging
import time

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.scheduler import build_scheduler


def test_every_job_is_scheduled_as_configured(runtime) -> None:  # type: ignore[no-untyped-def]
    scheduler = build_scheduler(runtime)
    jobs = {job.id: job.trigger for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "flush",
        "sync",
        "notify",
        "compile",
        "reconcile",
        "rollover",
        "reminders",
        "uploads",
    }
    s = runtime.settings
    for name, seconds in (
        ("flush", s.flush_seconds),
        ("sync", s.sync_seconds),
        ("notify", s.notify_seconds),
    ):
        assert isinstance(jobs[name], IntervalTrigger)
        assert jobs[name].interval.total_seconds() == seconds
    assert isinstance(jobs["reconcile"], IntervalTrigger)
    assert jobs["reconcile"].interval.total_seconds() == s.responses.reconcile_minutes * 60 == 600
    assert isinstance(jobs["compile"], CronTrigger)
    assert "hour='2'" in str(jobs["compile"]) and "minute='0'" in str(jobs["compile"])
    assert isinstance(jobs["rollover"], CronTrigger)  # a new period: its first minutes
    assert "hour='0'" in str(jobs["rollover"]) and "minute='5'" in str(jobs["rollover"])
    assert jobs["reminders"].interval.total_seconds() == 3600
    assert isinstance(jobs["uploads"], CronTrigger)  # expired BPJS uploads deleted daily
    assert "hour='0'" in str(jobs["uploads"]) and "minute='15'" in str(jobs["uploads"])


def test_the_jobs_run_and_a_failure_is_logged(runtime, caplog) -> None:  # type: ignore[no-untyped-def]
    scheduler = build_scheduler(runtime)
    for job in scheduler.get_jobs():
        job.modify(next_run_time=None)
    runtime.sheets.ensure_worksheet("Pendaftar", ["Lain"])  # a layout the flush refuses
    scheduler.start()
    try:
        with caplog.at_level(logging.ERROR):
            scheduler.get_job("flush").modify(
                next_run_time=__import__("datetime").datetime.now(runtime.settings.timezone)
            )
            deadline = time.monotonic() + 10
            while "job flush failed" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert "job flush failed" in caplog.text and "expects" in caplog.text
