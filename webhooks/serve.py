"""Serving a deployment: its WSGI app (one program's Flask app, or a dispatcher over several), and
waitress serving it in one process (`prens serve`). gunicorn serves the same app from
webhooks.wsgi."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from waitress.server import BaseWSGIServer, create_server

from prens.deployment import load_deployment, program_secret
from prens.errors import PrensError
from prens.runtime import Runtime, open_runtime
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


def waitress_server(app: Any, host: str, port: int, threads: int) -> BaseWSGIServer:
    """waitress listening on host:port with `threads` request threads (PrensError if it cannot)."""
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="prens",
            # X-Forwarded-* reach the app, which believes them only from `[public]
            # trusted_proxies` (ProxyFix, as under gunicorn); waitress would drop them.
            clear_untrusted_proxy_headers=False,
        )
    except OSError as exc:
        raise PrensError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    # waitress warns at every request that waits for a free thread: under load, one log line per
    # request, and its cost, for what the queue handles by design.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return server  # type: ignore[return-value]
