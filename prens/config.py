"""Configuration: one TOML file per deployment (secrets never in it), checked whole at start-up.

A wrong key or value raises ConfigError naming the key, the value and what is expected. Relative
paths resolve against the configuration file's directory. ``PRENS_SHEET_BACKEND``,
``PRENS_SHEET_SPREADSHEET_KEY`` and ``PRENS_DATABASE_URL`` win over the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prens.errors import ConfigError
from prens.rules.regions import (
    PACKAGED,
    Region,
    RegionDataError,
    load_region,
    unknown_alias_targets,
)

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
VERIFIER_ROLES = ("verification", "documents", "membership_number", "rejection_reason", "note")
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

_MISSING = object()


@dataclass(frozen=True)
class VerifierColumn:
    header: str
    kind: str  # "checkbox" or "text"
    role: str


NOTIFY_EVENTS = ("needs_correction", "TERVERIFIKASI", "DITOLAK", "TERDAFTAR")
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
    # A BPJS membership number (KPJ), separators removed: 11 digits unless the branch differs.
    membership_pattern: str = "[0-9]{11}"

    def required(self, field: str) -> bool:
        return field in self.questions and field not in self.optional_fields


class _Section:
    """Reads one TOML table, remembering which keys were used so unknown ones are reported."""

    def __init__(self, data: Any, name: str, source: Path):
        if not isinstance(data, dict):
            raise ConfigError(source, name, data, "a table")
        self.data, self.name, self.source = data, name, source
        self.used: set[str] = set()

    def get(
        self,
        key: str,
        kind: type,
        default: Any = _MISSING,
        check: Callable[[Any], bool] | None = None,
        expected: str = "",
    ) -> Any:
        self.used.add(key)
        full = self.key(key)
        if key not in self.data:
            if default is _MISSING:
                raise ConfigError(self.source, full, None, expected or f"a {kind.__name__}")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok or (check is not None and not check(value)):
            raise ConfigError(self.source, full, value, expected or f"a {kind.__name__}")
        return value

    def table(self, key: str) -> _Section:
        self.used.add(key)
        return _Section(self.data.get(key, {}), self.key(key), self.source)

    def key(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def done(self, allowed_extra: frozenset[str] = frozenset()) -> None:
        for key in self.data:
            if key not in self.used and key not in allowed_extra:
                where = f"[{self.name}]" if self.name else "the file's top level"
                raise ConfigError(
                    self.source,
                    self.key(key),
                    self.data[key],
                    f"one of the known keys of {where}: " + ", ".join(sorted(self.used)),
                )


def load_settings(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the configuration file at `path` (environment overrides from `env`)."""
    env = os.environ if env is None else env
    source = Path(path).resolve()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            source, "(file)", str(path), f"a readable TOML file ({exc.strerror})"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(file)", str(path), f"valid TOML ({exc})") from exc
    base = source.parent
    root = _Section(raw, "", source)

    def positive(v: int) -> bool:
        return v > 0

    program = root.table("program")
    program_name = program.get("name", str, "Lindungi Prens")
    district = program.get(
        "district", str, expected='the district\'s name, e.g. "Kabupaten Balangan"'
    )
    tz_name = program.get("timezone", str, "Asia/Makassar")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            source, "program.timezone", tz_name, "an IANA time zone such as Asia/Makassar"
        ) from exc
    id_prefix = program.get(
        "id_prefix",
        str,
        check=lambda v: v.isalnum() and v.isupper() and len(v) <= 5,
        expected='1-5 capital letters or digits, e.g. "BLG"',
    )
    form_url = program.get("form_url", str, "")
    program.done()

    region_t = root.table("region")
    code = region_t.get(
        "code",
        str,
        check=lambda v: len(v) == 5 and v[2] == "." and (v[:2] + v[3:]).isdigit(),
        expected='a kabupaten/kota code like "63.11"',
    )
    region_file = region_t.get("file", str, "")
    aliases = region_t.get("aliases", dict, {})
    region_path = (base / region_file) if region_file else PACKAGED / f"{code}.csv"
    try:
        region = load_region(region_path, code, {str(k): str(v) for k, v in aliases.items()})
    except RegionDataError as exc:
        raise ConfigError(
            source,
            "region.file" if region_file else "region.code",
            region_file or code,
            f"region data for {code} ({exc})",
        ) from exc
    for name in unknown_alias_targets(region, {str(k): str(v) for k, v in aliases.items()}):
        raise ConfigError(
            source,
            f"region.aliases.{name}",
            aliases[name],
            f"the name of a kecamatan or desa/kelurahan of {region.name} ({code})",
        )
    region_t.done()

    elig = root.table("eligibility")
    min_age = elig.get("min_age", int, 18, lambda v: 0 <= v <= 120, "an age in years (0-120)")
    max_age = elig.get(
        "max_age",
        int,
        65,
        lambda v: min_age < v <= 120,
        f"an age in years above min_age ({min_age})",
    )
    phone_shared_limit = elig.get("phone_shared_limit", int, 3, positive, "a positive integer")
    contribution = elig.get(
        "contribution_per_month", int, 16800, positive, "rupiah, a positive integer"
    )
    months = elig.get("contribution_months", int, 12, lambda v: 1 <= v <= 60, "1 to 60 months")
    coverage_target = elig.get(
        "coverage_target", int, 0, lambda v: v >= 0, "informal workers to cover (0: none set)"
    )
    elig.done()

    bpjs = root.table("bpjs")
    membership_pattern = bpjs.get(
        "membership_pattern", str, "[0-9]{11}", _regex, "a regular expression, e.g. [0-9]{11}"
    )
    bpjs.done()

    storage = root.table("storage")
    data_dir = (base / storage.get("data_dir", str, "data")).resolve()
    database_url = storage.get("url", str, "") or f"sqlite:///{data_dir / 'prens.db'}"
    synchronous = storage.get(
        "sqlite_synchronous", str, "FULL", lambda v: v in ("FULL", "NORMAL"), '"FULL" or "NORMAL"'
    )
    storage.done()
    database_url = env.get("PRENS_DATABASE_URL") or database_url

    webhook = root.table("webhook")
    max_body = webhook.get("max_body_bytes", int, 65536, positive, "a positive number of bytes")
    skew = webhook.get("max_clock_skew_seconds", int, 300, positive, "a positive number of seconds")
    webhook.done()

    form = root.table("form")
    questions_t = form.table("questions")
    questions = {}
    for field in FIELDS:
        title = questions_t.get(
            field,
            str,
            None if field not in REQUIRED_FIELDS else _MISSING,
            lambda v: bool(v.strip()),
            "the form's exact question title",
        )
        if title is not None:
            questions[field] = title
    questions_t.done()
    optional = form.get(
        "optional",
        list,
        [],
        lambda v: all(f in FIELDS and f not in REQUIRED_FIELDS for f in v),
        "a list of optional fields among "
        + ", ".join(f for f in FIELDS if f not in REQUIRED_FIELDS),
    )
    date_order = form.get("date_order", str, "mdy", lambda v: v in ("mdy", "dmy"), '"mdy" or "dmy"')
    consent_option = form.get(
        "consent_option",
        str,
        "" if "persetujuan" not in questions else _MISSING,
        expected="the consent checkbox's option text",
    )
    form.done()

    sheet = root.table("sheet")
    backend = env.get("PRENS_SHEET_BACKEND") or sheet.get("backend", str, "local")
    if backend not in ("local", "google"):
        raise ConfigError(source, "sheet.backend", backend, '"local" or "google"')
    sheet.used.add("backend")
    spreadsheet_key = env.get("PRENS_SHEET_SPREADSHEET_KEY") or sheet.get(
        "spreadsheet_key", str, ""
    )
    sheet.used.add("spreadsheet_key")
    if backend == "google" and not spreadsheet_key:
        raise ConfigError(
            source,
            "sheet.spreadsheet_key",
            "",
            'the id in the Google Sheet\'s URL when sheet.backend is "google"',
        )
    batch_rows = sheet.get("batch_rows", int, 500, lambda v: 1 <= v <= 5000, "1 to 5000 rows")
    credentials = sheet.get("credentials_file", str, "")
    credentials_file = str((base / credentials).resolve()) if credentials else ""
    reads_per_minute, writes_per_minute = (
        sheet.get(key, int, 60, lambda v: 1 <= v <= 300, "1 to 300 (Google's per-user quota is 60)")
        for key in ("reads_per_minute", "writes_per_minute")
    )
    allow_public_link = sheet.get(
        "allow_public_link",
        bool,
        False,
        expected="true or false (true writes personal data to a sheet "
        "shared by link: never in production)",
    )
    ws_t = sheet.table("worksheets")
    worksheets = {
        role: ws_t.get(
            role, str, default, lambda v: 0 < len(v) <= 100, "a worksheet name (1-100 characters)"
        )
        for role, default in (
            ("pendaftar", "Pendaftar"),
            ("perlu_perbaikan", "Perlu Perbaikan"),
            ("daftar_final", "Daftar Final"),
        )
    }
    ws_t.done()
    col_t = sheet.table("columns")
    columns = {key: col_t.get(key, str, expected="a column header") for key in COLUMN_KEYS}
    columns |= {
        key: col_t.get(key, str, default, expected="a column header")
        for key, default in OPTIONAL_COLUMNS.items()
    }
    col_t.done()
    verifier_columns = tuple(
        _verifier_column(source, i, item)
        for i, item in enumerate(sheet.get("verifier_columns", list, expected="a list of tables"))
    )
    headers = list(columns.values()) + [v.header for v in verifier_columns]
    duplicated = sorted({h for h in headers if headers.count(h) > 1})
    if duplicated:
        raise ConfigError(
            source, "sheet.columns", duplicated[0], "column headers that are all different"
        )
    sheet.done()

    schedule = root.table("schedule")
    flush_seconds = schedule.get("flush_seconds", int, 5, positive, "a positive number of seconds")
    sync_seconds = schedule.get("sync_seconds", int, 60, positive, "a positive number of seconds")
    notify_seconds = schedule.get(
        "notify_seconds", int, 30, positive, "a positive number of seconds"
    )
    compile_at = schedule.get(
        "compile_at",
        str,
        "02:00",
        lambda v: bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v)),
        "a time of day HH:MM (local time)",
    )
    schedule.done()
    notifications = _notifications(root.table("notifications"), source)
    responses = _responses(root.table("responses"))
    public = _public(root.table("public"), source)
    using_link = [e for e, text in notifications.templates.items() if "{cek_status_url}" in text]
    if using_link and not public.base_url:
        raise ConfigError(
            source,
            "public.base_url",
            "",
            "the service's public address (https://...): the "
            f"{using_link[0]} template uses {{cek_status_url}}",
        )
    root.done()

    return Settings(
        source=source,
        program_name=program_name,
        district=district,
        timezone=timezone,
        id_prefix=id_prefix,
        form_url=form_url,
        region=region,
        min_age=min_age,
        max_age=max_age,
        phone_shared_limit=phone_shared_limit,
        contribution_per_month=contribution,
        contribution_months=months,
        coverage_target=coverage_target,
        data_dir=data_dir,
        database_url=database_url,
        sqlite_synchronous=synchronous,
        max_body_bytes=max_body,
        max_clock_skew_seconds=skew,
        questions=questions,
        optional_fields=frozenset(optional),
        date_order=date_order,
        consent_option=consent_option,
        sheet_backend=backend,
        spreadsheet_key=spreadsheet_key,
        batch_rows=batch_rows,
        credentials_file=credentials_file,
        reads_per_minute=reads_per_minute,
        writes_per_minute=writes_per_minute,
        allow_public_link=allow_public_link,
        worksheets=worksheets,
        columns=columns,
        verifier_columns=verifier_columns,
        flush_seconds=flush_seconds,
        sync_seconds=sync_seconds,
        notify_seconds=notify_seconds,
        notifications=notifications,
        compile_at=compile_at,
        responses=responses,
        public=public,
        membership_pattern=membership_pattern,
    )


def _regex(value: str) -> bool:
    try:
        re.compile(value)
    except re.error:
        return False
    return bool(value)


def _rate(value: str) -> bool:
    from limits import parse_many

    try:
        return bool(parse_many(value))
    except ValueError:
        return False


def _public(t: _Section, source: Path) -> Public:
    base_url = t.get(
        "base_url",
        str,
        "",
        lambda v: not v or bool(re.fullmatch(r"https?://[^\s/]+(/\S*)?", v)),
        'the public address, e.g. "https://prens.balangankab.go.id" (or empty)',
    )
    public = Public(
        base_url=base_url,
        recipients_list=t.get("recipients_list", bool, True, expected="true or false"),
        cek_status_per_client=t.get(
            "cek_status_per_client",
            str,
            Public.cek_status_per_client,
            _rate,
            'a rate such as "10 per minute" or "10/minute;100/day"',
        ),
        cek_status_per_nik=t.get(
            "cek_status_per_nik",
            str,
            Public.cek_status_per_nik,
            _rate,
            'a rate such as "5 per hour"',
        ),
        trusted_proxies=t.get(
            "trusted_proxies", int, 0, lambda v: 0 <= v <= 5, "0 to 5 reverse proxies"
        ),
        page_size=t.get("page_size", int, 50, lambda v: 10 <= v <= 500, "10 to 500 rows"),
        officer_idle_minutes=t.get(
            "officer_idle_minutes",
            int,
            Public.officer_idle_minutes,
            lambda v: 1 <= v <= 7 * 24 * 60,
            "1 to 10080 minutes",
        ),
        login_failures_per_client=t.get(
            "login_failures_per_client",
            str,
            Public.login_failures_per_client,
            _rate,
            'a rate such as "10 per 15 minutes"',
        ),
        login_failures_per_name=t.get(
            "login_failures_per_name",
            str,
            Public.login_failures_per_name,
            _rate,
            'a rate such as "5 per 15 minutes"',
        ),
    )
    t.done()
    return public


def _responses(t: _Section) -> Responses:
    worksheet = t.get(
        "worksheet",
        str,
        Responses.worksheet,
        lambda v: 0 < len(v) <= 100,
        'the linked responses worksheet\'s name, e.g. "Form Responses 1"',
    )
    key = t.get("spreadsheet_key", str, "", expected="the id in the responses sheet's URL")
    settle = t.get(
        "settle_seconds", int, Responses.settle_seconds, lambda v: 0 <= v <= 3600, "0 to 3600"
    )
    minutes = t.get(
        "reconcile_minutes",
        int,
        Responses.reconcile_minutes,
        lambda v: 0 <= v <= 1440,
        "0 (off) to 1440 minutes",
    )
    t.done()
    return Responses(worksheet, key, settle, minutes)


def _verifier_column(source: Path, index: int, item: Any) -> VerifierColumn:
    t = _Section(item, f"sheet.verifier_columns[{index}]", source)
    column = VerifierColumn(
        header=t.get("header", str, check=lambda v: bool(v.strip()), expected="a column header"),
        kind=t.get(
            "kind", str, check=lambda v: v in ("checkbox", "text"), expected='"checkbox" or "text"'
        ),
        role=t.get(
            "role",
            str,
            check=lambda v: v in VERIFIER_ROLES,
            expected="one of " + ", ".join(VERIFIER_ROLES),
        ),
    )
    t.done()
    return column


def _time_of_day(value: str) -> bool:
    return bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value))


def _notifications(t: _Section, source: Path) -> Notifications:
    import string

    provider = t.get(
        "provider", str, "log", lambda v: v in PROVIDERS, "one of " + ", ".join(PROVIDERS)
    )
    events = t.table("templates")
    templates = {}
    for event in NOTIFY_EVENTS:
        text = events.get(event, str, "", expected="a message template (empty: not sent)")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ConfigError(
                source,
                f"notifications.templates.{event}",
                text,
                f"a template with well-formed {{placeholders}} ({exc})",
            ) from exc
        unknown = sorted(n for n in names if n not in PLACEHOLDERS)
        if unknown:
            raise ConfigError(
                source,
                f"notifications.templates.{event}",
                text,
                f"placeholders among {{{'}, {'.join(PLACEHOLDERS)}}}, not {{{unknown[0]}}}",
            )
        if text.strip():
            templates[event] = text
    events.done()
    options_t = t.table("provider_options")
    options = {str(k): str(v) for k, v in options_t.data.items()}
    options_t.used.update(options)
    result = Notifications(
        provider=provider,
        templates=templates,
        contact=t.get("contact", str, ""),
        quiet_start=t.get("quiet_start", str, "21:00", _time_of_day, "a time of day HH:MM"),
        quiet_end=t.get("quiet_end", str, "07:00", _time_of_day, "a time of day HH:MM"),
        per_minute=t.get("per_minute", int, 20, lambda v: 1 <= v <= 600, "1 to 600 messages"),
        pause_seconds=float(
            t.get("pause_seconds", int, 3, lambda v: 0 <= v <= 600, "0 to 600 seconds")
        ),
        max_attempts=t.get("max_attempts", int, 5, lambda v: 1 <= v <= 20, "1 to 20 attempts"),
        options=options,
    )
    t.done()
    return result
