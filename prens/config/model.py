"""The settings of one program, as read from its TOML file: what each part of the service is
configured with (prens.config.load reads and checks them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from prens.rules.periods import Period, open_period, period_on
from prens.rules.regions import Region

FIELDS = (
    "nama",
    "nik",
    "kk",
    "tanggal_lahir",
    "jenis_kelamin",
    "telepon",
    "kecamatan",
    "desa",
    "alamat",
    "pekerjaan",
    "persetujuan",
)
REQUIRED_FIELDS = ("nama", "nik", "kk", "tanggal_lahir", "telepon", "kecamatan", "desa")
VERIFIER_ROLES = (
    "verification",
    "documents",
    "membership_number",
    "rejection_reason",
    "note",
    "end_reason",  # why a membership ends (a dropdown of [membership] end_reasons)
    "end_date",  # from when (empty: the day the reason was filled)
)
# Roles whose columns come after the system columns: added by a later version, they are
# appended to an existing sheet rather than shifting its columns.
LATER_VERIFIER_ROLES = ("end_reason", "end_date")
COLUMN_KEYS = (
    "id",
    "waktu_daftar",
    *(f for f in FIELDS if f != "persetujuan"),
    "catatan",
    "alasan_perbaikan",
    "kode_masalah",
    "status",
    "notifikasi",
)
# Column keys a configuration may leave out, with their default headers.
OPTIONAL_COLUMNS = {"diperbarui": "Status Diperbarui"}


@dataclass(frozen=True)
class VerifierColumn:
    header: str
    kind: str  # "checkbox" or "text"
    role: str


NOTIFY_EVENTS = (
    "needs_correction",
    "DAFTAR TUNGGU",
    "TERVERIFIKASI",
    "DITOLAK",
    "TERDAFTAR",
    "BERHENTI",
    "documents_reminder",  # verified long ago, documents not yet at the desa office
)
# What a message may say. Never NIK, KK or phone: they are not placeholders at all.
PLACEHOLDERS = (
    "nama",
    "id",
    "nomor_kepesertaan",
    "kontak",
    "alasan",
    "masalah",
    "form_url",
    "cek_status_url",
    "program",
    "kabupaten",
)
PROVIDERS = ("log", "fonnte", "whatsapp_cloud", "twilio", "zenziva")


@dataclass(frozen=True)
class Notifications:
    provider: str
    templates: Mapping[str, str]  # event -> text; an event without a text sends nothing
    contact: str
    quiet_start: str  # HH:MM local time
    quiet_end: str
    per_minute: int
    pause_seconds: float
    max_attempts: int
    options: Mapping[str, str]  # the provider's non-secret settings (urls, ids, sender)


@dataclass(frozen=True)
class Responses:
    """The form's linked responses sheet, read by the reconcile job."""

    worksheet: str = "Form Responses 1"
    spreadsheet_key: str = ""  # empty: the spreadsheet of [sheet]
    settle_seconds: int = 120  # younger responses are left to the webhook
    reconcile_minutes: int = 10  # 0: the scheduler does not run reconcile


@dataclass(frozen=True)
class Public:
    """The citizen and public pages."""

    base_url: str = ""  # the service's public address, for links in messages
    recipients_list: bool = True  # /daftar-penerima on or off
    cek_status_per_client: str = "10 per minute"  # rate limits (limits' notation)
    cek_status_per_nik: str = "5 per hour"
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    page_size: int = 50
    officer_idle_minutes: int = 480  # an officer's signed-in session ends after this idle time
    login_failures_per_client: str = "10 per 15 minutes"  # then 429 until the window ends
    login_failures_per_name: str = "5 per 15 minutes"

    @property
    def cek_status_url(self) -> str:
        return self.base_url.rstrip("/") + "/cek-status" if self.base_url else ""


# What an enrolment file column may hold: an answer, the registration id, the KK, the
# membership number, or the state.
BPJS_EXPORT_FIELDS = (
    *(f for f in FIELDS if f != "persetujuan"),
    "id",
    "nomor_kepesertaan",
    "status",
)


@dataclass(frozen=True)
class Bpjs:
    """The files exchanged with the BPJS branch (headers are matched ignoring case, spaces and
    punctuation)."""

    export_columns: tuple[tuple[str, str], ...] = (
        ("NIK", "nik"),
        ("Nama", "nama"),
        ("Tanggal Lahir", "tanggal_lahir"),
        ("Jenis Kelamin", "jenis_kelamin"),
        ("Nomor HP", "telepon"),
        ("Alamat", "alamat"),
        ("Desa/Kelurahan", "desa"),
        ("Kecamatan", "kecamatan"),
        ("Pekerjaan", "pekerjaan"),
        ("ID Pendaftaran", "id"),
    )
    date_format: str = "%d-%m-%Y"
    import_nik_header: tuple[str, ...] = ("NIK", "NIK KTP", "No KTP")
    import_number_header: tuple[str, ...] = (
        "KPJ",
        "No KPJ",
        "No. Kepesertaan",
        "Nomor Kepesertaan",
    )
    import_name_header: tuple[str, ...] = (
        "Nama",
        "Nama Peserta",
        "Nama Lengkap",
        "Nama Tenaga Kerja",
    )
    import_birth_header: tuple[str, ...] = ("Tanggal Lahir", "Tgl Lahir", "Tgl. Lahir")
    bill_amount_header: tuple[str, ...] = ("Iuran", "Jumlah Iuran", "Nominal", "Tagihan", "Jumlah")
    max_upload_mb: int = 10
    # Reading one uploaded file (in a child process): its memory, CPU seconds and wall time.
    read_memory_mb: int = 1024
    read_cpu_seconds: int = 20
    read_seconds: int = 30


@dataclass(frozen=True)
class Membership:
    """How memberships end."""

    end_reasons: tuple[str, ...] = (
        "meninggal dunia",
        "pindah domisili",
        "bekerja sebagai penerima upah",
        "mengundurkan diri",
    )
    silent_reasons: tuple[str, ...] = ("meninggal dunia",)  # no BERHENTI message for these
    # A member reaching [eligibility] max_age ends: on the birthday, or at the end of its month.
    age_end: str = "end_of_month"


@dataclass(frozen=True)
class OfficeRules:
    """The desa and kecamatan offices' pages and the documents reminder."""

    # Verified people whose documents have not arrived for longer than this are shown as late.
    late_days: int = 14
    # Days after verification without documents before the one reminder (0: no reminders).
    reminder_days: int = 14


@dataclass(frozen=True)
class Settings:
    source: Path
    program_name: str
    district: str
    timezone: ZoneInfo
    id_prefix: str
    form_url: str
    region: Region
    min_age: int
    max_age: int
    phone_shared_limit: int
    contribution_per_month: int
    contribution_months: int
    coverage_target: int
    data_dir: Path
    database_url: str
    sqlite_synchronous: str
    max_body_bytes: int
    max_clock_skew_seconds: int
    questions: Mapping[str, str]  # field -> exact question title
    optional_fields: frozenset[str]
    date_order: str
    consent_option: str
    sheet_backend: str
    spreadsheet_key: str
    batch_rows: int
    credentials_file: str  # service-account key; empty: GOOGLE_APPLICATION_CREDENTIALS
    reads_per_minute: int
    writes_per_minute: int
    allow_public_link: bool
    worksheets: Mapping[str, str]  # role -> worksheet name
    columns: Mapping[str, str]  # column key -> header
    verifier_columns: tuple[VerifierColumn, ...]
    flush_seconds: int
    notify_seconds: int
    sync_seconds: int
    compile_at: str
    notifications: Notifications
    responses: Responses = Responses()
    public: Public = Public()
    bpjs: Bpjs = Bpjs()
    membership: Membership = Membership()
    offices: OfficeRules = OfficeRules()
    periods: tuple[Period, ...] = ()  # budget periods, by start; one open-ended when not set
    # A BPJS membership number (KPJ), separators removed: 11 digits unless the branch differs.
    membership_pattern: str = "[0-9]{11}"

    @cached_property
    def checkbox_headers(self) -> frozenset[str]:
        """The verifier columns that are checkboxes (asked for on every row of a sync)."""
        return frozenset(v.header for v in self.verifier_columns if v.kind == "checkbox")

    @cached_property
    def membership_headers(self) -> tuple[str, ...]:
        """The verifier columns that hold the membership number (in the sheet's order)."""
        return tuple(v.header for v in self.verifier_columns if v.role == "membership_number")

    def period_on(self, day: date) -> Period | None:
        """The budget period containing `day` (a day in the program's time zone)."""
        return period_on(self.all_periods(), day)

    def period_chosen(self, name: str | None, today: date) -> Period | None:
        """The period called `name`, or (no name) the one containing `today`."""
        return self.period_named(name) if name else self.period_on(today)

    def period_named(self, name: str) -> Period | None:
        return next((p for p in self.all_periods() if p.name == name), None)

    def all_periods(self) -> tuple[Period, ...]:
        return self.periods or (open_period(self.contribution_per_month, self.contribution_months),)

    def required(self, field: str) -> bool:
        return field in self.questions and field not in self.optional_fields
