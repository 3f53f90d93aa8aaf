"""Readers of the configuration's nested tables: the notifications, the public pages, the
responses sheet, and each verifier column."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from prens.config.model import (
    NOTIFY_EVENTS,
    PLACEHOLDERS,
    PROVIDERS,
    VERIFIER_ROLES,
    Notifications,
    Public,
    Responses,
    VerifierColumn,
)
from prens.config.reader import Section, is_rate, is_time_of_day
from prens.errors import ConfigError


def read_public(t: Section, source: Path) -> Public:
    base_url = t.get(
        "base_url",
        str,
        "",
        lambda v: not v or bool(re.fullmatch(r"https?://[^\s/]+(/\S*)?", v)),
        'the public address, e.g. "https://prens.balangankab.go.id" (or empty)',
    )
    public = Public(
        base_url=base_url,
        recipients_list=t.get("recipients_list", bool, True, expected="true atau false"),
        cek_status_per_client=t.get(
            "cek_status_per_client",
            str,
            Public.cek_status_per_client,
            is_rate,
            'batas laju seperti "10 per minute" atau "10/minute;100/day"',
        ),
        cek_status_per_nik=t.get(
            "cek_status_per_nik",
            str,
            Public.cek_status_per_nik,
            is_rate,
            'batas laju seperti "5 per hour"',
        ),
        trusted_proxies=t.get(
            "trusted_proxies", int, 0, lambda v: 0 <= v <= 5, "0 sampai 5 proxy di depan layanan"
        ),
        page_size=t.get("page_size", int, 50, lambda v: 10 <= v <= 500, "10 to 500 rows"),
        officer_idle_minutes=t.get(
            "officer_idle_minutes",
            int,
            Public.officer_idle_minutes,
            lambda v: 1 <= v <= 7 * 24 * 60,
            "1 sampai 10080 menit",
        ),
        login_failures_per_client=t.get(
            "login_failures_per_client",
            str,
            Public.login_failures_per_client,
            is_rate,
            'batas laju seperti "10 per 15 minutes"',
        ),
        login_failures_per_name=t.get(
            "login_failures_per_name",
            str,
            Public.login_failures_per_name,
            is_rate,
            'batas laju seperti "5 per 15 minutes"',
        ),
    )
    t.done()
    return public


def read_responses(t: Section) -> Responses:
    worksheet = t.get(
        "worksheet",
        str,
        Responses.worksheet,
        lambda v: 0 < len(v) <= 100,
        'the linked responses worksheet\'s name, e.g. "Form Responses 1"',
    )
    key = t.get("spreadsheet_key", str, "", expected="ID dari URL lembar jawaban")
    settle = t.get(
        "settle_seconds", int, Responses.settle_seconds, lambda v: 0 <= v <= 3600, "0 sampai 3600"
    )
    minutes = t.get(
        "reconcile_minutes",
        int,
        Responses.reconcile_minutes,
        lambda v: 0 <= v <= 1440,
        "0 (mati) sampai 1440 menit",
    )
    t.done()
    return Responses(worksheet, key, settle, minutes)


def read_verifier_column(source: Path, index: int, item: Any) -> VerifierColumn:
    t = Section(item, f"sheet.verifier_columns[{index}]", source)
    column = VerifierColumn(
        header=t.get("header", str, check=lambda v: bool(v.strip()), expected="judul kolom"),
        kind=t.get(
            "kind",
            str,
            check=lambda v: v in ("checkbox", "text"),
            expected='"checkbox" atau "text"',
        ),
        role=t.get(
            "role",
            str,
            check=lambda v: v in VERIFIER_ROLES,
            expected="salah satu dari " + ", ".join(VERIFIER_ROLES),
        ),
    )
    t.done()
    return column


def read_notifications(t: Section, source: Path) -> Notifications:
    provider = t.get(
        "provider", str, "log", lambda v: v in PROVIDERS, "salah satu dari " + ", ".join(PROVIDERS)
    )
    events = t.table("templates")
    templates = {}
    for event in NOTIFY_EVENTS:
        text = events.get(event, str, "", expected="teks pesan (kosong: tidak dikirim)")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ConfigError(
                source,
                f"notifications.templates.{event}",
                text,
                f"teks pesan dengan {{isian}} yang benar ({exc})",
            ) from exc
        unknown = sorted(n for n in names if n not in PLACEHOLDERS)
        if unknown:
            raise ConfigError(
                source,
                f"notifications.templates.{event}",
                text,
                f"isian di antara {{{'}, {'.join(PLACEHOLDERS)}}}, bukan {{{unknown[0]}}}",
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
        quiet_start=t.get("quiet_start", str, "21:00", is_time_of_day, "jam JJ:MM"),
        quiet_end=t.get("quiet_end", str, "07:00", is_time_of_day, "jam JJ:MM"),
        per_minute=t.get("per_minute", int, 20, lambda v: 1 <= v <= 600, "1 sampai 600 pesan"),
        pause_seconds=float(
            t.get("pause_seconds", int, 3, lambda v: 0 <= v <= 600, "0 sampai 600 detik")
        ),
        max_attempts=t.get("max_attempts", int, 5, lambda v: 1 <= v <= 20, "1 sampai 20 percobaan"),
        options=options,
    )
    t.done()
    return result
