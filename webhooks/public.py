"""Pages for citizens and the public: `/cek-status` and `/daftar-penerima`.

Server-rendered, no JavaScript. The NIK travels only in a POST body (URLs end up in logs) and is
never written back into a page. `/cek-status` is rate-limited per client and per NIK, in the
ledger's database, so the limits hold across worker processes.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from prens.intake.submission import clean_text, typed
from prens.reports import citizen
from prens.reports.recipients import recipients
from prens.runtime import Runtime
from prens.store.rate_store import SQLStorage

bp = Blueprint("public", __name__)


def _runtime() -> Runtime:
    return current_app.extensions["prens"]


def nik_key() -> str | None:
    """The per-NIK rate-limit key: a hash of the NIK typed, never the NIK itself. None for what
    is not a NIK: it gets the format message, and a bucket shared by every typo would lock
    every mistyping citizen out."""
    nik = citizen.read_nik(typed(request.form.get("nik", "")))
    return None if nik is None else "nik:" + hashlib.sha256(nik.encode()).hexdigest()[:24]


@bp.get("/")
def home() -> str:
    return render_template("home.html")


@bp.get("/cek-status")
def cek_status_form() -> str:
    return render_template("cek_status.html", answer=None, error=None)


def cek_status() -> tuple[str, int] | str:
    runtime = _runtime()
    settings = runtime.settings
    nik = citizen.read_nik(typed(request.form.get("nik", "")))
    born = citizen.read_birth_date(typed(request.form.get("tanggal_lahir", "")))
    if nik is None or born is None:
        error = (
            "NIK harus 16 angka sesuai KTP."
            if nik is None
            else "Tanggal lahir tidak dapat dibaca. Isi dengan format hari-bulan-tahun."
        )
        return render_template("cek_status.html", answer=None, error=error), 400
    reg = runtime.ledger.for_citizen(nik)
    if reg is None or not citizen.matches(reg, nik, born):
        answer = citizen.not_found(settings)
    else:
        cells = runtime.verification().cells_for([reg.id]).get(reg.id, ({}, ""))[0]
        answer = citizen.explain(reg, cells, settings)
    return render_template("cek_status.html", answer=answer, error=None)


@bp.get("/daftar-penerima")
def daftar_penerima() -> str:
    settings = _runtime().settings
    if not settings.public.recipients_list:
        abort(404)
    query = clean_text(request.args.get("q", ""))[:100]  # a NUL would break PostgreSQL's query
    kecamatan = request.args.get("kecamatan", "")
    places = sorted(k.name for k in settings.region.kecamatan.values())
    if kecamatan not in places:
        kecamatan = ""
    try:
        page_no = int(request.args.get("halaman", "1"))
    except ValueError:
        page_no = 1
    page = recipients(_runtime().engine, query, kecamatan, page_no, settings.public.page_size)
    return render_template(
        "daftar_penerima.html", page=page, q=query, kecamatan=kecamatan, places=places
    )


def refuse(
    window: FixedWindowRateLimiter, namespace: str, over: list[tuple[RateLimitItem, str]]
) -> None:
    """429, with Retry-After until the latest of the windows `over` ends; nothing when empty."""
    if over:
        reset = max(window.get_window_stats(item, namespace, key).reset_time for item, key in over)
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


def rate_limited(
    view: Callable[[], ResponseReturnValue], runtime: Runtime
) -> Callable[[], ResponseReturnValue]:
    """`view`, limited per client and per NIK with the `limits` library on counters kept in the
    ledger's database (prens/store/rate_store.py), so the limits hold across worker processes.

    Only this view pays for it: a rate-limit extension's hooks would run on every request,
    the webhook's included."""
    window = FixedWindowRateLimiter(SQLStorage(engine=runtime.engine))
    public = runtime.settings.public
    per_client, per_nik = parse(public.cek_status_per_client), parse(public.cek_status_per_nik)

    @wraps(view)
    def limited() -> ResponseReturnValue:
        nik = nik_key()
        counters = [(per_client, "client:" + (request.remote_addr or "unknown"))]
        if nik is not None:
            counters.append((per_nik, nik))
        # Every try counts against both limits; the answer waits for the later of the two.
        refuse(window, "cek", [(i, key) for i, key in counters if not window.hit(i, "cek", key)])
        return view()

    return limited


def register(app: Flask, runtime: Runtime) -> None:
    """Add the public pages to `app`, with `/cek-status` rate-limited."""
    app.add_url_rule(
        "/cek-status", "public.cek_status", rate_limited(cek_status, runtime), methods=["POST"]
    )
    app.register_blueprint(bp)
