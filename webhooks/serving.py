"""Build the web app of a deployment: one program's Flask app, or a dispatcher over several."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prens.deployment import load_deployment, program_secret
from prens.runtime import Runtime, open_runtime
from webhooks.app import create_app
from webhooks.dispatch import ProgramDispatcher


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
