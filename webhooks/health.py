"""Liveness: is the app up and its database usable. (The root, `/`, is the citizens' home page:
webhooks.public.)"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from prens.errors import LedgerError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        current_app.extensions["prens"].ledger.ping()
    except LedgerError:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200
