"""A deployment with people at every stage, for the page tests (test client and browser)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from click.testing import CliRunner

from jobs.flush import flush
from jobs.sync import sync
from prens.cli import main
from prens.runtime import Runtime
from tests.conftest import post
from tests.lifecycle_helpers import tick
from tests.test_webhook import body

CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")


@dataclass
class Person:
    nama: str
    nik: str
    born: str  # yyyy-mm-dd
    desa: str
    kecamatan: str
    id: str = ""


# Born 5 July 1990 (women: day 45 in the NIK), as tests.test_validation's BASE.
PEOPLE = {
    "menunggu": Person("Siti Rahmah", "6311064507900011", "1990-07-05", "Lasung Batu", "Paringin"),
    "terverifikasi": Person(
        "Nur Aini", "6311064507900021", "1990-07-05", "Lasung Batu", "Paringin"
    ),
    "berkas": Person("Rusmini", "6311064507900031", "1990-07-05", "Lasung Batu", "Paringin"),
    "terdaftar": Person("Hj Aluh", "6311014507900041", "1990-07-05", "Juai", "Juai"),
    "ditolak": Person("Masliah", "6311064507900051", "1990-07-05", "Lasung Batu", "Paringin"),
    "perbaikan": Person("Salmah", "6311064507900061", "1990-07-05", "Lasung Batu", "Paringin"),
}
MEMBERSHIP = "25012345678"


def populate(runtime: Runtime, client) -> dict[str, Person]:  # type: ignore[no-untyped-def]
    """Six people, one at each stage, through the webhook, the flush and the sync."""
    people = {key: dataclasses.replace(p) for key, p in PEOPLE.items()}
    for key, p in people.items():
        changes = {"nama": p.nama, "nik": p.nik, "desa": p.desa, "kecamatan": p.kecamatan}
        if key == "perbaikan":
            changes["telepon"] = "08123"  # an error: asked to correct
        else:
            changes["telepon"] = "0812345" + p.nik[-5:]
        reply = post(client, body(runtime.settings, rid=f"page-{key}", **changes)).get_json()
        p.id = reply["id"]
    flush(runtime.ledger, runtime.sheets, runtime.settings)
    both = ("Verifikasi Dinas", "Verifikasi BPJS")
    for key in ("terverifikasi", "berkas", "terdaftar"):
        for column in both:
            tick(runtime, people[key].id, column)
    for key in ("berkas", "terdaftar"):
        tick(runtime, people[key].id, "Berkas Diterima")
    tick(runtime, people["terdaftar"].id, "Nomor Kepesertaan BPJS", MEMBERSHIP)
    tick(runtime, people["ditolak"].id, "Alasan Penolakan", "Bukan pekerja informal")
    sync(runtime.ledger, runtime.sheets, runtime.settings, runtime.verification())
    return people


def csrf_token(client, path: str = "/cek-status") -> str:  # type: ignore[no-untyped-def]
    found = CSRF.search(client.get(path).data)
    assert found, path
    return found.group(1).decode()


def sign_in(client, config_path, name: str = "Rahmat") -> None:  # type: ignore[no-untyped-def]
    """A new officer `name`, signed in on the page with its token (the client keeps the
    session)."""
    added = CliRunner().invoke(main, ["--config", str(config_path), "officer", "add", name])
    token = added.output.strip().rsplit(" ", 1)[1]
    csrf = csrf_token(client, "/dinas/masuk")
    reply = client.post("/dinas/masuk", data={"nama": name, "token": token, "csrf_token": csrf})
    assert reply.status_code == 302
