"""`prens doctor`: what is wrong with a deployment, in words an operator can act on.

Each check answers OK, PERINGATAN (warning) or MASALAH (error), in Bahasa Indonesia: the
operator is a Dinas officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from jobs.reconcile import measure_lag, source_name
from prens.config import Settings
from prens.errors import LedgerError, PrensError
from prens.reports.evaluation import budget
from prens.rules.lifecycle import APPROVED
from prens.rules.money import rupiah
from prens.rules.offices import DESA
from prens.rules.periods import OPEN_NAME, warnings
from prens.runtime import Runtime
from prens.store.offices import REMINDER, OfficeAccounts, Receipts
from sheets_bridge import sharing
from sheets_bridge.base import SheetError
from sheets_bridge.google import GoogleSheets
from sheets_bridge.setup import worksheet_layouts

OK, WARNING, ERROR = "OK", "PERINGATAN", "MASALAH"


@dataclass(frozen=True)
class Check:
    status: str
    subject: str
    detail: str

    def line(self) -> str:
        return f"[{self.status}] {self.subject}: {self.detail}"


def _configuration(s: Settings) -> Check:
    return Check(OK, "Konfigurasi", f"{s.source} ({s.district}, wilayah {s.region.code})")


def database_unusable(settings: Settings, said: str) -> list[Check]:
    """The checks when the database cannot be opened at all (`said`: the driver's words): the
    others all need it."""
    return [
        _configuration(settings),
        Check(
            ERROR,
            "Basis data",
            f"tidak dapat dibuka ({said}). Periksa [storage] url (atau PRENS_DATABASE_URL), "
            "bahwa server basis data berjalan dan disknya tidak penuh; pemeriksaan lain "
            "memerlukan basis data",
        ),
    ]


def run_checks(runtime: Runtime, now: datetime | None = None) -> list[Check]:
    """Every check, in order; none raises."""
    s = runtime.settings
    now = now or datetime.now(UTC)
    checks = [_configuration(s)]
    try:
        runtime.ledger.ping()
        counts = runtime.ledger.counts_by_status()
        backlog = runtime.ledger.count_pending_flush()
        checks.append(
            Check(
                OK,
                "Basis data",
                f"{sum(counts.values())} pendaftaran tersimpan; "
                f"{backlog} menunggu ditulis ke spreadsheet",
            )
        )
    except LedgerError as exc:
        return database_unusable(s, str(exc))
    counts = runtime.outbox().counts()
    stuck = counts.get("uncertain", 0) + counts.get("failed", 0)
    checks.append(
        Check(
            WARNING if stuck else OK,
            "Notifikasi",
            f"{counts.get('sent', 0)} terkirim, {counts.get('pending', 0)} menunggu, "
            f"{counts.get('failed', 0)} gagal, {counts.get('uncertain', 0)} belum pasti"
            + (" (lihat `prens notifications list --status uncertain`)" if stuck else ""),
        )
    )
    checks += _sheet_checks(runtime)
    checks.append(_reconcile_check(runtime))
    checks.append(_jobs_check(runtime, now))
    checks.append(_periods_check(runtime, now.astimezone(s.timezone).date()))
    checks.append(_offices_check(runtime, now))
    return checks


def _offices_check(runtime: Runtime, now: datetime) -> Check:
    """The office accounts, and documents received at a desa that the sheet has not been told
    of for longer than the sync should take."""
    s = runtime.settings
    accounts = [office for office, _ in OfficeAccounts(runtime.engine).all()]
    desa = sum(1 for o in accounts if o.level == DESA)
    detail = f"{desa} akun desa/kelurahan, {len(accounts) - desa} akun kecamatan"
    found = []
    waiting, oldest = Receipts(runtime.engine).waiting_for_sheet()
    if waiting:
        detail += f"; {waiting} berkas diterima di desa menunggu dicentang di lembar"
        if oldest is not None and (now - oldest).total_seconds() > max(3600, 3 * s.sync_seconds):
            found.append(
                f"yang tertua sejak {oldest.astimezone(s.timezone):%d-%m-%Y %H:%M}: "
                "jalankan `prens jobs run sync` dan periksa log job sync"
            )
    if s.offices.reminder_days and REMINDER not in s.notifications.templates:
        found.append(
            f"pengingat berkas aktif ([offices] reminder_days = {s.offices.reminder_days}) "
            f"tetapi [notifications.templates] {REMINDER} kosong: tidak ada yang dikirim"
        )
    return Check(WARNING if found else OK, "Kantor desa/kecamatan", "; ".join([detail, *found]))


def _periods_check(runtime: Runtime, today: date) -> Check:
    """The budget period of today, and what about the periods needs looking at."""
    s = runtime.settings
    found = warnings(s.periods, today)
    current = s.period_on(today)
    if current is None:
        detail = "hari ini tidak termasuk periode mana pun"
    elif current.name == OPEN_NAME:
        detail = "satu periode tanpa batas waktu ([[periods]] belum diatur)"
    else:
        detail = f"periode {current.name} ({current.shown()})"
    if current is not None and current.budget and current.start is not None:
        money = budget(runtime.engine, s, current, datetime.combine(today, time(12), s.timezone))
        if money.projected > current.budget:
            found.append(
                f"proyeksi sampai akhir periode {rupiah(money.projected)} melebihi pagu "
                f"{rupiah(current.budget)} sebesar {rupiah(money.projected - current.budget)}"
            )
    if current is not None and current.quota:
        members = runtime.ledger.count_in_states(APPROVED)
        detail += f"; {members} dari kuota {current.quota} orang terisi"
        if members > current.quota:
            found.append(
                f"anggota ({members}) melebihi kuota periode {current.name} ({current.quota}): "
                "tidak ada yang dikeluarkan, pendaftar yang disetujui menunggu"
            )
    return Check(WARNING if found else OK, "Periode anggaran", "; ".join([detail, *found]))


def _jobs_check(runtime: Runtime, moment: datetime) -> Check:
    """When each scheduled job last ran, by which worker; a warning when flush has stalled."""
    s = runtime.settings
    try:
        runs = runtime.ledger.jobs.runs()
    except Exception as exc:  # noqa: BLE001 - the doctor reports, never raises
        return Check(ERROR, "Tugas terjadwal", f"riwayat tidak dapat dibaca ({exc})")
    last: dict[str, Any] = {}
    for run in runs:
        last[run.job] = run
    if not last:
        return Check(
            WARNING,
            "Tugas terjadwal",
            "belum pernah berjalan: jalankan `prens serve` atau `prens worker`",
        )
    now = moment.astimezone(UTC).replace(tzinfo=None)
    parts = []
    for job, run in sorted(last.items()):
        at = run.started_at.replace(tzinfo=UTC).astimezone(s.timezone)
        parts.append(f"{job} {at:%d-%m %H:%M}")
    flush = last.get("flush")
    stalled = flush is not None and (now - flush.started_at).total_seconds() > max(
        600, 10 * s.flush_seconds
    )
    detail = "terakhir: " + ", ".join(parts)
    if stalled:
        detail += "; flush tidak berjalan lebih dari 10 menit: periksa `prens worker`"
    return Check(WARNING if stalled else OK, "Tugas terjadwal", detail)


def _reconcile_check(runtime: Runtime) -> Check:
    """The reconcile lag: responses in the form's responses sheet not yet in the ledger."""
    s = runtime.settings
    subject = f"Sheet respons formulir ({s.responses.worksheet})"
    try:
        lag = measure_lag(runtime.ledger, runtime.responses_sheets(), s)
    except (SheetError, PrensError) as exc:
        return Check(ERROR, subject, f"tidak dapat dibaca: {exc}")
    if lag is None:
        if s.sheet_backend == "local":
            return Check(
                OK, subject, "belum ada (isi dengan `prens sheet import-responses FILE.csv`)"
            )
        return Check(
            ERROR,
            subject,
            "tidak ditemukan: periksa [responses] worksheet dan spreadsheet_key di konfigurasi",
        )
    cursor = runtime.ledger.jobs.cursor(source_name(s))
    last = (
        "rekonsiliasi terakhir "
        + cursor.checked_at.astimezone(s.timezone).strftime("%d-%m-%Y %H:%M")
        if cursor
        else "rekonsiliasi belum pernah berjalan"
    )
    detail = (
        f"{lag.responses} respons; {lag.missing} belum masuk basis data"
        + (f" ({lag.overdue} sudah lewat waktu tunggu)" if lag.overdue else "")
        + (f"; {lag.unreadable} baris tanpa stempel waktu" if lag.unreadable else "")
        + f"; {last}"
        + ("; jalankan `prens jobs run reconcile`" if lag.overdue else "")
    )
    return Check(WARNING if lag.overdue or lag.unreadable else OK, subject, detail)


def _sheet_checks(runtime: Runtime) -> list[Check]:
    s = runtime.settings
    try:
        sheets = runtime.sheets
    except SheetError as exc:  # the credentials: missing, unreadable or not a service account's
        return [Check(ERROR, "Kredensial Google", str(exc))]
    out: list[Check] = []
    if s.sheet_backend == "google":
        assert isinstance(sheets, GoogleSheets)
        account = sheets.service_account or "(tidak diketahui)"
        out.append(Check(OK, "Kredensial Google", f"akun layanan {account}"))
        try:
            title = sheets.metadata(refresh=True)["properties"]["title"]
            out.append(Check(OK, "Spreadsheet", f'"{title}" ({s.spreadsheet_key})'))
        except SheetError as exc:
            return out + [
                Check(
                    ERROR,
                    "Spreadsheet",
                    f"tidak dapat dibuka: {exc}. Bagikan spreadsheet ke {account} sebagai Editor.",
                )
            ]
        public: list[dict[str, object]] = []
        try:
            public = sharing.public_permissions(sheets.permissions())
        except SheetError as exc:
            out.append(Check(WARNING, "Berbagi", f"izin tidak dapat dibaca: {exc}"))
        for permission in public:
            status = WARNING if s.allow_public_link else ERROR
            out.append(
                Check(
                    status,
                    "Berbagi",
                    sharing.describe(permission)
                    + (
                        " (allow_public_link = true: data pribadi tetap ditulis)"
                        if s.allow_public_link
                        else ""
                    ),
                )
            )
        if not public:
            out.append(Check(OK, "Berbagi", "hanya akun bernama yang dapat membuka spreadsheet"))
    try:
        names = sheets.worksheet_names()
    except SheetError as exc:
        return out + [Check(ERROR, "Spreadsheet", str(exc))]
    for layout in worksheet_layouts(s):
        if layout.name not in names:
            out.append(
                Check(ERROR, f"Worksheet {layout.name}", "belum ada: jalankan `prens sheet setup`")
            )
            continue
        header = sheets.get_all_values(layout.name)[:1]
        current = header[0] if header else []
        if current[: len(layout.headers)] == layout.headers:
            out.append(Check(OK, f"Worksheet {layout.name}", "kolom sesuai konfigurasi"))
        else:
            missing = [h for h in layout.headers if h not in current]
            out.append(
                Check(
                    ERROR,
                    f"Worksheet {layout.name}",
                    "kolom tidak sesuai konfigurasi"
                    + (f" (tidak ada: {', '.join(missing)})" if missing else " (urutan berbeda)")
                    + "; kembalikan judul kolom di baris 1",
                )
            )
    return out
