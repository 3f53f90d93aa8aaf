"""Message texts (pure): a template filled from a registration. No NIK, KK or phone number can
appear: they are not placeholders (the configuration refuses unknown ones)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from prens.config import Settings
from prens.privacy import redact
from prens.rules.lifecycle import STATES, TERVERIFIKASI, membership_key
from prens.rules.problems import ERROR
from prens.rules.registration import Registration

STATUS_WORDS = {
    "sent": "terkirim",
    "failed": "gagal",
    "uncertain": "belum pasti",
    "pending": "menunggu",
    "sending": "sedang dikirim",
    "superseded": "tidak dikirim (status sudah berubah)",
}
# The messages that are not a state's: their names in words. A state's message is named by the
# state (TERVERIFIKASI, DAFTAR TUNGGU, ...).
EVENT_WORDS = {
    "needs_correction": "Perlu perbaikan",
    "documents_reminder": "Pengingat berkas",
}


def values(reg: Registration, settings: Settings, cells: dict[str, Any]) -> dict[str, str]:
    """The placeholders' values for a registration (`cells`: its verifier columns last seen)."""
    role = {v.role: v.header for v in settings.verifier_columns}
    # What citizens and verifiers typed is redacted: a NIK typed as a name, a phone number in a
    # rejection reason. The membership number is checked against its pattern before it is sent.
    return {
        "nama": redact(reg.person.get("nama", "")).title(),
        "id": reg.id,
        # As the branch writes it, without the spaces or dashes a verifier may have typed.
        "nomor_kepesertaan": membership_key(
            str(cells.get(role.get("membership_number", ""), "")).strip()
        ),
        # Why it was rejected, or (a membership that ended) why it ended.
        "alasan": redact(
            str(
                cells.get(role.get("rejection_reason", ""), "")
                or cells.get(role.get("end_reason", ""), "")
            ).strip()
        ),
        "masalah": " ".join(p.message for p in reg.problems if p.severity == ERROR),
        "kontak": settings.notifications.contact,
        "form_url": settings.form_url,
        "cek_status_url": settings.public.cek_status_url,
        "program": settings.program_name,
        "kabupaten": settings.district,
    }


def message_name(event: str) -> str:
    """A message as a person calls it: the state's name, "Perlu perbaikan", "Pengingat
    berkas" (never the machine's `needs_correction`)."""
    return EVENT_WORDS.get(event, event)


def still_true(event: str, state: str | None) -> bool:
    """Whether a queued message still holds for a registration in `state` when its turn comes:
    a state's message only while the registration is in that state (a TERVERIFIKASI message
    says "bring your documents": not to someone since rejected, registered or on the waiting
    list), and the documents reminder only in TERVERIFIKASI. Other messages (a correction
    needed) always hold."""
    if event == "documents_reminder":
        return state == TERVERIFIKASI
    if event in STATES:
        return state == event
    return True


def render(template: str, filled: dict[str, str]) -> str:
    return " ".join(template.format(**filled).split())


def last_notification(event: str, status: str, at: datetime, tz: tzinfo) -> str:
    """The `Notifikasi Terakhir` cell: the message in words, its time in the program's time
    zone, its outcome ("TERVERIFIKASI, 06-12-2026 08:15, terkirim")."""
    when = at.astimezone(tz).strftime("%d-%m-%Y %H:%M")
    return f"{message_name(event)}, {when}, {STATUS_WORDS.get(status, status)}"
