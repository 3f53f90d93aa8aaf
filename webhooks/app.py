"""The Flask app factory: no global app; the runtime and secret are passed in."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from prens.rules.messages import message_name
from prens.runtime import Runtime
from prens.store.officer_sessions import OfficerSessions
from prens.store.officers import Officers
from webhooks import bpjs, dinas, errors, form, health, offices, public
from webhooks.charts import number
from webhooks.errors import MACHINE_PATHS

# For the HTML pages: nothing from elsewhere, no script, no framing.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Every page's headers. Pages answer about people: never kept by a browser or a proxy.
PAGE_HEADERS = (
    ("Content-Security-Policy", CSP),
    # Only to this site's own pages: over https the CSRF check compares it with the host.
    ("Referrer-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
)


class PageSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for the pages only: machine requests (the webhook, `/healthz`)
    never carry one, so they get a null session instead of a cookie signer built for nothing."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(MACHINE_PATHS):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when the public address is https, and for any request that came over https
        (behind a trusted proxy: as its X-Forwarded-Proto says)."""
        return bool(super().get_cookie_secure(app) or request.is_secure)


def session_key(webhook_secret: bytes) -> str:
    """The key that signs session cookies and CSRF tokens, the same in every worker process."""
    return hmac.new(webhook_secret, b"prens: flask session", hashlib.sha256).hexdigest()


def create_app(runtime: Runtime, webhook_secret: bytes, test_config: dict | None = None) -> Flask:
    """Build the web app for one deployment."""
    settings = runtime.settings
    app = Flask(__name__)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_AS_ASCII=False,
        SECRET_KEY=session_key(webhook_secret),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=3600,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = PageSessions()
    app.extensions["prens"] = runtime
    app.extensions["prens.webhook_secret"] = webhook_secret
    if settings.public.trusted_proxies:
        # The one mechanism for proxies, under waitress and gunicorn alike: the client's address
        # and scheme from the last `trusted_proxies` X-Forwarded-For and -Proto values
        # (waitress is told to pass these headers through: webhooks.serve).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.public.trusted_proxies, x_proto=1
        )
    app.extensions["prens.officers"] = Officers(runtime.engine)
    app.extensions["prens.officer_sessions"] = OfficerSessions(
        runtime.engine, timedelta(minutes=settings.public.officer_idle_minutes)
    )
    _body_limits(app, runtime)  # before the CSRF check, which reads the form
    csrf = CSRFProtect(app)
    csrf.exempt(form.bp)  # machines sign their requests instead
    app.register_blueprint(form.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(dinas.bp)
    app.register_blueprint(bpjs.bp)
    app.register_blueprint(offices.bp)
    public.register(app, runtime)
    app.add_template_filter(number, "angka")
    app.add_template_filter(message_name, "pesan")

    _page_context_and_headers(app, runtime)
    errors.register(app)
    return app


def _body_limits(app: Flask, runtime: Runtime) -> None:
    """Each route's body limit, set before anything reads a body: the webhook and every page
    keep the small `[webhook] max_body_bytes`; the BPJS uploads take `[bpjs] max_upload_mb`."""
    upload = bpjs.body_limit(runtime.settings)

    @app.before_request
    def _limit() -> None:
        if request.blueprint == bpjs.bp.name:
            request.max_content_length = upload


def _page_context_and_headers(app: Flask, runtime: Runtime) -> None:
    settings = runtime.settings

    @app.context_processor
    def _page_context() -> dict[str, object]:
        return {
            "program": settings.program_name,
            "district": settings.district,
            "form_url": settings.form_url,
            "recipients_list": settings.public.recipients_list,
        }

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        # Every response, JSON and downloads too: a browser never guesses another type.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            for name, value in PAGE_HEADERS:
                response.headers.setdefault(name, value)
        return response
