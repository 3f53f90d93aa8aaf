"""The jobs that can run, by name: `prens jobs run NAME` and the scheduler use the same table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from jobs.compile import compile_final
from jobs.flush import flush
from jobs.notify import notify
from jobs.reconcile import reconcile
from jobs.reminders import remind
from jobs.rollover import rollover
from jobs.sync import sync
from prens.runtime import Runtime
from prens.store.job_state import holder_name
from prens.store.uploads import Uploads

Progressed = Callable[[int, int], None] | None  # (done, total), for a terminal


def _flush(runtime: Runtime, progress: Progressed = None) -> str:
    return flush(
        runtime.ledger, runtime.sheets, runtime.settings, runtime.verification()
    ).ringkasan()


def _compile(runtime: Runtime, progress: Progressed = None) -> str:
    return compile_final(
        runtime.ledger, runtime.sheets, runtime.settings, runtime.verification()
    ).ringkasan()


def _notify(runtime: Runtime, progress: Progressed = None) -> str:
    return notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        runtime.settings,
        runtime.provider(),
        # Shutting down: the pause between messages ends at once, and so does the run.
        sleep=runtime.stopping.wait,
        stopping=runtime.stopping,
        progress=progress,
    ).ringkasan()


def _sync(runtime: Runtime, progress: Progressed = None) -> str:
    return sync(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    ).ringkasan()


def _rollover(runtime: Runtime, progress: Progressed = None) -> str:
    return rollover(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    ).ringkasan()


def _reminders(runtime: Runtime, progress: Progressed = None) -> str:
    return remind(runtime.ledger, runtime.settings).ringkasan()


def _reconcile(runtime: Runtime, progress: Progressed = None) -> str:
    return reconcile(runtime.ledger, runtime.responses_sheets(), runtime.settings).ringkasan()


def _uploads(runtime: Runtime, progress: Progressed = None) -> str:
    deleted = Uploads(runtime.engine).delete_expired(datetime.now(UTC))
    return f"uploads: {deleted} unggahan kedaluwarsa dihapus"


# name -> function(runtime, progress) returning a one-line summary (`progress(done, total)`,
# for a terminal; the jobs whose runs are long use it).
JOBS: dict[str, Callable[[Runtime, Progressed], str]] = {
    "flush": _flush,
    "sync": _sync,
    "compile": _compile,
    "notify": _notify,
    "reconcile": _reconcile,
    "rollover": _rollover,
    "reminders": _reminders,
    "uploads": _uploads,
}


def run_job(name: str, runtime: Runtime, worker: str = "", progress: Progressed = None) -> str:
    """Run job `name` once, now; the run is recorded (job_runs) with `worker`'s name."""
    run_id = runtime.ledger.jobs.run_started(name, worker or holder_name())
    outcome = "failed"
    try:
        outcome = JOBS[name](runtime, progress)
        return outcome
    finally:
        runtime.ledger.jobs.run_finished(run_id, outcome)
