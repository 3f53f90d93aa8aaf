"""A worker: takes part in the election, and runs the scheduler while it leads.

`prens worker` runs one in the foreground; `prens serve` runs one in a thread beside the web
server. Any number may run on one database: one leads and runs the jobs, the others wait and
take over within `poll_seconds` of the leader's death (PostgreSQL), or of its lease expiring
(SQLite, another machine; at once on the same machine).
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from jobs.election import Leadership
from jobs.scheduler import build_scheduler
from prens.runtime import Runtime

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, runtime: Runtime, poll_seconds: float = 5.0):
        self.runtime, self.poll_seconds = runtime, poll_seconds
        self.leadership = Leadership(runtime.engine)
        self.stopping = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.leadership.worker

    def run(self, delay: float = 0.0) -> None:
        """Poll until stop(): lead when the lead is free, follow otherwise. The first poll
        waits `delay` seconds (a standby that leaves the first election to another worker)."""
        try:
            if delay:
                self.stopping.wait(delay)
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(self.poll_seconds)
        finally:
            self.runtime.stopping.set()  # a job in flight ends early rather than holding us
            self._stand_down()
            self.leadership.release()

    def step(self) -> None:
        leading = self.leadership.poll()
        if leading and self._scheduler is None:
            log.info("worker %s leads: running the scheduled jobs", self.name)
            self._scheduler = build_scheduler(self.runtime, self.name)
            self._scheduler.start()
        elif not leading and self._scheduler is not None:
            log.warning("worker %s no longer leads: stopping its scheduler", self.name)
            self._stand_down()

    def _stand_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)  # jobs in flight finish under their own leases
            self._scheduler = None

    def start(self, delay: float = 0.0) -> None:
        """Run in a thread (beside the web server)."""
        self._thread = threading.Thread(
            target=self.run, args=(delay,), name="prens-worker", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
