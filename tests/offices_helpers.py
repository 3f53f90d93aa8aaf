"""People in three desa at each stage, verified some days ago, and office accounts: what the
office tests (pages, sync, reminders, browser) start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.flush import flush
from jobs.sync import sync
from prens.runtime import Runtime
from prens.store.offices import OfficeAccounts
from sheets_bridge.setup import worksheet_layouts
from tests.conftest import post
from tests.lifecycle_helpers import tick

LASUNG_BATU, BALANG, JUAI = "63.11.06.2007", "63.11.06.2005", "63.11.01"


@dataclass
class Citizen:
    key: str
    nama: str
    desa: str
    kecamatan: str
    stage: str  # menunggu, terverifikasi, berkas, terdaftar
    days_ago: int = 0  # verified this many days before today
    id: str = ""
    nik: str = ""
    phone: str = ""


# Lasung Batu and Balang are in kecamatan Paringin; Juai is its own kecamatan.
CITIZENS = [
    Citizen("ani", "Ani Lestari", "Lasung Batu", "Paringin", "terverifikasi", 20),
    Citizen("budi", "Budi Santoso", "Lasung Batu", "Paringin", "terverifikasi", 3),
    Citizen("citra", "Citra Dewi", "Lasung Batu", "Paringin", "berkas", 30),
    Citizen("dedi", "Dedi Kurnia", "Lasung Batu", "Paringin", "menunggu"),
    Citizen("eka", "Eka Putri", "Lasung Batu", "Paringin", "terdaftar", 40),
    Citizen("fajar", "Fajar Nugraha", "Balang", "Paringin", "terverifikasi", 16),
    Citizen("gita", "Gita Sari", "Balang", "Paringin", "terdaftar", 50),
    Citizen("hadi", "Hadi Wijaya", "Juai", "Juai", "terverifikasi", 25),
]


def populate(runtime: Runtime, client: Any, now: datetime | None = None) -> dict[str, Citizen]:
    """The citizens above through the webhook, the flush and the sync; each verified group is
    synced `days_ago` before `now`, so its verification date is that day."""
    from tests.test_webhook import body

    now = now or datetime.now(UTC)
    s = runtime.settings
    for layout in worksheet_layouts(s):
        runtime.sheets.apply_layout(layout)
    people = {}
    for i, c in enumerate(CITIZENS):
        c = Citizen(**{**c.__dict__})
        c.nik = f"631106450790{i + 1:04d}"
        c.phone = f"0812345{i:05d}"
        changes = {"nama": c.nama, "nik": c.nik, "desa": c.desa, "kecamatan": c.kecamatan}
        reply = post(client, body(s, rid=f"office-{c.key}", telepon=c.phone, **changes))
        c.id = reply.get_json()["id"]
        people[c.key] = c
    flush(runtime.ledger, runtime.sheets, s)
    for days in sorted(
        {c.days_ago for c in people.values() if c.stage != "menunggu"}, reverse=True
    ):
        for c in people.values():
            if c.stage == "menunggu" or c.days_ago != days:
                continue
            tick(runtime, c.id, "Verifikasi Dinas")
            tick(runtime, c.id, "Verifikasi BPJS")
            if c.stage in ("berkas", "terdaftar"):
                tick(runtime, c.id, "Berkas Diterima")
            if c.stage == "terdaftar":
                tick(runtime, c.id, "Nomor Kepesertaan BPJS", f"2501234{c.nik[-4:]}")
        when = now - timedelta(days=days)
        sync(runtime.ledger, runtime.sheets, s, runtime.verification(), now=when)
    return people


def office(runtime: Runtime, name: str, level: str, code: str) -> str:
    """An office account; its token."""
    return OfficeAccounts(runtime.engine).add(name, level, code, datetime.now(UTC))
