"""Serving a deployment: its WSGI app (one program's Flask app, or a dispatcher over several), and
`prens serve`: waitress serving it, and the scheduler, in one process."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

from waitress.server import create_server

from jobs.worker import Worker
from prens.deployment import load_deployment, program_secret
from prens.errors import PrensError
from prens.intake.signing import DEV_SECRET_FILE
from prens.runtime import Runtime, open_runtime
from sheets_bridge.base import SheetError
from webhooks.app import create_app
from webhooks.dispatch import ProgramDispatcher

log = logging.getLogger(__name__)


def deployment_app(
    config: str, env: Mapping[str, str], allow_dev_secret: bool
) -> tuple[Any, dict[str, Runtime], dict[str, bool]]:
    """(the WSGI app, each program's runtime, whether each secret is a development one)."""
    deployment = load_deployment(config, env)
    runtimes: dict[str, Runtime] = {}
    apps = {}
    dev: dict[str, bool] = {}
    for name, settings in deployment.programs.items():
        runtime = open_runtime(settings)
        secret, dev[name] = program_secret(deployment, name, env, allow_dev_secret)
        runtimes[name] = runtime
        # Several programs on one host: a session cookie each, so logins do not collide.
        apps[name] = create_app(
            runtime, secret, {"SESSION_COOKIE_NAME": f"prens-{name}"} if name else None
        )
    if deployment.single:
        return apps[""], runtimes, dev
    titles = {n: s.district for n, s in deployment.programs.items()}
    return ProgramDispatcher(apps, titles), runtimes, dev


def _stop(signum: int, _frame: FrameType | None) -> None:
    # A second SIGTERM (a supervisor's, or `timeout` forwarding one) must not cut the shutdown.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)


def _check_sharing(runtime: Runtime, echo: Callable[[str], None]) -> None:
    """At start-up, say loudly if the spreadsheet is shared by link. Intake goes on either way
    (it never waits for Google); the flush refuses to write until it is fixed."""
    from sheets_bridge.sharing import SharedPublicly

    try:
        runtime.sheets.guard_sharing()  # type: ignore[attr-defined]
    except SharedPublicly as exc:
        echo(f"  ERROR: {exc}")
        echo("  Registrations are received and kept, but not written to the sheet until then.")
    except SheetError as exc:
        echo(f"  WARNING: the spreadsheet could not be checked: {exc}")


def _announce(
    url: str,
    runtimes: dict[str, Runtime],
    dev: dict[str, bool],
    echo: Callable[[str], None],
) -> None:
    single = list(runtimes) == [""]
    names = ", ".join(rt.settings.district for rt in runtimes.values())
    echo(f"Lindungi Prens ({names}) serving on {url}")
    for name, runtime in runtimes.items():
        settings = runtime.settings
        prefix = "" if single else f"/{name}"
        if not single:
            echo(f"  program {name} ({settings.district}):")
        echo(f"  webhook:  {url}/webhooks/google-form{prefix and '/' + name}")
        echo(f"  pages:    {url}{prefix}/cek-status")
        echo(f"  ledger:   {settings.database_url.split('@')[-1]}")
        echo(f"  sheet:    {settings.sheet_backend}")
        if settings.sheet_backend == "google":
            _check_sharing(runtime, echo)
        if dev[name]:
            secret = (settings.data_dir / DEV_SECRET_FILE).read_text(encoding="utf-8").strip()
            echo(
                "  development webhook secret (set PRENS_WEBHOOK_SECRET"
                f"{'' if single else '_' + name.upper().replace('-', '_')} in production): "
                f"{secret}"
            )


def run_server(
    config: str,
    host: str,
    port: int,
    threads: int,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve a deployment (one program, or several) until SIGTERM or Ctrl-C, with a worker per
    program taking part in its scheduler election; then stop them and close the databases."""
    app, runtimes, dev = deployment_app(config, os.environ, allow_dev_secret=True)
    try:
        for runtime in runtimes.values():
            runtime.sheets  # noqa: B018 - credentials refused at start, in words
    except SheetError as exc:
        for runtime in runtimes.values():
            runtime.close()
        raise PrensError(str(exc)) from exc
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="prens")
    except OSError as exc:
        for runtime in runtimes.values():
            runtime.close()
        raise PrensError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    workers = [Worker(runtime) for runtime in runtimes.values()]
    _announce(f"http://{host}:{server.effective_port}", runtimes, dev, echo)  # type: ignore[union-attr]
    # waitress warns at every request that waits for a free thread: under load, one log line per
    # request, and its cost, for what the queue handles by design.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _stop)
    for worker in workers:
        worker.start()  # runs the jobs while it leads (one process per database does)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping")
    finally:
        for worker in workers:
            worker.stop()
        server.close()
        for runtime in runtimes.values():
            runtime.close()
        echo("stopped")
