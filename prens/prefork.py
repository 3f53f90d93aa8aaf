"""`prens serve --processes N`: gunicorn runs N web processes on one port (Linux, macOS).

One Python process serves requests on one core at a time (the GIL). Each web process builds the
deployment's app after the fork, with its own database connections. On SQLite, the processes'
writes queue on one lock beside the database file (prens.database).

The web processes run gunicorn's gevent worker: one thread per process, a greenlet per
connection, switching only where a request waits (for the network, for its group commit). With
threads instead (gthread), the thread committing a batch for the others had to win the GIL back
from the process's request threads after each SQLite call, which held the write lock two to
three times as long as the work took; with greenlets it runs its batch to the end unbroken.
Waits that gevent does not see (another process's hold of the SQLite write lock, a download of
the final list) run in gevent's native threads (prens.cooperative), and the loop reads the
sockets between the greenlets' turns sooner than gevent's default (prens.green_loop). Measured
in docs/benchmarks.md.

The scheduled jobs run in a job process of their own (`prens worker`), started first, so that a
flush of thousands of rows does not take the GIL from requests. Each web process keeps a standby
scheduler worker in the same election, whose first poll comes later: if the job process dies,
one of them takes the jobs over.

The first process checks the port, prepares the databases (migrations) and prints the banner;
then it only watches: gunicorn restarts a web process that dies, and SIGTERM or Ctrl-C stops
the web processes (each after the requests it is answering), then the job process.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

from prens.errors import PrensError
from prens.heap import set_aside_startup_objects
from prens.runtime import Runtime

# In a web process: its standby scheduler workers (each holds its runtime), stopped at exit.
_standby: list[Any] = []
STANDBY_DELAY = 15.0  # seconds before a web process's standby worker first polls
WORKER_CONNECTIONS = 1000  # open connections per web process (gunicorn's default)


def _free_port(host: str, port: int) -> int:
    """Check that `host:port` can be listened on; for port 0, the free port the system chose."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise PrensError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        return int(sock.getsockname()[1])


def _stop_process(_arbiter: Any, _worker: Any) -> None:
    """gunicorn's worker_exit hook: stop this process's scheduler workers, then close their
    databases."""
    while _standby:
        worker = _standby.pop()
        worker.stop()
        worker.runtime.close()


def serve_processes(
    config: str,
    host: str,
    port: int,
    processes: int,
    runtimes: dict[str, Runtime],
    dev: dict[str, bool],
    echo: Callable[[str], None],
) -> None:
    """Run gunicorn until SIGTERM or Ctrl-C; `runtimes` (opened here for the migrations and the
    banner) are closed before the web processes start."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError as exc:  # gunicorn is not installed on Windows
        raise PrensError("--processes needs gunicorn, which runs on Linux and macOS") from exc
    from prens.server import _announce

    try:
        port = _free_port(host, port)
        _announce(f"http://{host}:{port}", runtimes, dev, echo, processes)
    finally:
        for runtime in runtimes.values():
            runtime.close()

    class Prefork(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            import gevent
            from gevent.monkey import MonkeyPatchWarning

            from prens.green_loop import NAME

            gevent.config.loop = NAME  # set before the fork, so every web process's hub uses it
            # The worker patches the standard library when it starts, after this process has
            # imported urllib3 (through the Google libraries), which keeps the unpatched
            # `ssl.SSLContext`. HTTPS from a web process still works, but blocks that process
            # while it waits; the only HTTPS a web process makes is a standby scheduler's, when
            # the job process has died. gevent warns about it in every web process.
            warnings.filterwarnings(
                "ignore", "Monkey-patching ssl after ssl", category=MonkeyPatchWarning
            )
            options = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": processes,
                # One thread per process, switching between requests (see the module's doc).
                "worker_class": "gevent",
                "worker_connections": WORKER_CONNECTIONS,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "graceful_timeout": 30,
                "worker_exit": _stop_process,
                "proc_name": "prens",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from jobs.worker import Worker
            from prens.cooperative import declare_gevent_thread
            from webhooks.serving import deployment_app

            declare_gevent_thread()  # gevent has patched this web process; its loop runs here

            app, opened, _dev = deployment_app(config, os.environ, allow_dev_secret=True)
            for runtime in opened.values():
                worker = Worker(runtime)
                worker.start(delay=STANDBY_DELAY)
                _standby.append(worker)
            set_aside_startup_objects()
            return app

    master = os.getpid()
    jobs = subprocess.Popen(
        [sys.executable, "-m", "prens", "--config", config, "worker", "--parent-pid", str(master)]
    )
    try:
        Prefork().run()
    except SystemExit as exc:  # gunicorn's way of saying it has stopped
        if os.getpid() != master:  # a web process leaving (gunicorn has run its exit hook)
            _leave(exc.code)
        if exc.code not in (0, None):
            raise PrensError(f"the web processes stopped with status {exc.code}") from exc
    finally:
        if os.getpid() == master:
            _stop_jobs(jobs)
    echo("stopped")


def _leave(code: object) -> NoReturn:
    """End a web process, as a forked child should: with `os._exit`, after flushing its logs and
    output. A normal interpreter exit there collects the logging handlers after gevent's modules
    are torn down, and each prints an "Exception ignored" traceback (gevent issue 2148)."""
    logging.shutdown()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit((code or 0) & 0xFF)


def _stop_jobs(jobs: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the job process; it ends a job in flight early (notify) or lets it finish."""
    if jobs.poll() is None:
        jobs.terminate()
    try:
        jobs.wait(timeout=60)
    except subprocess.TimeoutExpired:
        jobs.kill()
        jobs.wait()
