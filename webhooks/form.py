"""The Google Form webhook (contract: the README's "What the service answers"): signed JSON in,
stored, status out."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from prens.errors import LedgerError, PayloadError, ResponseChanged
from prens.intake.receive import receive
from prens.intake.signing import signature_ok
from prens.intake.submission import parse_submission
from prens.runtime import Runtime

bp = Blueprint("form", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


def _error(status: int, error: str, message: str):  # type: ignore[no-untyped-def]
    return jsonify(error=error, message=message), status


@bp.post("/google-form")
def google_form():  # type: ignore[no-untyped-def]
    runtime: Runtime = current_app.extensions["prens"]
    settings = runtime.settings
    if (request.content_length or 0) > settings.max_body_bytes:
        return _error(413, "too_large", f"body over {settings.max_body_bytes} bytes")
    if request.mimetype != "application/json":
        return _error(415, "unsupported_media_type", "Content-Type must be application/json")
    body = request.get_data(cache=False)  # over the limit without a length: 413 from Flask
    if not signature_ok(
        current_app.extensions["prens.webhook_secret"],
        request.headers.get("X-Prens-Timestamp"),
        request.headers.get("X-Prens-Signature"),
        body,
        time.time(),
        settings.max_clock_skew_seconds,
    ):
        # One line, no header values: they are whatever anyone sent.
        log.warning("webhook: refused a request without a valid signature (401)")
        return _error(
            401,
            "bad_signature",
            "missing or wrong X-Prens-Signature, or X-Prens-Timestamp too far from now",
        )
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        return _error(400, "bad_json", "body is not valid UTF-8 JSON")
    try:
        submission = parse_submission(decoded, settings.timezone, settings.date_order)
    except PayloadError as exc:
        return _error(400, "bad_payload", str(exc))
    try:
        result = receive(runtime.ledger, settings, submission, datetime.now(UTC))
    except ResponseChanged as exc:
        # An edited form response ("allow response editing" on): the first answers stay, and the
        # Apps Script fails loudly so that the form's owner hears of it. One line, no answers.
        log.warning("webhook: response %s sent again with other answers (409)", exc.registration_id)
        return _error(
            409,
            "response_changed",
            f"this responseId is stored as {exc.registration_id} with other answers; edits are "
            "not taken: the citizen sends a new response instead",
        )
    except (LedgerError, SQLAlchemyError):
        log.exception("submission could not be stored")
        # Not the client's fault: the Apps Script logs it and the reconcile job recovers it.
        return _error(503, "unavailable", "the ledger is unavailable; try again later")
    return jsonify(result.response()), 200
