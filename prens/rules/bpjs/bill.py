"""The monthly bill checked (pure): who BPJS bills the district for, against who should be paid.

Expected: every member in TERDAFTAR for the month, at the configured contribution. A billed
line is compared by NIK: is it a member, is its membership number theirs, is the amount right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prens.rules.bpjs.columns import NIK_NUMBER_DETAIL, NikCell
from prens.rules.money import rupiah

OK, NOT_MEMBER, NUMBER_DIFFERS = "ok", "not_member", "number_differs"
AMOUNT_DIFFERS, BILLED_TWICE, NIK_NUMBER, MISSING = (
    "amount_differs",
    "billed_twice",
    "nik_number",
    "missing",
)
OUTCOMES = {
    OK: "Sesuai",
    NOT_MEMBER: "Ditagih tetapi bukan peserta terdaftar",
    NUMBER_DIFFERS: "Nomor kepesertaan berbeda",
    AMOUNT_DIFFERS: "Jumlah iuran berbeda",
    BILLED_TWICE: "Ditagih lebih dari sekali",
    NIK_NUMBER: "NIK tersimpan sebagai angka dan kehilangan digit",
    MISSING: "Peserta terdaftar tetapi tidak ditagih",
}
ADVICE = {
    OK: "Tidak perlu apa-apa.",
    NOT_MEMBER: "Jangan dibayar sebelum BPJS menjelaskan: orang ini tidak ada di daftar SK.",
    NUMBER_DIFFERS: "Cocokkan nomor dengan BPJS; mungkin orang lain atau nomor salah ketik.",
    AMOUNT_DIFFERS: "Minta BPJS membetulkan jumlah sesuai iuran yang ditetapkan.",
    BILLED_TWICE: "Minta BPJS menghapus tagihan ganda.",
    NIK_NUMBER: "Minta BPJS mengirim kolom NIK sebagai teks, bukan angka.",
    MISSING: "Tanyakan ke BPJS mengapa peserta ini tidak ditagih (kepesertaan bisa terputus).",
}


@dataclass(frozen=True)
class BillLine:
    row: int  # the row number in the file
    nik: NikCell
    number: str
    amount: int | None  # None: unreadable or empty
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """As kept for the check's report (JSON)."""
        return {
            "row": self.row,
            "nik": self.nik.nik,
            "as_number": self.nik.as_number,
            "number": self.number,
            "amount": self.amount,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BillLine:
        nik = NikCell(d["nik"], d["as_number"])
        return cls(d["row"], nik, d["number"], d["amount"], d["name"])


@dataclass(frozen=True)
class Member:
    """Someone who should be paid for the month."""

    registration_id: str
    name: str
    number: str


@dataclass(frozen=True)
class Checked:
    row: int | None  # None for a member missing from the bill
    nik: str
    codes: tuple[str, ...]
    registration_id: str = ""
    name: str = ""
    number: str = ""  # on the bill (or the member's, when missing)
    amount: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class BillCheck:
    lines: list[Checked]
    billed: int  # rupiah, the sum of the bill's readable amounts
    expected: int  # rupiah, members × contribution
    members: int

    @property
    def difference(self) -> int:
        return self.billed - self.expected

    def counts(self) -> dict[str, int]:
        found = Counter(code for line in self.lines for code in line.codes)
        return {code: found.get(code, 0) for code in OUTCOMES}


def check(
    lines: Sequence[BillLine],
    members: Mapping[str, Member],
    states: Mapping[str, tuple[str, str]],
    contribution: int,
) -> BillCheck:
    """Compare the bill's `lines` with `members` (NIK -> member for the month); `states`: NIK ->
    (the state, the id) of a registration that is not a member (to say why, and who), for the
    others."""
    seen = Counter(line.nik.nik for line in lines if not line.nik.as_number)
    out: list[Checked] = []
    for line in lines:
        out.append(_line(line, members, states, contribution, seen))
    billed_niks = {line.nik.nik for line in lines if not line.nik.as_number}
    for nik, member in members.items():
        if nik not in billed_niks:
            out.append(
                Checked(None, nik, (MISSING,), member.registration_id, member.name, member.number)
            )
    billed = sum(line.amount for line in lines if line.amount is not None)
    return BillCheck(out, billed, len(members) * contribution, len(members))


def _line(
    line: BillLine,
    members: Mapping[str, Member],
    states: Mapping[str, tuple[str, str]],
    contribution: int,
    seen: Counter[str],
) -> Checked:
    nik = line.nik.nik
    if line.nik.as_number:
        return Checked(
            line.row,
            nik,
            (NIK_NUMBER,),
            number=line.number,
            amount=line.amount,
            detail=NIK_NUMBER_DETAIL,
        )
    member = members.get(nik)
    if member is None:
        state, registration_id = states.get(nik, ("", ""))
        why = f"status {state}" if state else "NIK tidak dikenal"
        return Checked(
            line.row,
            nik,
            (NOT_MEMBER,),
            registration_id,
            number=line.number,
            amount=line.amount,
            detail=why,
        )
    codes, details = [], []
    if seen[nik] > 1:
        codes.append(BILLED_TWICE)
        details.append(f"{seen[nik]} baris")
    if line.number and line.number != member.number:
        codes.append(NUMBER_DIFFERS)
        details.append(f"tagihan {line.number}, terdaftar {member.number or '(kosong)'}")
    if line.amount != contribution:
        codes.append(AMOUNT_DIFFERS)
        shown = "tidak terbaca" if line.amount is None else rupiah(line.amount)
        details.append(f"ditagih {shown}, seharusnya {rupiah(contribution)}")
    return Checked(
        line.row,
        nik,
        tuple(codes) or (OK,),
        member.registration_id,
        member.name,
        number=line.number,
        amount=line.amount,
        detail="; ".join(details),
    )
