"""Reading a configuration file: one reader per TOML section, each returning the settings it
sets. A wrong key or value raises ConfigError naming the key, the value and what is expected.
Relative paths resolve against the configuration file's directory. ``PRENS_SHEET_BACKEND``,
``PRENS_SHEET_SPREADSHEET_KEY`` and ``PRENS_DATABASE_URL`` win over the file."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prens.config.bpjs import read_bpjs
from prens.config.membership import read_membership
from prens.config.model import (
    COLUMN_KEYS,
    FIELDS,
    OPTIONAL_COLUMNS,
    REQUIRED_FIELDS,
    Settings,
)
from prens.config.offices import read_offices
from prens.config.periods import read_periods
from prens.config.reader import MISSING, Section, positive
from prens.config.tables import (
    read_notifications,
    read_public,
    read_responses,
    read_verifier_column,
)
from prens.errors import ConfigError
from prens.rules.regions import PACKAGED, RegionDataError, load_region, unknown_alias_targets

Env = Mapping[str, str]
Values = dict[str, Any]  # settings by name, as Settings takes them


def _program(root: Section, source: Path, base: Path, env: Env) -> Values:
    program = root.table("program")
    program_name = program.get("name", str, "Lindungi Prens")
    district = program.get(
        "district", str, expected='nama kabupaten/kota, mis. "Kabupaten Balangan"'
    )
    tz_name = program.get("timezone", str, "Asia/Makassar")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            source, "program.timezone", tz_name, "zona waktu IANA, mis. Asia/Makassar"
        ) from exc
    id_prefix = program.get(
        "id_prefix",
        str,
        check=lambda v: v.isalnum() and v.isupper() and len(v) <= 5,
        expected='1-5 huruf kapital atau angka, mis. "BLG"',
    )
    form_url = program.get("form_url", str, "")
    program.done()
    return {
        "timezone": timezone,
        "program_name": program_name,
        "district": district,
        "id_prefix": id_prefix,
        "form_url": form_url,
    }


def _region(root: Section, source: Path, base: Path, env: Env) -> Values:
    region_t = root.table("region")
    code = region_t.get(
        "code",
        str,
        check=lambda v: len(v) == 5 and v[2] == "." and (v[:2] + v[3:]).isdigit(),
        expected='kode kabupaten/kota seperti "63.11"',
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
            f"data wilayah untuk {code} ({exc})",
        ) from exc
    for name in unknown_alias_targets(region, {str(k): str(v) for k, v in aliases.items()}):
        raise ConfigError(
            source,
            f"region.aliases.{name}",
            aliases[name],
            f"nama kecamatan atau desa/kelurahan di {region.name} ({code})",
        )
    region_t.done()
    return {"region": region}


def _eligibility(root: Section, source: Path, base: Path, env: Env) -> Values:
    elig = root.table("eligibility")
    min_age = elig.get("min_age", int, 18, lambda v: 0 <= v <= 120, "usia dalam tahun (0-120)")
    max_age = elig.get(
        "max_age",
        int,
        65,
        lambda v: min_age < v <= 120,
        f"usia dalam tahun di atas min_age ({min_age})",
    )
    phone_shared_limit = elig.get("phone_shared_limit", int, 3, positive, "bilangan bulat positif")
    contribution = elig.get(
        "contribution_per_month", int, 16800, positive, "rupiah, bilangan bulat positif"
    )
    months = elig.get("contribution_months", int, 12, lambda v: 1 <= v <= 60, "1 sampai 60 bulan")
    coverage_target = elig.get(
        "coverage_target",
        int,
        0,
        lambda v: v >= 0,
        "jumlah pekerja rentan yang ditargetkan (0: belum diatur)",
    )
    elig.done()
    return {
        "min_age": min_age,
        "max_age": max_age,
        "phone_shared_limit": phone_shared_limit,
        "contribution_per_month": contribution,
        "contribution_months": months,
        "coverage_target": coverage_target,
    }


def _bpjs(root: Section, source: Path, base: Path, env: Env) -> Values:
    return read_bpjs(root.table("bpjs"), source)


def _storage(root: Section, source: Path, base: Path, env: Env) -> Values:
    storage = root.table("storage")
    data_dir = (base / storage.get("data_dir", str, "data")).resolve()
    database_url = storage.get("url", str, "") or f"sqlite:///{data_dir / 'prens.db'}"
    synchronous = storage.get(
        "sqlite_synchronous", str, "FULL", lambda v: v in ("FULL", "NORMAL"), '"FULL" atau "NORMAL"'
    )
    storage.done()
    database_url = env.get("PRENS_DATABASE_URL") or database_url
    return {
        "data_dir": data_dir,
        "database_url": database_url,
        "sqlite_synchronous": synchronous,
    }


def _webhook(root: Section, source: Path, base: Path, env: Env) -> Values:
    webhook = root.table("webhook")
    max_body = webhook.get("max_body_bytes", int, 65536, positive, "jumlah byte positif")
    skew = webhook.get("max_clock_skew_seconds", int, 300, positive, "jumlah detik positif")
    webhook.done()
    return {
        "max_body_bytes": max_body,
        "max_clock_skew_seconds": skew,
    }


def _form(root: Section, source: Path, base: Path, env: Env) -> Values:
    form = root.table("form")
    questions_t = form.table("questions")
    questions = {}
    for field in FIELDS:
        title = questions_t.get(
            field,
            str,
            None if field not in REQUIRED_FIELDS else MISSING,
            lambda v: bool(v.strip()),
            "judul pertanyaan formulir, persis",
        )
        if title is not None:
            questions[field] = title
    questions_t.done()
    optional = form.get(
        "optional",
        list,
        [],
        lambda v: all(f in FIELDS and f not in REQUIRED_FIELDS for f in v),
        "daftar isian tidak wajib, di antara "
        + ", ".join(f for f in FIELDS if f not in REQUIRED_FIELDS),
    )
    date_order = form.get(
        "date_order", str, "mdy", lambda v: v in ("mdy", "dmy"), '"mdy" atau "dmy"'
    )
    consent_option = form.get(
        "consent_option",
        str,
        "" if "persetujuan" not in questions else MISSING,
        expected="teks pilihan kotak centang persetujuan",
    )
    form.done()
    return {
        "questions": questions,
        "optional_fields": frozenset(optional),
        "date_order": date_order,
        "consent_option": consent_option,
    }


def _sheet(root: Section, source: Path, base: Path, env: Env) -> Values:
    sheet = root.table("sheet")
    backend = env.get("PRENS_SHEET_BACKEND") or sheet.get("backend", str, "local")
    if backend not in ("local", "google"):
        raise ConfigError(source, "sheet.backend", backend, '"local" atau "google"')
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
            'ID dari URL Google Sheet bila sheet.backend = "google"',
        )
    batch_rows = sheet.get("batch_rows", int, 500, lambda v: 1 <= v <= 5000, "1 sampai 5000 baris")
    credentials = sheet.get("credentials_file", str, "")
    credentials_file = str((base / credentials).resolve()) if credentials else ""
    reads_per_minute, writes_per_minute = (
        sheet.get(
            key, int, 60, lambda v: 1 <= v <= 300, "1 sampai 300 (kuota Google per pengguna: 60)"
        )
        for key in ("reads_per_minute", "writes_per_minute")
    )
    allow_public_link = sheet.get(
        "allow_public_link",
        bool,
        False,
        expected="true atau false (true menulis data pribadi ke lembar yang "
        "dibagikan lewat tautan: jangan di produksi)",
    )
    return {
        "sheet_backend": backend,
        "spreadsheet_key": spreadsheet_key,
        "batch_rows": batch_rows,
        "credentials_file": credentials_file,
        "reads_per_minute": reads_per_minute,
        "writes_per_minute": writes_per_minute,
        "allow_public_link": allow_public_link,
    }


def _sheet_layout(root: Section, source: Path, base: Path, env: Env) -> Values:
    sheet = root.table("sheet")
    ws_t = sheet.table("worksheets")
    worksheets = {
        role: ws_t.get(
            role, str, default, lambda v: 0 < len(v) <= 100, "nama lembar kerja (1-100 karakter)"
        )
        for role, default in (
            ("pendaftar", "Pendaftar"),
            ("perlu_perbaikan", "Perlu Perbaikan"),
            ("daftar_final", "Daftar Final"),
        )
    }
    ws_t.done()
    col_t = sheet.table("columns")
    columns = {key: col_t.get(key, str, expected="judul kolom") for key in COLUMN_KEYS}
    columns |= {
        key: col_t.get(key, str, default, expected="judul kolom")
        for key, default in OPTIONAL_COLUMNS.items()
    }
    col_t.done()
    verifier_columns = tuple(
        read_verifier_column(source, i, item)
        for i, item in enumerate(sheet.get("verifier_columns", list, expected="daftar tabel"))
    )
    headers = list(columns.values()) + [v.header for v in verifier_columns]
    duplicated = sorted({h for h in headers if headers.count(h) > 1})
    if duplicated:
        raise ConfigError(
            source, "sheet.columns", duplicated[0], "judul kolom yang semuanya berbeda"
        )
    sheet.done()
    return {
        "worksheets": worksheets,
        "columns": columns,
        "verifier_columns": verifier_columns,
    }


def _schedule(root: Section, source: Path, base: Path, env: Env) -> Values:
    schedule = root.table("schedule")
    flush_seconds = schedule.get("flush_seconds", int, 5, positive, "jumlah detik positif")
    sync_seconds = schedule.get("sync_seconds", int, 60, positive, "jumlah detik positif")
    notify_seconds = schedule.get("notify_seconds", int, 30, positive, "jumlah detik positif")
    compile_at = schedule.get(
        "compile_at",
        str,
        "02:00",
        lambda v: bool(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v)),
        "jam JJ:MM (waktu setempat)",
    )
    schedule.done()
    return {
        "flush_seconds": flush_seconds,
        "sync_seconds": sync_seconds,
        "notify_seconds": notify_seconds,
        "compile_at": compile_at,
    }


def _messages_and_pages(root: Section, source: Path, base: Path, env: Env) -> Values:
    membership = read_membership(root.table("membership"), source)
    notifications = read_notifications(root.table("notifications"), source)
    responses = read_responses(root.table("responses"))
    public = read_public(root.table("public"), source)
    using_link = [e for e, text in notifications.templates.items() if "{cek_status_url}" in text]
    if using_link and not public.base_url:
        raise ConfigError(
            source,
            "public.base_url",
            "",
            "alamat publik layanan (https://...): teks pesan "
            f"{using_link[0]} memakai {{cek_status_url}}",
        )
    return {
        "notifications": notifications,
        "responses": responses,
        "public": public,
        "membership": membership,
        "offices": read_offices(root.table("offices")),
    }


SECTIONS = (
    _program,
    _region,
    _eligibility,
    _bpjs,
    _storage,
    _webhook,
    _form,
    _sheet,
    _sheet_layout,
    _schedule,
    _messages_and_pages,
)


def load_settings(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the configuration file at `path` (environment overrides from `env`)."""
    env = os.environ if env is None else env
    source = Path(path).resolve()
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            source, "(file)", str(path), f"berkas TOML yang dapat dibaca ({exc.strerror})"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(file)", str(path), f"TOML yang sah ({exc})") from exc
    root = Section(raw, "", source)
    values: dict[str, Any] = {}
    for read in SECTIONS:
        values |= read(root, source, source.parent, env)
    values["periods"] = read_periods(
        root, source, values["contribution_per_month"], values["contribution_months"]
    )
    root.done()
    return Settings(source=source, **values)
