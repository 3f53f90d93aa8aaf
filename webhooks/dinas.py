"""Downloads for the Dinas: the final list (XLSX, CSV) and the Berita Acara Hasil Verifikasi.

Every route needs an officer's token (HTTP Basic: the officer's name and token, or a Bearer
token); without it, 401 and no data. Every download is written to the audit log: who, when, how
many rows.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from openpyxl import Workbook

from prens.intake.submission import clean_text
from prens.reports import berita_acara as berita
from prens.reports import final
from prens.reports.changes import berita_registrations, decree
from prens.reports.evaluation import budget, evaluate, facts, summary_rows, write_evaluation
from prens.reports.exports import plain_sheet, write_csv
from prens.reports.stats import STATUS_ORDER
from prens.reports.stats import dashboard as numbers
from prens.rules.messages import STATUS_WORDS
from prens.rules.money import rupiah
from prens.runtime import Runtime
from prens.store.officers import Officers
from prens.store.outbox import STATUSES
from webhooks import charts, sign_in
from webhooks.login_limits import failed_login, logins_refused
from webhooks.offices import desa_table

bp = Blueprint("dinas", __name__, url_prefix="/dinas")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def current_runtime() -> Runtime:
    return current_app.extensions["prens"]


def _officer() -> str | None:
    """The officer of this request: from the login session, or HTTP Basic/Bearer. A token sent
    in a header is a sign-in like the form's: limited and counted the same way (429 while this
    client or this name is over its limit, right token or not)."""
    officers: Officers = current_app.extensions["prens.officers"]
    signed = sign_in.signed_in("officer", officers.stamp)
    if signed is not None:
        return signed
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    name, token = _credentials(header)
    logins_refused(name)
    who = officers.who(token, name or None)
    if who is None:
        failed_login(name, request.method)
    return who


def _credentials(header: str) -> tuple[str, str]:
    """(name, token) of an Authorization header: Basic has both, Bearer the token alone."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return "", value.strip()
    if scheme.lower() == "basic":
        try:
            name, _, token = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return name[:200], token
    return "", ""


def _is_page() -> bool:
    """A page an officer opens in the browser (sent to the login page), not a download (401)."""
    return request.method == "GET" and (
        request.endpoint in ("dinas.dashboard", "dinas.evaluasi")
        or (
            str(request.endpoint).startswith("dinas_bpjs.")
            and not request.path.endswith((".xlsx", ".csv"))
        )
    )


@bp.before_request
def authenticate():  # type: ignore[no-untyped-def]
    if request.endpoint in ("dinas.login", "dinas.logout"):
        return None
    g.officer = _officer()
    if g.officer is None and _is_page():
        return redirect(url_for("dinas.login"))
    if g.officer is None:
        return Response(
            "Masuk dengan akun petugas Dinas untuk mengunduh data ini.\n",
            401,
            {
                "WWW-Authenticate": 'Basic realm="Dinas", charset="UTF-8"',
                "Content-Type": "text/plain; charset=utf-8",
            },
        )
    return None


def audit_download(what: str, rows: int) -> None:
    current_runtime().verification().personal_file(
        "download", g.officer, what, rows, datetime.now(UTC), request.remote_addr or "?"
    )


def attachment(data: bytes, name: str, content_type: str) -> Response:
    return Response(
        data,
        content_type=content_type,  # as given: Flask would add a second charset to a mimetype
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _period() -> Any:
    """The budget period of `?periode=` (default: today's); 404 for an unknown one."""
    s = current_runtime().settings
    name = request.args.get("periode", "")[:40]
    today = datetime.now(UTC).astimezone(s.timezone).date()
    period = s.period_chosen(name, today)
    if period is None:
        abort(404)
    return period


@bp.get("/daftar-final.xlsx")
def daftar_final_xlsx() -> Response:
    rt = current_runtime()
    s = rt.settings
    period = _period()
    table, changes = decree(rt.ledger, rt.verification(), s, period, datetime.now(UTC))
    out = io.BytesIO()
    final.write_decree(out, table, changes, s)
    name = _named("daftar-final", period, "xlsx")
    audit_download(name, len(table) - 1)
    return attachment(out.getvalue(), name, XLSX)


@bp.get("/daftar-final.csv")
def daftar_final_csv() -> Response:
    rt = current_runtime()
    period = _period()
    table, _ = decree(rt.ledger, rt.verification(), rt.settings, period, datetime.now(UTC))
    out = io.BytesIO()
    write_csv(out, table)
    name = _named("daftar-final", period, "csv")
    audit_download(name, len(table) - 1)
    return attachment(out.getvalue(), name, "text/csv; charset=utf-8")


def _named(stem: str, period: Any, extension: str) -> str:
    """A download's file name, with its budget period's name when periods are set
    ("daftar-final-2026.xlsx"); the name is the configuration's (safe in a header)."""
    clean = "".join(c for c in str(period.name) if c.isalnum() or c in "-_.")
    return (
        f"{stem}-{clean}.{extension}"
        if period.start is not None and clean
        else f"{stem}.{extension}"
    )


def _berita() -> tuple[berita.Report, str]:
    """The Berita Acara of `?periode=` (default: today's period; everyone, without periods)."""
    rt = current_runtime()
    budget_period = _period()
    tz = rt.settings.timezone
    if budget_period.start is not None:
        now = datetime.now(UTC)
        regs = berita_registrations(rt.ledger, rt.settings, budget_period, now)
        return berita.build(regs, rt.settings, budget_period), (
            f"periode {budget_period.name}: {budget_period.shown()}"
        )
    regs = rt.ledger.in_states(berita.STATES)
    verified = rt.verification().period()
    shown = (
        f"{verified[0].astimezone(tz):%d-%m-%Y} s.d. {verified[1].astimezone(tz):%d-%m-%Y}"
        if verified
        else "belum ada verifikasi"
    )
    return berita.build(regs, rt.settings, budget_period), shown


@bp.get("/berita-acara")
def berita_acara() -> str:
    report, period = _berita()
    rt = current_runtime()
    s = rt.settings
    audit_download("berita-acara", 0)
    return render_template(
        "berita_acara.html",
        report=report,
        period=period,
        money=_period_budget(rt, datetime.now(UTC)),
        program=s.program_name,
        district=s.district,
        rupiah=rupiah,
        today=datetime.now(s.timezone).strftime("%d-%m-%Y"),
    )


@bp.get("/berita-acara.xlsx")
def berita_acara_xlsx() -> Response:
    report, period = _berita()
    s = current_runtime().settings
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Berita Acara")
    ws.column_dimensions["A"].width = 28
    rows: list[list[Any]] = [
        ["BERITA ACARA HASIL VERIFIKASI"],
        [f"Program {s.program_name} — {s.district}"],
        [f"Periode verifikasi: {period}"],
        [],
        ["Kecamatan", *report.states, "Jumlah"],
        *([name, *counts, total] for name, counts, total in report.rows),
        ["Jumlah", *report.totals, report.total],
        [],
        ["Memenuhi syarat (orang)", report.eligible],
        ["Perkiraan anggaran (Rp)", report.budget],
    ]
    if report.target:
        rows.append(["Cakupan terhadap target", report.coverage])
    rows += [[], ["Tim Verifikasi"]]
    rows += [[f"Anggota {i + 1}", "Nama:", "", "NIP/NPP:", "", "Tanda tangan:"] for i in range(3)]
    plain_sheet(ws, rows)
    out = io.BytesIO()
    wb.save(out)
    name = _named("berita-acara", _period(), "xlsx")
    audit_download(name, 0)
    return attachment(out.getvalue(), name, XLSX)


@bp.route("/masuk", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """The officers' login page: name and token; the session is kept on the server."""
    if request.method != "POST":  # GET, and HEAD (which is no login attempt)
        return render_template("masuk.html", error=None, next="")
    officers: Officers = current_app.extensions["prens.officers"]
    name = clean_text(request.form.get("nama", "")).strip()[:80]
    logins_refused(name)  # 429 while this client or this name has failed too often
    who = officers.who(request.form.get("token", "").strip(), name)
    if who is None:
        failed_login(name, request.method)
        return render_template("masuk.html", error="Nama atau token salah.", next=""), 401
    sign_in.start("officer", who, officers.stamp(who))
    return redirect(url_for("dinas.dashboard"))


@bp.route("/keluar", methods=["GET", "POST"])
def logout():  # type: ignore[no-untyped-def]
    """GET: a button to log out; POST (with the CSRF token): the session ends on the server."""
    if request.method != "POST":
        return render_template("keluar.html")
    sign_in.end("officer")
    return redirect(url_for("dinas.login"))


def _period_budget(runtime: Runtime, now: datetime) -> Any:
    """The budget period of `?periode=` (default: today's) and its money so far (None when
    there is no such period)."""
    s = runtime.settings
    if not any(p.start for p in s.periods):
        return None  # one open-ended period: the budget section says it all
    name = request.args.get("periode", "")[:40]
    period = s.period_chosen(name, now.astimezone(s.timezone).date())
    return budget(runtime.engine, s, period, now) if period else None


@bp.get("/dashboard")
def dashboard() -> str:
    runtime = current_runtime()
    now = datetime.now(UTC)
    d = numbers(runtime.engine, runtime.settings, now)
    statuses = [s for s in STATUS_ORDER if any(c.get(s) for c in d.by_kecamatan.values())]
    drawn = {
        "per_day": charts.columns(
            [(day.strftime("%d-%m"), n) for day, n in d.per_day], "Formulir masuk per hari"
        ),
        "funnel": charts.bars(d.funnel, "Tahapan pendaftaran"),
        "kecamatan": charts.stacked(
            dict(sorted(d.by_kecamatan.items())), statuses, "Pendaftar per kecamatan dan status"
        ),
        "corrections": charts.bars(
            [(code, n) for code, _q, n in d.corrections[:8]],
            "Formulir perlu perbaikan menurut kode masalah",
            charts.PALETTE[2],
        ),
    }
    return render_template(
        "dashboard.html",
        d=d,
        charts=drawn,
        statuses=statuses,
        delivery_statuses=[(status, STATUS_WORDS.get(status, status)) for status in STATUSES],
        downloads=runtime.verification().downloads(20),
        desa=desa_table(runtime, None, now.astimezone(runtime.settings.timezone).date()),
        late_days=runtime.settings.offices.late_days,
        timezone=runtime.settings.timezone,
        officer=g.officer,
        max_age=runtime.settings.max_age,
        period=_period_budget(runtime, now),
        periods=[p.name for p in runtime.settings.all_periods()],
        generated=now.astimezone(runtime.settings.timezone).strftime("%d-%m-%Y %H:%M"),
    )


def _evaluation() -> tuple[Any, Any]:
    """The evaluation of `?periode=` (default: today's period); 404 for an unknown one."""
    rt = current_runtime()
    return evaluate(facts(rt.engine), rt.settings, _period(), datetime.now(UTC)), rt.settings


@bp.get("/evaluasi")
def evaluasi() -> str:
    ev, s = _evaluation()
    return render_template(
        "evaluasi.html",
        ev=ev,
        rows=summary_rows(ev, s),
        periods=[p.name for p in s.all_periods()],
        officer=g.officer,
    )


@bp.get("/evaluasi.xlsx")
def evaluasi_xlsx() -> Response:
    ev, s = _evaluation()
    out = io.BytesIO()
    write_evaluation(out, ev, s)
    audit_download(f"evaluasi-{ev.period.name}.xlsx", sum(ev.received.values()))
    return attachment(out.getvalue(), f"evaluasi-{ev.period.name}.xlsx", XLSX)
