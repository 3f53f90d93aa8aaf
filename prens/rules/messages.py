"""Message texts (pure): a template filled from a registration. No NIK, KK or phone number can
appear: they are not placeholders (the configuration refuses unknown ones)."""

from __future__ import annotations

from typing import Any

from prens.config import Settings
from prens.privacy import redact
from prens.rules.lifecycle import TERVERIFIKASI, membership_key
from prens.rules.problems import ERROR
from prens.rules.registration import Registration

STATUS_WORDS = {
    "sent": "terkirim",
    "failed": "gagal",
    "uncertain": "belum pasti",
    "pending": "menunggu",
    "sending": "sedang dikirim",
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


def still_wanted(event: str, state: str | None) -> bool:
    """Whether a queued message still has something to say when its turn comes: a documents
    reminder is not sent once the registration has left TERVERIFIKASI (documents ticked,
    rejected, ...)."""
    return event != "documents_reminder" or state == TERVERIFIKASI


def render(template: str, filled: dict[str, str]) -> str:
    return " ".join(template.format(**filled).split())


def last_notification(event: str, status: str, at: str) -> str:
    """The `Notifikasi Terakhir` cell: event, time, outcome."""
    return f"{event} {at} {STATUS_WORDS.get(status, status)}"
