"""Liveness: is the app up and its database usable; a plain page at the root."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from markupsafe import escape

from prens.errors import LedgerError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        current_app.extensions["prens"].ledger.ping()
    except LedgerError:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    settings = current_app.extensions["prens"].settings
    name, district = escape(settings.program_name), escape(settings.district)
    return (
        f'<!doctype html><html lang="id"><meta charset="utf-8">'
        f"<title>{name}</title><h1>{name}</h1>"
        f"<p>Layanan pendaftaran {district} berjalan.</p>"
    ), 200
