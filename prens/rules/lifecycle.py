"""The verification lifecycle (pure): what verifiers ticked, as a state, notes and transitions.

MENUNGGU VERIFIKASI -> (every verification ticked) TERVERIFIKASI -> (documents ticked)
BERKAS LENGKAP -> (membership number filled) TERDAFTAR; a rejection reason at any point ->
DITOLAK. Which columns play which role is configuration (a district may have one verifier, or
three).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MENUNGGU = "MENUNGGU VERIFIKASI"
# Verified while the budget period's quota is full: waits for a place (prens.rules.waiting).
DAFTAR_TUNGGU = "DAFTAR TUNGGU"
TERVERIFIKASI = "TERVERIFIKASI"
BERKAS_LENGKAP = "BERKAS LENGKAP"
TERDAFTAR = "TERDAFTAR"
DITOLAK = "DITOLAK"
BERHENTI = "BERHENTI"  # a membership that ended (a reason in "Alasan Berhenti")
ORDER = (MENUNGGU, DAFTAR_TUNGGU, TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)
STATES = (*ORDER, DITOLAK, BERHENTI)
# The members of a period: the places its quota counts.
APPROVED = (TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)

ADVANCE, REGRESS, REJECT, REOPEN, END = "advance", "regress", "reject", "reopen", "end"
_TRUE = {"true", "ya", "1", "y", "v", "x", "✓", "✔"}
# Reasons too short to tell a citizen anything.
_EMPTY_REASONS = {"-", "x", "tolak", "ditolak", "tidak", "no", "ok", "."}


def ticked(value: object) -> bool:
    """A checkbox cell as Sheets gives it (a boolean) or as people type it ("TRUE", "ya")."""
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() in _TRUE


@dataclass(frozen=True)
class VerifierView:
    """What the verifier columns of one row say."""

    verifications: tuple[bool, ...]
    documents: tuple[bool, ...]
    membership_number: str
    rejection_reason: str
    # Why the membership number cannot be announced (not the configured pattern, or another
    # registration's); empty when it can. Such a number keeps the row in BERKAS LENGKAP.
    membership_issue: str = ""
    # The membership has ended (a configured reason, from a date not after today): BERHENTI.
    ended: bool = False

    @property
    def verified(self) -> bool:
        return bool(self.verifications) and all(self.verifications)

    @property
    def documents_in(self) -> bool:
        return bool(self.documents) and all(self.documents)


def state_of(view: VerifierView) -> str:
    """The state the verifier columns put a registration in."""
    if view.rejection_reason.strip():
        return DITOLAK
    if view.ended and view.verified:
        return BERHENTI
    if not view.verified:
        return MENUNGGU
    if not view.documents_in:
        return TERVERIFIKASI
    if not view.membership_number.strip() or view.membership_issue:
        return BERKAS_LENGKAP
    return TERDAFTAR


def membership_key(number: str) -> str:
    """A membership number as compared and checked: without spaces, dots and dashes."""
    return re.sub(r"[\s.\-]", "", number)


def membership_issue(number: str, pattern: str, held_by: list[str]) -> str:
    """Why `number` cannot be announced (Bahasa Indonesia for the verifiers), or "": it must
    match `pattern` once separators are removed, and no other registration (`held_by`) may
    have it."""
    if not number.strip():
        return ""
    if not re.fullmatch(pattern, membership_key(number)):
        digits = re.fullmatch(r"\[0-9\]\{(\d+)\}|\\d\{(\d+)\}", pattern)
        shape = f" ({digits[1] or digits[2]} angka)" if digits else ""
        return (
            f"Nomor kepesertaan BPJS tidak sesuai format{shape}: status tetap BERKAS LENGKAP "
            "dan pendaftar belum diberi tahu. Perbaiki nomornya."
        )
    if held_by:
        return (
            "Nomor kepesertaan BPJS ini sudah dipakai pendaftar lain ("
            + ", ".join(sorted(held_by))
            + "): status tetap BERKAS LENGKAP dan pendaftar belum diberi tahu."
        )
    return ""


def notes_of(view: VerifierView) -> list[str]:
    """Verifier input the system accepts but a verifier should look at again (Bahasa Indonesia)."""
    notes = []
    number = view.membership_number.strip()
    if view.membership_issue:
        notes.append(view.membership_issue)
    reason = view.rejection_reason.strip()
    if reason and (any(view.verifications) or any(view.documents) or number):
        notes.append("Baris ditolak tetapi masih ada centang atau nomor kepesertaan.")
    if reason and (reason.casefold() in _EMPTY_REASONS or len(reason) < 5):
        notes.append("Alasan penolakan perlu dijelaskan: alasan ini dikirim ke pendaftar.")
    if not reason and view.documents_in and not view.verified:
        notes.append("Berkas diterima sebelum verifikasi Dinas dan BPJS lengkap.")
    if not reason and number and not (view.verified and view.documents_in):
        notes.append("Nomor kepesertaan diisi sebelum verifikasi dan berkas lengkap.")
    return notes


def transition(before: str, after: str) -> str | None:
    """The kind of move from `before` to `after`, or None when nothing moved."""
    if before == after:
        return None
    if after == DITOLAK:
        return REJECT
    if after == BERHENTI:
        return END
    if before in (DITOLAK, BERHENTI):
        return REOPEN
    return ADVANCE if ORDER.index(after) > ORDER.index(before) else REGRESS


def entered(before: str, after: str) -> list[str]:
    """The states a move passes into, in order (TERVERIFIKASI and BERKAS LENGKAP both, when a
    verifier ticks everything between two syncs): each is a first entry the first time."""
    kind = transition(before, after)
    if kind in (ADVANCE, REOPEN):
        start = 0 if before in (DITOLAK, BERHENTI) else ORDER.index(before) + 1
        passed = ORDER[start : ORDER.index(after) + 1] if kind == ADVANCE else (after,)
        # The waiting list is entered only by waiting: a move past it does not pass through it.
        return [s for s in passed if s != DAFTAR_TUNGGU or s == after]
    return [after] if kind in (REJECT, END) else []
