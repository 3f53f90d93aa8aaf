"""Failed sign-ins: limited per client and per account name, in the ledger's database (so the
limits hold across worker processes), and audited. Every way in counts against the same limits:
the login forms of officers and offices, and HTTP Basic and Bearer tokens sent by scripts. A
client or a name over its limit gets the 429 page until the window ends, right token or not.
Names are counted as they are compared when signing in (prens.rules.names.account_key)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter

from prens.intake.submission import clean_text
from prens.rules.names import account_key
from prens.runtime import Runtime
from prens.store.rate_store import SQLStorage
from webhooks.public import refuse

NAMESPACE = "login"


def _limits(name: str) -> tuple[FixedWindowRateLimiter, list[tuple[RateLimitItem, str]]]:
    runtime: Runtime = current_app.extensions["prens"]
    window = current_app.extensions.get("prens.login_window")
    if window is None:
        window = FixedWindowRateLimiter(SQLStorage(engine=runtime.engine))
        current_app.extensions["prens.login_window"] = window
    public = runtime.settings.public
    key = account_key(clean_text(name))[:80]
    keys = [(parse(public.login_failures_per_client), "client:" + (request.remote_addr or "?"))]
    if key:
        keys.append((parse(public.login_failures_per_name), "name:" + key))
    return window, keys


def logins_refused(name: str) -> None:
    """Raise 429 when this client, or the account name given, has failed too often lately."""
    window, keys = _limits(name)
    refuse(window, NAMESPACE, [(i, key) for i, key in keys if not window.test(i, NAMESPACE, key)])


def failed_login(name: str, method: str) -> None:
    """Count a failed sign-in against the client and the name, and audit it; then raise 429 if
    that was one too many. HEAD is not a try."""
    if method == "HEAD":
        return
    window, keys = _limits(name)
    for item, key in keys:
        window.hit(item, NAMESPACE, key)
    runtime: Runtime = current_app.extensions["prens"]
    runtime.verification().log(
        None,
        "login_failed",
        clean_text(name)[:80] or "-",
        {"ip": request.remote_addr, "path": request.path},
        datetime.now(UTC),
    )
    logins_refused(name)
