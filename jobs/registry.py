"""The jobs that can run, by name: `prens jobs run NAME` and the scheduler use the same table."""

from __future__ import annotations

from collections.abc import Callable

from jobs.flush import flush
from prens.runtime import Runtime


def _flush(runtime: Runtime) -> str:
    return flush(runtime.ledger, runtime.sheets, runtime.settings).summary()


# name -> function(runtime) returning a one-line summary. More jobs join as they are built.
JOBS: dict[str, Callable[[Runtime], str]] = {
    "flush": _flush,
}


def run_job(name: str, runtime: Runtime) -> str:
    """Run job `name` once, now."""
    return JOBS[name](runtime)
