"""The BPJS round trip for officers without a command line (/dinas/bpjs): the enrolment file,
the branch's result file uploaded, previewed and confirmed (once), and the monthly bill checked.
Every page needs a signed-in officer; every file with personal data is an audited download."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from prens.config import Settings
from prens.errors import PrensError
from prens.intake.bpjs_files import bill_lines, import_lines, max_bytes
from prens.intake.submission import clean_text, typed
from prens.intake.tables import FileRefused, NotASpreadsheet
from prens.privacy import redact
from prens.reports import bpjs as files
from prens.rules.bpjs import bill as billing
from prens.rules.bpjs import numbers_in
from prens.rules.identity import shown_nik
from prens.store.uploads import Upload, Uploads
from sheets_bridge.base import SheetError
from sheets_bridge.membership import apply_import, import_plan
from webhooks.dinas import XLSX, attachment, audit_download, authenticate, current_runtime

bp = Blueprint("dinas_bpjs", __name__, url_prefix="/dinas/bpjs")
bp.before_request(authenticate)
SHOWN = 500  # lines listed on a page; the XLSX report has them all


def body_limit(settings: Settings) -> int:
    """The largest request body of these pages: the file, and room for the form around it."""
    return max_bytes(settings) + 64 * 1024


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    limit = current_runtime().settings.bpjs.max_upload_mb
    return _message(413, "Berkas terlalu besar", f"Berkas lebih dari {limit} MB. Bagi berkasnya.")


def _message(status: int, heading: str, text: str) -> tuple[str, int]:
    back = url_for("dinas_bpjs.index")
    return render_template("message.html", heading=heading, text=text, back=back), status


def _uploads() -> Uploads:
    return Uploads(current_runtime().engine)


def _uploaded() -> tuple[str, bytes] | None:
    """The uploaded file's name and content (None: no file chosen)."""
    file = request.files.get("berkas")
    if file is None or not file.filename:
        return None
    # Shown on the pages and kept in the audit log: no control characters (a NUL would fail the
    # statement on PostgreSQL) and no bidirectional overrides that would disguise it.
    name = clean_text(file.filename).strip()[-200:]
    if not name.lower().endswith((".xlsx", ".csv", ".xls")):  # .xls: told to save as .xlsx
        raise NotASpreadsheet(name)
    return name, file.read()


@bp.errorhandler(NotASpreadsheet)
def _not_a_spreadsheet(exc: NotASpreadsheet) -> tuple[str, int]:
    text = f"{exc.args[0]}: hanya berkas .xlsx atau .csv yang dapat dibaca."
    return render_template("bpjs.html", officer=g.officer, error=text), 400


@bp.get("/")
def index() -> str:
    return render_template("bpjs.html", officer=g.officer, error=None)


@bp.get("/ekspor.xlsx")
def ekspor() -> Response:
    rt = current_runtime()
    table, text = files.enrolment_table(rt.ledger, rt.verification(), rt.settings)
    out = io.BytesIO()
    files.write_enrolment(out, table, text)
    audit_download("bpjs-pendaftaran.xlsx", len(table) - 1)
    return attachment(out.getvalue(), "pendaftaran-bpjs.xlsx", XLSX)


# -- membership numbers in ----------------------------------------------------------------


def _import_lines(upload: Upload) -> tuple[list[numbers_in.ImportLine], bool]:
    """The lines an officer uploaded, and whether they accepted names that differ."""
    lines = [numbers_in.ImportLine.from_dict(d) for d in upload.lines]
    return lines, bool(upload.options.get("accept_name_mismatch"))


@bp.route("/impor", methods=["GET", "POST"])
def impor():  # type: ignore[no-untyped-def]
    """GET: the upload form; POST: the file read and kept, then its preview."""
    if request.method != "POST":
        return redirect(url_for("dinas_bpjs.index"))
    rt = current_runtime()
    got = _uploaded()
    if got is None:
        return render_template("bpjs.html", officer=g.officer, error="Pilih berkas dulu."), 400
    name, data = got
    try:
        lines = import_lines(data, rt.settings)
    except FileRefused as exc:
        return render_template("bpjs.html", officer=g.officer, error=f"{name}: {exc}"), 400
    accept = request.form.get("terima_nama_berbeda") == "ya"
    upload_id = _uploads().save(
        "import",
        name,
        g.officer,
        {"accept_name_mismatch": accept},
        [line.as_dict() for line in lines],
        datetime.now(UTC),
    )
    return redirect(url_for("dinas_bpjs.pratinjau", upload_id=upload_id))


def _own(upload_id: str, kind: str) -> Upload:
    upload = _uploads().get(upload_id, kind, datetime.now(UTC))
    if upload is None or upload.officer != g.officer:
        abort(404)
    return upload


def _rows(outcomes: list[numbers_in.Outcome], applied: bool) -> list[dict[str, Any]]:
    labels = numbers_in.labels(applied)
    return [
        {
            "row": o.line.row,
            "nik": shown_nik(o.line.nik.nik),
            # The file's own cells, as typed at the branch: a personal number in the wrong
            # column is hidden as the NIK is masked.
            "number": redact(o.line.number),
            "outcome": labels[o.code],
            "code": o.code,
            "detail": redact(o.detail),
            "id": o.registration_id,
        }
        for o in outcomes[:SHOWN]
    ]


def _counts(outcomes: list[numbers_in.Outcome], applied: bool) -> list[tuple[str, int, str]]:
    labels = numbers_in.labels(applied)
    return [
        (labels[c], n, numbers_in.ADVICE[c]) for c, n in numbers_in.counts(outcomes).items() if n
    ]


def _import_page(upload: Upload | None, outcomes: list[numbers_in.Outcome], applied: bool) -> str:
    """The preview of an import, or what its confirmation applied."""
    settings = current_runtime().settings
    return render_template(
        "bpjs_impor.html",
        upload=upload,
        applied=applied,
        rows=_rows(outcomes, applied),
        counts=_counts(outcomes, applied),
        total=len(outcomes),
        to_set=sum(o.sets for o in outcomes),
        shown=SHOWN,
        officer=g.officer,
        sync_seconds=settings.sync_seconds,
        tz=settings.timezone,
    )


@bp.get("/impor/<upload_id>")
def pratinjau(upload_id: str) -> str:
    rt = current_runtime()
    upload = _own(upload_id, "import")
    lines, accept = _import_lines(upload)
    outcomes = import_plan(rt.ledger, rt.sheets, rt.settings, lines, accept)
    return _import_page(upload, outcomes, applied=False)


@bp.post("/impor/<upload_id>/terapkan")
def terapkan(upload_id: str):  # type: ignore[no-untyped-def]
    """Apply a previewed import: once. A second confirmation applies nothing more."""
    rt = current_runtime()
    upload = _own(upload_id, "import")
    now = datetime.now(UTC)
    uploads = _uploads()
    if not uploads.claim(upload.id, g.officer, now):
        return redirect(url_for("dinas_bpjs.pratinjau", upload_id=upload.id))
    lines, accept = _import_lines(upload)
    applied = False
    try:
        outcomes = apply_import(
            rt.ledger,
            rt.sheets,
            rt.settings,
            rt.verification(),
            lines,
            accept,
            g.officer,
            upload.file_name,
            now,
        )
        applied = True
    except SheetError:
        return _message(
            503,
            "Nomor belum ditulis",
            "Lembar verifikasi tidak dapat ditulis saat ini. Tidak ada yang berubah; "
            "coba terapkan lagi beberapa menit lagi.",
        )
    finally:
        if not applied:
            # Whatever failed (the sheet, the database): the officer may confirm again, and
            # that plans again against the sheet, so no number is set twice.
            uploads.release(upload.id)
    return _import_page(uploads.get(upload.id, "import", now), outcomes, applied=True)


@bp.get("/impor/<upload_id>/laporan.xlsx")
def laporan_impor(upload_id: str) -> Response:
    rt = current_runtime()
    upload = _own(upload_id, "import")
    lines, accept = _import_lines(upload)
    outcomes = import_plan(rt.ledger, rt.sheets, rt.settings, lines, accept)
    out = io.BytesIO()
    files.write_import_report(out, outcomes, False, upload.file_name)
    audit_download("bpjs-laporan-impor.xlsx", len(outcomes))
    return attachment(out.getvalue(), "laporan-impor-bpjs.xlsx", XLSX)


# -- the monthly bill -----------------------------------------------------------------------


@bp.post("/tagihan")
def tagihan():  # type: ignore[no-untyped-def]
    rt = current_runtime()
    month = typed(request.form.get("bulan", ""))[:10]
    got = _uploaded()
    try:
        files.month_bounds(month)
    except PrensError as exc:
        return render_template("bpjs.html", officer=g.officer, error=str(exc)), 400
    if got is None:
        return render_template("bpjs.html", officer=g.officer, error="Pilih berkas tagihan."), 400
    name, data = got
    try:
        lines = bill_lines(data, rt.settings)
    except FileRefused as exc:
        return render_template("bpjs.html", officer=g.officer, error=f"{name}: {exc}"), 400
    stored = [line.as_dict() for line in lines]
    now = datetime.now(UTC)
    upload_id = _uploads().save("bill", name, g.officer, {"month": month}, stored, now)
    result = _bill(upload_id)[1]
    rt.verification().log(
        None,
        "bpjs_bill",
        g.officer,
        {
            "file": name,
            "month": month,
            "rows": len(lines),
            "billed": result.billed,
            "expected": result.expected,
        },
        now,
    )
    return redirect(url_for("dinas_bpjs.tagihan_hasil", upload_id=upload_id))


def _bill(upload_id: str) -> tuple[Upload, billing.BillCheck]:
    rt = current_runtime()
    upload = _own(upload_id, "bill")
    lines = [billing.BillLine.from_dict(d) for d in upload.lines]
    month = str(upload.options["month"])
    return upload, files.check_bill(rt.ledger, rt.verification(), rt.settings, lines, month)


@bp.get("/tagihan/<upload_id>")
def tagihan_hasil(upload_id: str) -> str:
    upload, result = _bill(upload_id)
    month = str(upload.options["month"])
    settings = current_runtime().settings
    problems = [line for line in result.lines if line.codes != (billing.OK,)]
    return render_template(
        "bpjs_tagihan.html",
        upload=upload,
        month=month,
        summary=files.bill_summary(result, month, settings.contribution_per_month),
        counts=[
            (billing.OUTCOMES[c], n, billing.ADVICE[c]) for c, n in result.counts().items() if n
        ],
        problems=[
            {
                "row": line.row or "",
                "nik": shown_nik(line.nik),
                "outcome": "; ".join(billing.OUTCOMES[c] for c in line.codes),
                "detail": redact(line.detail),
                "id": line.registration_id,
            }
            for line in problems[:SHOWN]
        ],
        more=max(0, len(problems) - SHOWN),
        officer=g.officer,
    )


@bp.get("/tagihan/<upload_id>/laporan.xlsx")
def tagihan_laporan(upload_id: str) -> Response:
    upload, result = _bill(upload_id)
    settings = current_runtime().settings
    out = io.BytesIO()
    files.write_bill_report(
        out,
        result,
        str(upload.options["month"]),
        settings.contribution_per_month,
        upload.file_name,
    )
    audit_download("bpjs-pemeriksaan-tagihan.xlsx", len(result.lines))
    return attachment(out.getvalue(), "pemeriksaan-tagihan-bpjs.xlsx", XLSX)
