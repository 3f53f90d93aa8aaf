"""Pages for desa/kelurahan and kecamatan offices (/kantor): sign-in, the desa's list (with a
printable version) where documents received are recorded, and the kecamatan's table per desa.

An office sees only its own area: names, registration ids, the NIK masked as on the public list
and the last 4 digits of the phone. An office's session is never an officer's: it opens no
/dinas page and no download of personal data.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from prens.intake.submission import clean_text, typed
from prens.privacy import redact
from prens.rules.offices import (
    DESA,
    MISSING_DOCUMENTS,
    AreaTable,
    Line,
    Office,
    all_desa,
    area_name,
    area_table,
    desa_list,
    desa_places,
    late_line,
)
from prens.runtime import Runtime
from prens.store.offices import (
    SESSION_PREFIX,
    OfficeAccounts,
    ReceiptRefused,
    Receipts,
    area_entries,
    area_tallies,
    waiting_longest,
)
from webhooks import sign_in
from webhooks.login_limits import failed_login, logins_refused

bp = Blueprint("kantor", __name__, url_prefix="/kantor")
_ID = re.compile(r"[A-Za-z0-9-]{1,16}")
NOTE_LENGTH = 200


def _runtime() -> Runtime:
    return current_app.extensions["prens"]


def _accounts() -> OfficeAccounts:
    return OfficeAccounts(_runtime().engine)


def _signed_in() -> Office | None:
    name = sign_in.signed_in("office", _accounts().stamp, SESSION_PREFIX)
    return _accounts().get(name) if name is not None else None


@bp.before_request
def authenticate():  # type: ignore[no-untyped-def]
    if request.endpoint in ("kantor.login", "kantor.logout"):
        return None
    g.office = _signed_in()
    if g.office is None:
        return redirect(url_for("kantor.login"))
    return None


def _message(status: int, heading: str, text: str):  # type: ignore[no-untyped-def]
    back = url_for("kantor.home")
    return render_template("message.html", heading=heading, text=text, back=back), status


@bp.route("/masuk", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """The offices' sign-in: name and token, as `prens office add` printed them."""
    if request.method != "POST":
        return render_template("kantor_masuk.html", error=None)
    name = clean_text(request.form.get("nama", "")).strip()[:80]
    logins_refused(name)  # 429 while this client or this name has failed too often
    office = _accounts().who(request.form.get("token", "").strip(), name)
    if office is None:
        failed_login(name, request.method)
        return render_template("kantor_masuk.html", error="Nama kantor atau token salah."), 401
    sign_in.start("office", office.name, _accounts().stamp(office.name), SESSION_PREFIX)
    return redirect(url_for("kantor.home"))


@bp.route("/keluar", methods=["GET", "POST"])
def logout():  # type: ignore[no-untyped-def]
    """GET: a button to sign out; POST (with the CSRF token): the session ends on the server."""
    if request.method != "POST":
        return render_template("keluar.html", action=url_for("kantor.logout"))
    sign_in.end("office", SESSION_PREFIX)
    return redirect(url_for("kantor.login"))


def desa_table(rt: Runtime, office: Office | None, today: date) -> AreaTable:
    """Per desa of the office's area (of the district, for None: the Dinas dashboard), the
    counts a camat or the Dinas chases with, and who has waited longest."""
    s, engine = rt.settings, rt.engine
    late_days = s.offices.late_days
    longest = waiting_longest(engine, office, s.timezone)
    return area_table(
        area_tallies(engine, office, late_line(today, late_days), s.timezone),
        longest,
        all_desa(s.region) if office is None else desa_places(s.region, office),
        today,
        late_days,
        Receipts(engine).of([e.id for e in longest], s.timezone),  # a receipt not complete
    )


def _now() -> datetime:
    return datetime.now(UTC).astimezone(_runtime().settings.timezone)


@bp.get("/")
def home() -> str:
    rt = _runtime()
    office: Office = g.office
    s = rt.settings
    now, late_days = _now(), s.offices.late_days
    title = area_name(s.region, office)
    if office.level != DESA:
        table = desa_table(rt, office, now.date())
        return render_template(
            "kantor_kecamatan.html", title=title, table=table, late_days=late_days
        )
    query = clean_text(request.args.get("q", "")).strip()[:80]
    entries = area_entries(rt.engine, office, s.timezone)
    receipts = Receipts(rt.engine).of([e.id for e in entries], s.timezone)
    people = desa_list(entries, receipts, now.date(), late_days, query)
    page = "kantor_cetak.html" if request.args.get("cetak") == "1" else "kantor_desa.html"
    recorded = request.args.get("dicatat", "")[:16]
    return render_template(
        page,
        title=title,
        people=people,
        query=query,
        recorded=recorded if any(p.receipt and p.id == recorded for p in people) else "",
        complete=request.args.get("lengkap") != "tidak",
        late_days=late_days,
        printed=now.strftime("%d-%m-%Y %H:%M"),
    )


@bp.route("/berkas/<registration_id>", methods=["GET", "POST"])
def receipt(registration_id: str):  # type: ignore[no-untyped-def]
    """GET: confirm that the documents of this registration are here (with what is missing, if
    anything); POST: record it. Refused in words when it is not this desa's, not verified, or
    already recorded."""
    rt = _runtime()
    office: Office = g.office
    if office.level != DESA:
        return _message(403, "Tidak dapat dicatat", "Penerimaan berkas dicatat oleh kantor desa.")
    found = (
        area_entries(rt.engine, office, rt.settings.timezone, ids=[registration_id])
        if _ID.fullmatch(registration_id)
        else []
    )
    if not found:
        # Not echoed: what was typed in the address may be a NIK.
        text = "Pendaftaran ini tidak ada dalam daftar kantor ini. Periksa ID pendaftarannya."
        return _message(404, "Pendaftaran tidak ditemukan", text)
    entry = found[0]
    if request.method != "POST":
        s = rt.settings
        receipts = Receipts(rt.engine).of([entry.id], s.timezone)
        people = desa_list([entry], receipts, _now().date(), s.offices.late_days)
        line = (people.waiting + people.received + people.others)[0]
        return _receipt_form(line)
    complete = request.form.get("lengkap") == "ya"
    missing = [d for d in MISSING_DOCUMENTS if d in request.form.getlist("kurang")]
    # What the office types is shown on its pages: a NIK or phone number in it is hidden.
    # Full-width digits as plain ones (NFKC) first: a NIK typed so is hidden as any other.
    typed_note = " ".join(typed(request.form.get("catatan", "")).split())
    said = [f"{d} belum dibawa" for d in missing] if not complete else []
    note = redact("; ".join([*said, typed_note] if typed_note else said)[:NOTE_LENGTH])
    if request.form.get("lengkap") not in ("ya", "tidak"):
        return _message(400, "Belum dipilih", "Pilih dulu: berkas lengkap atau belum lengkap.")
    if not complete and not note:
        return _message(
            400,
            "Apa yang kurang?",
            "Berkas belum lengkap: centang atau tulis apa yang masih kurang.",
        )
    try:
        Receipts(rt.engine).record(office, entry.id, note, datetime.now(UTC), complete)
    except ReceiptRefused as exc:
        return _message(409, "Tidak dapat dicatat", str(exc))
    return redirect(url_for("kantor.home", dicatat=entry.id, lengkap="ya" if complete else "tidak"))


def _receipt_form(line: Line) -> str:
    return render_template(
        "kantor_berkas.html", line=line, note_length=NOTE_LENGTH, documents=MISSING_DOCUMENTS
    )
