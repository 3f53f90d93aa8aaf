"""Membership numbers in (pure): what importing the branch's result file would do to each row.

Rows are matched by NIK; the name (and the date of birth, when the file has it) is the second
check. A number is never written over another, never given to a registration that is not ready
for it, and never given twice."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from prens.rules.bpjs.columns import NIK_NUMBER_DETAIL, NikCell, same_name
from prens.rules.identity import looks_like_nik
from prens.rules.lifecycle import BERKAS_LENGKAP, DITOLAK, TERDAFTAR, membership_key

SET, SAME, CONFLICT = "set", "same", "conflict"
UNKNOWN_NIK, NOT_ELIGIBLE, INVALID_NUMBER = "unknown_nik", "not_eligible", "invalid_number"
NIK_NUMBER, NIK_TWICE, NAME_MISMATCH = "nik_number", "nik_twice", "name_mismatch"
# The report's order, and what each outcome means for the officer.
OUTCOMES = {
    SET: "Akan diisi",
    SAME: "Sudah terisi nomor yang sama",
    CONFLICT: "Sudah terisi nomor lain (tidak ditimpa)",
    UNKNOWN_NIK: "NIK tidak ada di daftar pendaftar",
    NOT_ELIGIBLE: "Belum waktunya diisi (belum BERKAS LENGKAP, atau DITOLAK)",
    INVALID_NUMBER: "Nomor kepesertaan tidak sah",
    NIK_NUMBER: "NIK tersimpan sebagai angka dan kehilangan digit",
    NIK_TWICE: "NIK muncul lebih dari sekali dalam berkas",
    NAME_MISMATCH: "Nama atau tanggal lahir berbeda",
}
APPLIED = "Diisi"  # what "Akan diisi" becomes once applied
# What to do about each outcome (README and the report's second sheet).
ADVICE = {
    SET: "Tidak perlu apa-apa: nomor ditulis ke lembar verifikasi dan pendaftar diberi tahu.",
    SAME: "Tidak perlu apa-apa: nomor ini sudah tercatat.",
    CONFLICT: "Periksa nomor mana yang benar dengan BPJS; ubah sel di lembar bila perlu.",
    UNKNOWN_NIK: "Tanyakan ke BPJS: orang ini tidak mendaftar lewat formulir program ini.",
    NOT_ELIGIBLE: "Selesaikan verifikasi dan berkas dulu, lalu impor berkas ini lagi.",
    INVALID_NUMBER: "Minta BPJS memperbaiki nomor (harus sesuai format, satu nomor satu orang).",
    NIK_NUMBER: "Minta BPJS mengirim kolom NIK sebagai teks, bukan angka.",
    NIK_TWICE: "Minta BPJS memeriksa baris ganda; tidak ada yang diisi untuk NIK ini.",
    NAME_MISMATCH: "Periksa KTP; bila orangnya sama, impor dengan menerima nama berbeda.",
}
ELIGIBLE = (BERKAS_LENGKAP, TERDAFTAR)


@dataclass(frozen=True)
class Match:
    """The registration a NIK matches, as an import compares it."""

    id: str
    state: str | None
    status: str
    name: str
    born: str  # the date of birth as stored (ISO), "" when none


@dataclass(frozen=True)
class ImportLine:
    """One data row of the branch's file."""

    row: int  # the row number in the file (1 = its first row), for the officer
    nik: NikCell
    number: str  # separators removed ("" when empty)
    name: str | None = None  # when the file has a name column
    born: date | None = None  # when the file has a date-of-birth column and it is readable
    born_text: str = ""  # the date-of-birth cell as written, when unreadable

    def as_dict(self) -> dict[str, Any]:
        """As kept between an officer's preview and confirmation (JSON)."""
        return {
            "row": self.row,
            "nik": self.nik.nik,
            "as_number": self.nik.as_number,
            "number": self.number,
            "name": self.name,
            "born": self.born.isoformat() if self.born else None,
            "born_text": self.born_text,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImportLine:
        born = date.fromisoformat(d["born"]) if d["born"] else None
        nik = NikCell(d["nik"], d["as_number"])
        return cls(d["row"], nik, d["number"], d["name"], born, d["born_text"])


@dataclass(frozen=True)
class Outcome:
    line: ImportLine
    code: str
    registration_id: str = ""
    name: str = ""  # the registration's name
    detail: str = ""  # Bahasa Indonesia, for the report

    @property
    def sets(self) -> bool:
        return self.code == SET


def plan(
    lines: Sequence[ImportLine],
    registrations: Mapping[str, Match],
    current: Mapping[str, str],
    pattern: str,
    accept_name_mismatch: bool = False,
) -> list[Outcome]:
    """What importing `lines` would do, line by line. `registrations`: NIK -> the registration it
    matches (the active one); `current`: registration id -> the membership number its row holds
    now (empty: none)."""
    twice = Counter(line.nik.nik for line in lines if not line.nik.as_number)
    holders: dict[str, set[str]] = {}
    for reg_id, number in current.items():
        if number:
            holders.setdefault(membership_key(number), set()).add(reg_id)
    in_file: dict[str, set[str]] = {}
    for line in lines:
        if line.number:
            in_file.setdefault(line.number, set()).add(line.nik.nik)
    return [
        _one(line, registrations, current, holders, in_file, twice, pattern, accept_name_mismatch)
        for line in lines
    ]


def _one(  # noqa: PLR0911 (one return per outcome reads best)
    line: ImportLine,
    registrations: Mapping[str, Match],
    current: Mapping[str, str],
    holders: Mapping[str, set[str]],
    in_file: Mapping[str, set[str]],
    twice: Counter[str],
    pattern: str,
    accept: bool,
) -> Outcome:
    if line.nik.as_number:
        return Outcome(line, NIK_NUMBER, detail=NIK_NUMBER_DETAIL)
    if twice[line.nik.nik] > 1:
        return Outcome(line, NIK_TWICE, detail=f"{twice[line.nik.nik]} baris")
    reg = registrations.get(line.nik.nik)
    if reg is None:
        shape = "" if looks_like_nik(line.nik.nik) else " (bukan 16 angka)"
        return Outcome(line, UNKNOWN_NIK, detail=f"NIK tidak dikenal{shape}")
    found = {"registration_id": reg.id, "name": reg.name}
    if reg.state not in ELIGIBLE:
        status = reg.state or reg.status
        why = "ditolak" if reg.state == DITOLAK else "belum berkas lengkap"
        return Outcome(line, NOT_ELIGIBLE, **found, detail=f"status {status} ({why})")
    if not line.number:
        return Outcome(line, INVALID_NUMBER, **found, detail="nomor kosong")
    if not re.fullmatch(pattern, line.number):
        return Outcome(line, INVALID_NUMBER, **found, detail=f"{line.number}: tidak sesuai format")
    now = membership_key(current.get(reg.id, ""))
    if now == line.number:
        return Outcome(line, SAME, **found, detail=now)
    if now:
        return Outcome(line, CONFLICT, **found, detail=f"terisi {now}, berkas {line.number}")
    others = sorted(holders.get(line.number, set()) - {reg.id})
    if others:
        detail = f"{line.number} sudah dipakai {', '.join(others)}"
        return Outcome(line, INVALID_NUMBER, **found, detail=detail)
    if len(in_file.get(line.number, ())) > 1:
        detail = f"{line.number} dipakai juga oleh NIK lain dalam berkas"
        return Outcome(line, INVALID_NUMBER, **found, detail=detail)
    mismatch = _mismatch(line, reg)
    if mismatch and not accept:
        return Outcome(line, NAME_MISMATCH, **found, detail=mismatch)
    note = f"{mismatch}; diterima" if mismatch else line.number
    return Outcome(line, SET, **found, detail=note)


def _mismatch(line: ImportLine, reg: Match) -> str:
    """Why the file's name or date of birth is not the registration's ("" when they agree)."""
    why = []
    if line.name is not None and line.name.strip() and not same_name(line.name, reg.name):
        why.append(f"nama di berkas {line.name.strip()[:80]!r}")
    if line.born is not None and reg.born and line.born.isoformat() != reg.born:
        why.append(f"tanggal lahir di berkas {line.born:%d-%m-%Y}")
    elif line.born is None and line.born_text:
        why.append(f"tanggal lahir di berkas tidak terbaca ({line.born_text[:20]!r})")
    return ", ".join(why)


def labels(applied: bool) -> dict[str, str]:
    """What each outcome is called in a report: a preview's, or an applied import's."""
    return {**OUTCOMES, SET: APPLIED} if applied else dict(OUTCOMES)


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """How many lines had each outcome, in the report's order (every outcome listed)."""
    found = Counter(o.code for o in outcomes)
    return {code: found.get(code, 0) for code in OUTCOMES}
