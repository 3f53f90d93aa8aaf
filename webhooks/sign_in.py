"""Signed-in sessions of people on the pages, Dinas officers and offices alike: kept on the server
(prens.store.officer_sessions), tied to the account's token by a stamp, so that logging out,
removing the account or giving it a new token ends every copy of the cookie."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, request, session

from prens.runtime import Runtime
from prens.store.officer_sessions import OfficerSessions


def _sessions() -> OfficerSessions:
    return current_app.extensions["prens.officer_sessions"]


def signed_in(key: str, stamp_of: Callable[[str], str | None], prefix: str = "") -> str | None:
    """The account name of the session under `key`, while that session is live and the
    account's stamp still matches; None otherwise. `prefix` tells the kinds of account apart
    in the sessions table."""
    signed = session.get(key)
    if not isinstance(signed, dict):
        return None
    name = str(signed.get("name", ""))
    stamp = stamp_of(name)
    live = _sessions().officer(str(signed.get("sid", "")), datetime.now(UTC))
    if (
        stamp is None
        or not hmac.compare_digest(stamp, str(signed.get("stamp", "")))
        or live != prefix + name
    ):
        return None
    return name


def start(key: str, name: str, stamp: str | None, prefix: str = "") -> None:
    """A new session for the account `name` (the cookie's old content is dropped); audited."""
    now = datetime.now(UTC)
    session.clear()
    session[key] = {"name": name, "stamp": stamp, "sid": _sessions().start(prefix + name, now)}
    runtime: Runtime = current_app.extensions["prens"]
    runtime.verification().log(None, "login", prefix + name, {"ip": request.remote_addr}, now)


def end(key: str, prefix: str = "") -> None:
    """Log out: the session under `key` ends on the server for good; audited."""
    signed = session.get(key)
    if isinstance(signed, dict) and signed.get("sid"):
        now = datetime.now(UTC)
        _sessions().end(str(signed["sid"]), now)
        who = prefix + str(signed.get("name", ""))
        runtime: Runtime = current_app.extensions["prens"]
        runtime.verification().log(None, "logout", who, {"ip": request.remote_addr}, now)
    session.clear()
