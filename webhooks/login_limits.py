"""Failed officer logins: limited per client and per officer name, in the ledger's database (so
the limits hold across worker processes), and audited. A client or a name over its limit gets
the 429 page until the window ends, right token or not."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from prens.intake.submission import clean_text
from prens.runtime import Runtime
from prens.store.rate_store import SQLStorage
from webhooks.public import refuse

NAMESPACE = "login"


def _limits() -> tuple[FixedWindowRateLimiter, list[tuple[RateLimitItem, str]]]:
    runtime: Runtime = current_app.extensions["prens"]
    window = current_app.extensions.get("prens.login_window")
    if window is None:
        window = FixedWindowRateLimiter(SQLStorage(engine=runtime.engine))
        current_app.extensions["prens.login_window"] = window
    public = runtime.settings.public
    name = clean_text(request.form.get("nama", "")).strip()[:80].casefold()
    keys = [(parse(public.login_failures_per_client), "client:" + (request.remote_addr or "?"))]
    if name:
        keys.append((parse(public.login_failures_per_name), "name:" + name))
    return window, keys


def logins_refused() -> None:
    """Raise 429 when this client, or the name typed, has failed too often lately."""
    window, keys = _limits()
    refuse(window, NAMESPACE, [(i, key) for i, key in keys if not window.test(i, NAMESPACE, key)])


def failed_login(name: str, method: str) -> None:
    """Count a failed login against the client and the name, and audit it. HEAD is not a try."""
    if method == "HEAD":
        return
    window, keys = _limits()
    for item, key in keys:
        window.hit(item, NAMESPACE, key)
    runtime: Runtime = current_app.extensions["prens"]
    runtime.verification().log(
        None,
        "login_failed",
        name or "-",
        {"ip": request.remote_addr, "path": request.path},
        datetime.now(UTC),
    )
    logins_refused()
