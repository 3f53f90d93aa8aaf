"""`prens serve`: waitress serving the app, and the scheduler, in one process."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

from waitress.server import create_server

from jobs.worker import Worker
from prens.runtime import Runtime
from prens.signing import load_secret
from webhooks import create_app

log = logging.getLogger(__name__)


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _check_sharing(runtime: Runtime, echo: Callable[[str], None]) -> None:
    """At start-up, say loudly if the spreadsheet is shared by link. Intake goes on either way
    (it never waits for Google); the flush refuses to write until it is fixed."""
    from sheets_bridge.base import SheetError
    from sheets_bridge.sharing import SharedPublicly

    try:
        runtime.sheets.guard_sharing()  # type: ignore[attr-defined]
    except SharedPublicly as exc:
        echo(f"  ERROR: {exc}")
        echo("  Registrations are received and kept, but not written to the sheet until then.")
    except SheetError as exc:
        echo(f"  WARNING: the spreadsheet could not be checked: {exc}")


def run_server(
    runtime: Runtime, host: str, port: int, threads: int, echo: Callable[[str], None] = print
) -> None:
    """Serve until SIGTERM or Ctrl-C, then stop the scheduler and close the database cleanly."""
    settings = runtime.settings
    secret, is_dev = load_secret(os.environ, settings.data_dir, allow_dev=True)
    app = create_app(runtime, secret)
    server = create_server(app, host=host, port=port, threads=threads, ident="prens")
    worker = Worker(runtime)
    url = f"http://{host}:{server.effective_port}"  # type: ignore[union-attr]
    echo(f"Lindungi Prens ({settings.district}) serving on {url}")
    echo(f"  webhook:  {url}/webhooks/google-form")
    echo(f"  ledger:   {settings.database_url.split('@')[-1]}")
    echo(f"  sheet:    {settings.sheet_backend}")
    if settings.sheet_backend == "google":
        _check_sharing(runtime, echo)
    if is_dev:
        echo(
            f"  development webhook secret (set PRENS_WEBHOOK_SECRET in production): "
            f"{secret.decode()}"
        )
    # waitress warns at every request that waits for a free thread: under load, one log line per
    # request, and its cost, for what the queue handles by design.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _stop)
    worker.start()  # runs the scheduled jobs while it leads (one process on a database does)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping")
    finally:
        worker.stop()
        server.close()
        runtime.close()
        echo("stopped")
