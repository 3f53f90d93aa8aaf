"""What `/cek-status` tells a citizen about their registration, in plain words (pure).

A citizen proves who they are with their NIK and date of birth. "No registration for this NIK"
and "wrong date of birth" get the same answer, so the page cannot be used to learn whether a NIK
is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from prens.config import Settings
from prens.rules.dates import parse_date
from prens.rules.identity import digits_only, looks_like_nik
from prens.rules.lifecycle import (
    BERHENTI,
    BERKAS_LENGKAP,
    DAFTAR_TUNGGU,
    DITOLAK,
    MENUNGGU,
    TERDAFTAR,
    TERVERIFIKASI,
)
from prens.rules.problems import ERROR
from prens.rules.registration import ACCEPTED, DUPLICATE, NEEDS_CORRECTION, Registration


@dataclass(frozen=True)
class Answer:
    found: bool
    title: str  # the status in a few words
    lines: tuple[str, ...]  # what it means and what to do next
    registration_id: str = ""
    tone: str = "info"  # info, action, done, problem: how the page colours it


def not_found(settings: Settings) -> Answer:
    lines = [
        "Tidak ada pendaftaran yang cocok dengan NIK dan tanggal lahir tersebut.",
        "Periksa kembali NIK (16 angka sesuai KTP) dan tanggal lahir Anda.",
        "Jika baru saja mendaftar, tunggu beberapa menit lalu coba lagi.",
    ]
    if settings.form_url:
        lines.append(f"Belum mendaftar? Isi formulir pendaftaran: {settings.form_url}")
    return Answer(False, "Data tidak ditemukan", tuple(lines), tone="problem")


def read_nik(text: str) -> str | None:
    """The NIK as typed, without separators; None unless it is 16 digits."""
    nik = digits_only(text.strip())
    return nik if looks_like_nik(nik) else None


def read_birth_date(text: str) -> date | None:
    """A date input's value (yyyy-mm-dd), or a typed dd-mm-yyyy / dd/mm/yyyy."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_date(text.replace("-", "/"), "dmy")


def matches(reg: Registration, nik: str, born: date) -> bool:
    return reg.person.get("nik") == nik and reg.person.get("tanggal_lahir") == born.isoformat()


def explain(reg: Registration, cells: dict[str, Any], settings: Settings) -> Answer:
    """The answer for a registration whose NIK and date of birth were given correctly.
    `cells`: its verifier columns as the last sync saw them."""
    contact = settings.notifications.contact
    tail = (f"Informasi: {contact}",) if contact else ()
    rid = reg.id
    if reg.status == NEEDS_CORRECTION:
        return _needs_correction(reg, settings, tail)
    if reg.status == DUPLICATE:
        return Answer(
            True,
            "Sudah terdaftar sebelumnya",
            (
                "NIK ini sudah pernah didaftarkan. Pendaftaran yang pertama yang diproses.",
                *tail,
            ),
            rid,
        )
    state = reg.state if reg.status == ACCEPTED else None
    if state == BERHENTI:
        return Answer(
            True,
            "Kepesertaan berhenti",
            (
                "Kepesertaan Anda dalam program ini sudah berhenti. Iuran tidak lagi dibayarkan "
                "oleh pemerintah daerah.",
                *tail,
            ),
            rid,
        )
    if state == DAFTAR_TUNGGU:
        return Answer(
            True,
            "Daftar tunggu",
            (
                "Data Anda sudah diverifikasi, tetapi kuota peserta periode anggaran ini sudah "
                "penuh. Anda ada di daftar tunggu.",
                "Begitu ada tempat (atau periode anggaran berikutnya dimulai), Anda akan diberi "
                "tahu lewat pesan dan diminta mengantar berkas. Tidak perlu mendaftar ulang.",
                *tail,
            ),
            rid,
        )
    if state == TERVERIFIKASI:
        return Answer(
            True,
            "Terverifikasi",
            (
                "Data Anda sudah diverifikasi oleh Dinas dan BPJS Ketenagakerjaan.",
                "Silakan antar berkas (fotokopi KTP dan Kartu Keluarga) ke kantor desa/kelurahan "
                f"Anda dengan menyebut ID pendaftaran {rid}.",
                *tail,
            ),
            rid,
            "action",
        )
    if state == BERKAS_LENGKAP:
        return Answer(
            True,
            "Berkas lengkap",
            (
                "Berkas Anda sudah diterima. Pendaftaran ke BPJS Ketenagakerjaan sedang diproses.",
                *tail,
            ),
            rid,
        )
    if state == TERDAFTAR:
        return _registered(reg, cells, settings, tail)
    if state == DITOLAK:
        return _rejected(reg, cells, settings, tail)
    return Answer(
        True,
        "Sedang diverifikasi" if state == MENUNGGU else "Diterima",
        (
            "Data Anda sedang diverifikasi oleh Dinas dan BPJS Ketenagakerjaan.",
            "Anda akan diberi tahu melalui WhatsApp/SMS setelah verifikasi selesai.",
            *tail,
        ),
        rid,
    )


def _role(settings: Settings, role: str) -> str:
    return next((v.header for v in settings.verifier_columns if v.role == role), "")


def _needs_correction(reg: Registration, settings: Settings, tail: tuple[str, ...]) -> Answer:
    reasons = [p.message for p in reg.problems if p.severity == ERROR]
    again = (
        f"Silakan isi ulang formulir dengan data yang benar: {settings.form_url}"
        if settings.form_url
        else "Silakan isi ulang formulir pendaftaran dengan data yang benar."
    )
    return Answer(
        True,
        "Perlu diperbaiki",
        ("Pendaftaran Anda belum dapat diterima karena:", *reasons, again, *tail),
        reg.id,
        "action",
    )


def _registered(
    reg: Registration, cells: dict[str, Any], settings: Settings, tail: tuple[str, ...]
) -> Answer:
    number = str(cells.get(_role(settings, "membership_number"), "")).strip()
    return Answer(
        True,
        "Terdaftar",
        (
            "Anda sudah terdaftar sebagai peserta BPJS Ketenagakerjaan "
            f"(Jaminan Kecelakaan Kerja dan Jaminan Kematian) melalui {settings.program_name}.",
            f"Nomor kepesertaan Anda: {number}" if number else "",
            *tail,
        ),
        reg.id,
        "done",
    )


def _rejected(
    reg: Registration, cells: dict[str, Any], settings: Settings, tail: tuple[str, ...]
) -> Answer:
    reason = str(cells.get(_role(settings, "rejection_reason"), "")).strip()
    return Answer(
        True,
        "Tidak dapat diproses",
        (
            "Mohon maaf, pendaftaran Anda tidak dapat diproses"
            + (f": {reason}." if reason else "."),
            *tail,
        ),
        reg.id,
        "problem",
    )
