"""Errors in words at the web edge: JSON for machines, a page in Bahasa Indonesia for people.

No person ever gets werkzeug's English error page or a traceback. A database or a sheet that
cannot be read or written is a 503 that says to try again (and its traceback goes to the log,
which holds no personal data: see prens/privacy and prens/store/database); any other failure
is a 500 page in words, logged by Flask with its traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from sheets_bridge.base import SheetError, SheetsUnavailable

log = logging.getLogger(__name__)
MACHINE_PATHS = ("/webhooks/", "/healthz")

# Heading and text of the page for each status a person may meet.
PAGES = {
    400: ("Permintaan tidak dapat dibaca", "Muat ulang halaman, lalu coba lagi."),
    403: ("Tidak diizinkan", "Anda tidak memiliki akses ke halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat ini tidak ada."),
    405: (
        "Halaman tidak dapat dibuka dengan cara ini",
        "Buka halaman ini dari tautan atau tombol di halaman layanan.",
    ),
    413: ("Kiriman terlalu besar", "Kirim berkas atau isian yang lebih kecil."),
    429: (
        "Terlalu banyak percobaan",
        "Anda sudah terlalu sering mencoba. Tunggu beberapa menit, lalu coba lagi.",
    ),
    500: (
        "Terjadi kesalahan",
        "Permintaan Anda tidak dapat diselesaikan. Coba lagi beberapa menit lagi; jika masih "
        "terjadi, hubungi Dinas.",
    ),
}
OTHER = ("Permintaan tidak dapat diproses", "Muat ulang halaman, lalu coba lagi.")
DATABASE_DOWN = (
    "Layanan sedang terganggu",
    "Data tidak dapat dibaca atau disimpan saat ini. Coba lagi beberapa menit lagi.",
)
SHEET_DOWN = (
    "Lembar verifikasi tidak dapat dibuka",
    "Lembar verifikasi tidak dapat dibaca atau ditulis saat ini. Coba lagi beberapa menit lagi.",
)
SHEET_WRONG = (
    "Lembar verifikasi tidak sesuai",
    "Lembar verifikasi tidak sesuai konfigurasi (lembar atau kolomnya tidak ditemukan). Minta "
    "operator menjalankan `prens doctor`, lalu coba lagi.",
)


def page(status: int, heading: str, text: str) -> tuple[str, int]:
    return render_template("message.html", heading=heading, text=text, back=None), status


def _unavailable(words: tuple[str, str]) -> ResponseReturnValue:
    """503: JSON for machines, `words` for people."""
    if request.path.startswith(MACHINE_PATHS):
        return jsonify(error="unavailable", message="try again later"), 503
    return page(503, *words)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> ResponseReturnValue:
        return page(
            400,
            "Formulir kedaluwarsa",
            "Halaman ini sudah terlalu lama dibuka atau dibuka dari tempat lain. "
            "Muat ulang halaman, lalu isi kembali.",
        )

    @app.errorhandler(SQLAlchemyError)
    def _database(exc: SQLAlchemyError) -> ResponseReturnValue:
        log.error("%s %s: the database failed", request.method, request.path, exc_info=exc)
        return _unavailable(DATABASE_DOWN)

    @app.errorhandler(SheetError)
    def _sheet(exc: SheetError) -> ResponseReturnValue:
        log.error("%s %s: the sheet failed: %s", request.method, request.path, exc)
        words = SHEET_DOWN if isinstance(exc, SheetsUnavailable) else SHEET_WRONG
        return _unavailable(words)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        # Machines call the webhook: answer them in JSON, never with an HTML error page.
        retry = {k: v for k, v in exc.get_headers() if k == "Retry-After"}
        if request.path.startswith(MACHINE_PATHS):
            if exc.code == 429:
                return jsonify(error="too_many_requests", message="slow down"), 429, retry
            return jsonify(error=exc.name, message=exc.description), exc.code or 500
        body, status = page(exc.code or 500, *PAGES.get(exc.code or 500, OTHER))
        return body, status, retry
