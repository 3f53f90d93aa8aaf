"""The APScheduler wiring: one scheduler per deployment, running the jobs on their intervals."""

from __future__ import annotations

import logging

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from jobs.registry import run_job
from prens.errors import PrensError
from prens.runtime import Runtime
from prens.store.job_state import holder_name
from sheets_bridge.base import SheetError

log = logging.getLogger(__name__)


def _on_error(event: JobExecutionEvent) -> None:
    # One place for job failures: log and let the next run try again (every job is re-runnable).
    # A configuration or Google problem is said in one line; anything else with its traceback.
    exc = event.exception
    expected = isinstance(exc, PrensError | SheetError)
    log.error(
        "job %s failed: %s",
        event.job_id,
        exc,
        exc_info=None if expected else (type(exc), exc, exc.__traceback__),
    )


def _run(name: str, runtime: Runtime, worker: str) -> None:
    log.debug(run_job(name, runtime, worker))  # the jobs log what they change


def build_scheduler(runtime: Runtime, worker: str = "") -> BackgroundScheduler:
    """A scheduler running flush, sync, notify and reconcile on their intervals, and compile
    daily."""
    settings = runtime.settings
    worker = worker or holder_name()
    # APScheduler logs every run at INFO: every few seconds for the flush job.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # A failing job is reported once, by _on_error; APScheduler's executor would log it again.
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    scheduler = BackgroundScheduler(
        timezone=settings.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    for name, seconds in (
        ("flush", settings.flush_seconds),
        ("sync", settings.sync_seconds),
        ("notify", settings.notify_seconds),
    ):
        scheduler.add_job(
            _run, "interval", seconds=seconds, args=[name, runtime, worker], id=name, name=name
        )
    if settings.responses.reconcile_minutes:
        scheduler.add_job(
            _run,
            "interval",
            minutes=settings.responses.reconcile_minutes,
            args=["reconcile", runtime, worker],
            id="reconcile",
            name="reconcile",
        )
    hour, minute = (int(x) for x in settings.compile_at.split(":"))
    scheduler.add_job(
        _run,
        "cron",
        hour=hour,
        minute=minute,
        args=["compile", runtime, worker],
        id="compile",
        name="compile",
    )
    # A new budget period begins at midnight: carried over in the first minutes of the day.
    scheduler.add_job(
        _run,
        "cron",
        hour=0,
        minute=5,
        args=["rollover", runtime, worker],
        id="rollover",
        name="rollover",
    )
    # Documents reminders: hourly, so a restart misses none; each is queued once.
    scheduler.add_job(
        _run, "interval", hours=1, args=["reminders", runtime, worker], id="reminders"
    )
    # The BPJS files kept between preview and confirmation hold NIKs: deleted once expired.
    scheduler.add_job(
        _run, "cron", hour=0, minute=15, args=["uploads", runtime, worker], id="uploads"
    )
    scheduler.add_listener(_on_error, EVENT_JOB_ERROR)
    return scheduler
