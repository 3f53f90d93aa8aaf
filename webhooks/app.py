"""The Flask app factory: no global app; the runtime and secret are passed in."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from prens.runtime import Runtime


def create_app(runtime: Runtime, webhook_secret: bytes, test_config: dict | None = None) -> Flask:
    """Build the web app for one deployment."""
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=runtime.settings.max_body_bytes, JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["prens"] = runtime
    app.extensions["prens.webhook_secret"] = webhook_secret

    from prens.officers import Officers
    from webhooks import dinas, form, health

    app.extensions["prens.officers"] = Officers(runtime.engine)
    app.register_blueprint(form.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(dinas.bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # Machines call the webhook: answer them in JSON, never with an HTML error page.
        if request.path.startswith("/webhooks/") or request.path == "/healthz":
            return jsonify(error=exc.name, message=exc.description), exc.code
        return exc

    return app
