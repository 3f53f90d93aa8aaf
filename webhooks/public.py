"""Pages for citizens and the public: `/cek-status` and `/daftar-penerima`.

Server-rendered, no JavaScript. The NIK travels only in a POST body (URLs end up in logs) and is
never written back into a page. `/cek-status` is rate-limited per client and per NIK, in the
ledger's database, so the limits hold across worker processes.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from prens import citizen
from prens.recipients import recipients
from prens.runtime import Runtime

bp = Blueprint("public", __name__)


def _runtime() -> Runtime:
    return current_app.extensions["prens"]


def nik_key() -> str:
    """The per-NIK rate-limit key: a hash of the NIK typed, never the NIK itself."""
    nik = citizen.read_nik(request.form.get("nik", "")) or "invalid"
    return "nik:" + hashlib.sha256(nik.encode()).hexdigest()[:24]


@bp.get("/")
def home() -> str:
    return render_template("home.html")


@bp.get("/cek-status")
def cek_status_form() -> str:
    return render_template("cek_status.html", answer=None, error=None)


def cek_status() -> tuple[str, int] | str:
    runtime = _runtime()
    settings = runtime.settings
    nik = citizen.read_nik(request.form.get("nik", ""))
    born = citizen.read_birth_date(request.form.get("tanggal_lahir", ""))
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
    query = request.args.get("q", "")[:100]
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


def register(app: Flask, runtime: Runtime) -> Limiter:
    """Add the public pages to `app`, with `/cek-status` rate-limited."""
    import prens.rate_store  # noqa: F401  (registers the "prens-sql" storage scheme)

    limits = runtime.settings.public
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri="prens-sql://",
        storage_options={"engine": runtime.engine},  # type: ignore[dict-item]
        strategy="fixed-window",
        headers_enabled=True,
    )
    limited = limiter.limit(limits.cek_status_per_client, methods=["POST"])(
        limiter.limit(limits.cek_status_per_nik, key_func=nik_key, methods=["POST"])(cek_status)
    )
    # On the app, not the blueprint: each app gets its own limiter (and storage).
    app.add_url_rule("/cek-status", "public.cek_status", limited, methods=["POST"])
    app.register_blueprint(bp)
    return limiter
