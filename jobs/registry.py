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


def _flush(runtime: Runtime) -> str:
    return flush(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification()).summary()


def _compile(runtime: Runtime) -> str:
    return compile_final(
        runtime.ledger, runtime.sheets, runtime.settings, runtime.verification()
    ).summary()


def _notify(runtime: Runtime) -> str:
    return notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        runtime.settings,
        runtime.provider(),
        # Shutting down: the pause between messages ends at once, and so does the run.
        sleep=runtime.stopping.wait,
        stopping=runtime.stopping,
    ).summary()


def _sync(runtime: Runtime) -> str:
    return sync(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    ).summary()


def _rollover(runtime: Runtime) -> str:
    return rollover(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    ).summary()


def _reminders(runtime: Runtime) -> str:
    return remind(runtime.ledger, runtime.settings).summary()


def _reconcile(runtime: Runtime) -> str:
    return reconcile(runtime.ledger, runtime.responses_sheets(), runtime.settings).summary()


def _uploads(runtime: Runtime) -> str:
    deleted = Uploads(runtime.engine).delete_expired(datetime.now(UTC))
    return f"uploads: {deleted} expired deleted"


# name -> function(runtime) returning a one-line summary. More jobs join as they are built.
JOBS: dict[str, Callable[[Runtime], str]] = {
    "flush": _flush,
    "sync": _sync,
    "compile": _compile,
    "notify": _notify,
    "reconcile": _reconcile,
    "rollover": _rollover,
    "reminders": _reminders,
    "uploads": _uploads,
}


def run_job(name: str, runtime: Runtime, worker: str = "") -> str:
    """Run job `name` once, now; the run is recorded (job_runs) with `worker`'s name."""
    run_id = runtime.ledger.jobs.run_started(name, worker or holder_name())
    outcome = "failed"
    try:
        outcome = JOBS[name](runtime)
        return outcome
    finally:
        runtime.ledger.jobs.run_finished(run_id, outcome)
