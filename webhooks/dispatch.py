"""Several programs behind one web server: each program's own app, chosen by the path.

- `/webhooks/google-form/<program>`: that program's webhook (its own secret);
- `/<program>/...`: that program's pages and Dinas downloads (its own officers);
- `/healthz`: 200 when every program's app is healthy;
- `/`: the list of programs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from flask import Flask

from webhooks.app import PAGE_HEADERS

WEBHOOK = "/webhooks/google-form/"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ProgramDispatcher:
    """A WSGI app routing to one Flask app per program."""

    def __init__(self, apps: dict[str, Flask], titles: dict[str, str]):
        self.apps, self.titles = apps, titles

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith(WEBHOOK):
            name = path[len(WEBHOOK) :].strip("/")
            if name in self.apps:
                environ["PATH_INFO"] = WEBHOOK.rstrip("/")
                return self.apps[name](environ, start_response)
            return _plain(start_response, "404 Not Found", "no such program")
        if path == "/healthz":
            return self._health(environ, start_response)
        first, _, rest = path.lstrip("/").partition("/")
        if first in self.apps:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + first
            environ["PATH_INFO"] = "/" + rest
            return self.apps[first](environ, start_response)
        if path == "/":
            items = "".join(
                f'<li><a href="/{escape(n)}/">{escape(t)}</a></li>' for n, t in self.titles.items()
            )
            page = (
                '<!doctype html><html lang="id"><meta charset="utf-8">'
                f"<title>Program</title><h1>Program</h1><ul>{items}</ul></html>"
            )
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), *PAGE_HEADERS])
            return [page.encode()]
        return _plain(start_response, "404 Not Found", "no such page")

    def _health(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        bad = []
        for name, app in self.apps.items():
            with app.test_client() as client:
                if client.get("/healthz").status_code != 200:
                    bad.append(name)
        if bad:
            return _plain(start_response, "503 Service Unavailable", "unhealthy: " + ", ".join(bad))
        return _plain(start_response, "200 OK", "ok")


def _plain(start_response: Callable[..., Any], status: str, text: str) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), *PAGE_HEADERS])
    return [text.encode() + b"\n"]
