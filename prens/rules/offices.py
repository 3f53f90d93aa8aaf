"""Desa and kecamatan offices (pure): which registrations an office may see, its list in the
order it works through it, the kecamatan's table per desa, and who is due the documents
reminder. An office sees only its own area, and never a full NIK, KK or phone number."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from prens.rules.identity import mask
from prens.rules.lifecycle import BERKAS_LENGKAP, STATES, TERDAFTAR, TERVERIFIKASI
from prens.rules.regions import Place, Region

DESA, KECAMATAN = "desa", "kecamatan"
LEVEL_WORDS = {DESA: "Desa/Kelurahan", KECAMATAN: "Kecamatan"}


@dataclass(frozen=True)
class Office:
    """An office account: its name (what it signs in with) and its area's region code."""

    name: str
    level: str  # DESA or KECAMATAN
    code: str

    def covers(self, desa_code: str | None) -> bool:
        """Whether a registration of desa `desa_code` is in this office's area."""
        if not desa_code:
            return False
        return (
            desa_code == self.code if self.level == DESA else desa_code.startswith(self.code + ".")
        )


@dataclass(frozen=True)
class Entry:
    """A registration as an office's pages see it (raw: the pages never show NIK or phone)."""

    id: str
    name: str
    nik: str
    phone: str
    state: str
    desa_code: str
    verified_on: date | None = None  # the day it entered TERVERIFIKASI (program time zone)


@dataclass(frozen=True)
class Receipt:
    office: str
    received_on: date
    note: str
    complete: bool = True  # False: documents brought, but not all of them (`note` says which)

    def line(self) -> str:
        """What `Catatan Sistem` says of it ("" for a complete receipt without a note):
        "Kantor Desa Balang, 06-12-2026: belum lengkap: KK belum dibawa"."""
        if self.complete and not self.note:
            return ""
        said = (
            self.note
            if self.complete
            else "belum lengkap" + (f": {self.note}" if self.note else "")
        )
        return f"Kantor {self.office}, {self.received_on:%d-%m-%Y}: {said}"


# What an office may tick as missing; anything else is typed in the note.
MISSING_DOCUMENTS = ("Fotokopi KTP", "Fotokopi KK")


@dataclass(frozen=True)
class Line:
    """One person on an office's list: only what the office needs to recognise them."""

    id: str
    name: str
    nik: str  # masked as on the public list
    phone: str  # the last 4 digits only
    state: str
    verified_on: date | None
    days_waiting: int | None  # verified, documents not received: days since verification
    late: bool
    receipt: Receipt | None


@dataclass
class DesaList:
    waiting: list[Line] = field(default_factory=list)  # TERVERIFIKASI, documents not received
    received: list[Line] = field(default_factory=list)  # documents received (desa or Dinas)
    others: list[Line] = field(default_factory=list)  # everyone else, by state

    def __len__(self) -> int:
        return len(self.waiting) + len(self.received) + len(self.others)

    def __iter__(self) -> Iterator[Line]:
        return iter([*self.waiting, *self.received, *self.others])


def phone_tail(phone: str) -> str:
    """A phone number as an office sees it: its last 4 digits."""
    digits = "".join(c for c in phone if c.isdigit())
    return "•••• " + digits[-4:] if len(digits) >= 4 else ""


def _line(e: Entry, receipt: Receipt | None, today: date, late_days: int) -> Line:
    waiting = e.state == TERVERIFIKASI and (receipt is None or not receipt.complete)
    days = (today - e.verified_on).days if waiting and e.verified_on else None
    return Line(
        id=e.id,
        name=e.name,
        nik=mask(e.nik) if e.nik else "",
        phone=phone_tail(e.phone),
        state=e.state,
        verified_on=e.verified_on,
        days_waiting=days,
        late=days is not None and days > late_days,
        receipt=receipt,
    )


def matches(e: Entry, query: str) -> bool:
    """A search by name (any part, any case) or registration id."""
    q = " ".join(query.split()).casefold()
    return not q or q in e.name.casefold() or q == e.id.casefold()


def desa_list(
    entries: Iterable[Entry],
    receipts: Mapping[str, Receipt],
    today: date,
    late_days: int,
    query: str = "",
) -> DesaList:
    """The desa's people: those waiting for documents (longest first), then those whose
    documents were received, then the rest by state and name."""
    out = DesaList()
    rank = {s: i for i, s in enumerate(STATES)}
    for e in sorted(entries, key=lambda e: (rank.get(e.state, len(rank)), e.name.casefold())):
        if not matches(e, query):
            continue
        line = _line(e, receipts.get(e.id), today, late_days)
        if e.state == TERVERIFIKASI and (line.receipt is None or not line.receipt.complete):
            out.waiting.append(line)  # a receipt not complete: still waiting for the rest
        elif line.receipt is not None or e.state == BERKAS_LENGKAP:
            out.received.append(line)
        else:
            out.others.append(line)
    out.waiting.sort(key=lambda x: -(x.days_waiting or 0))
    return out


@dataclass
class DesaCounts:
    code: str
    name: str
    verified: int = 0  # TERVERIFIKASI: waiting for documents
    late: int = 0  # of those, waiting longer than the configured days
    received: int = 0  # documents received (recorded at the desa, or BERKAS LENGKAP)
    incomplete: int = 0  # of the verified, documents brought but not complete
    registered: int = 0  # TERDAFTAR


@dataclass
class AreaTable:
    rows: list[DesaCounts]
    longest: list[tuple[Line, str]]  # (person, desa name): who has waited longest

    @property
    def totals(self) -> DesaCounts:
        total = DesaCounts("", "Jumlah")
        for r in self.rows:
            total.verified += r.verified
            total.late += r.late
            total.received += r.received
            total.incomplete += r.incomplete
            total.registered += r.registered
        return total


@dataclass(frozen=True)
class Tally:
    """How many registrations of one desa are in one state, with or without a receipt from the
    desa, verified before the late line or not (counted by the database)."""

    desa_code: str
    state: str
    received: bool  # a complete receipt recorded at the desa
    late: bool  # verified more than `late_days` ago
    count: int
    incomplete: bool = False  # a receipt recorded, the documents not complete


def late_line(today: date, late_days: int) -> date:
    """Verified before this day (program time zone): waiting more than `late_days`."""
    return today - timedelta(days=late_days)


def area_table(
    tallies: Iterable[Tally],
    waiting_longest: Iterable[Entry],
    places: Mapping[str, str],
    today: date,
    late_days: int,
    receipts: Mapping[str, Receipt] | None = None,
) -> AreaTable:
    """Per desa (`places`: code -> name, every desa of the area, in order), the counts a camat
    or the Dinas chases with; and those waiting longest for their documents (in that order),
    with the receipt of documents not complete (`receipts`), if any."""
    rows = {code: DesaCounts(code, name) for code, name in places.items()}
    for t in tallies:
        row = rows.get(t.desa_code)
        if row is None:
            continue
        if t.state == TERDAFTAR:
            row.registered += t.count
        elif t.state == BERKAS_LENGKAP or (t.state == TERVERIFIKASI and t.received):
            row.received += t.count
        elif t.state == TERVERIFIKASI:
            row.verified += t.count
            row.late += t.count if t.late else 0
            row.incomplete += t.count if t.incomplete else 0
    longest = [
        (
            _line(e, (receipts or {}).get(e.id), today, late_days),
            places.get(e.desa_code, e.desa_code),
        )
        for e in waiting_longest
    ]
    return AreaTable(list(rows.values()), longest)


def reminders_due(
    entries: Iterable[Entry], receipts: Mapping[str, Receipt], today: date, after_days: int
) -> list[str]:
    """Registrations verified more than `after_days` ago whose documents have not arrived
    (0 days: reminders are off). Whether one was already sent is the outbox's to know."""
    if after_days <= 0:
        return []
    return [
        e.id
        for e in entries
        if e.state == TERVERIFIKASI
        and (e.id not in receipts or not receipts[e.id].complete)
        and e.verified_on is not None
        and (today - e.verified_on).days > after_days
    ]


def desa_places(region: Region, office: Office) -> dict[str, str]:
    """The desa an office's pages count (code -> name): its own, or its kecamatan's."""
    every = {p.code: p for places in region.desa.values() for p in places.values()}
    chosen = [p for code, p in every.items() if office.covers(code)]
    return {p.code: p.name for p in sorted(chosen, key=lambda p: p.name)}


def all_desa(region: Region) -> dict[str, str]:
    """Every desa of the district (code -> "Kecamatan / Desa"), by kecamatan then desa."""
    out = {}
    for kec in sorted(region.kecamatan.values(), key=lambda p: p.name):
        for desa in sorted(region.desa.get(kec.code, {}).values(), key=lambda p: p.name):
            out[desa.code] = f"{kec.name} / {desa.name}"
    return out


def place_of(region: Region, level: str, code: str) -> Place | None:
    """The kecamatan or desa with this code (None when the region data no longer has it)."""
    if level == KECAMATAN:
        return next((p for p in region.kecamatan.values() if p.code == code), None)
    places = region.desa.get(code.rsplit(".", 1)[0], {})
    return next((p for p in places.values() if p.code == code), None)


def area_name(region: Region, office: Office) -> str:
    """The office's area as people read it, from the region data as it is now."""
    place = place_of(region, office.level, office.code)
    if place is None:
        return f"{LEVEL_WORDS[office.level]} {office.code}"
    if office.level == KECAMATAN:
        return f"Kecamatan {place.name}"
    kecamatan = place_of(region, KECAMATAN, office.code.rsplit(".", 1)[0])
    word = "Kelurahan" if place.level == "kelurahan" else "Desa"
    return f"{word} {place.name}" + (f", Kecamatan {kecamatan.name}" if kecamatan else "")


def find_area(region: Region, desa: str, kecamatan: str) -> list[Place]:
    """The places an operator's names can mean: a desa (within the kecamatan, when given), or
    a kecamatan. More than one: the desa name is in several kecamatan."""
    if desa:
        kecs = [region.find_kecamatan(kecamatan)] if kecamatan else region.kecamatan.values()
        return [p for k in kecs if k is not None for p in [region.find_desa(k, desa)] if p]
    found = region.find_kecamatan(kecamatan)
    return [found] if found else []


def default_name(place: Place, level: str) -> str:
    """The name an office signs in with, unless the operator gives one."""
    if level == KECAMATAN:
        return f"Kecamatan {place.name}"
    word = "Kelurahan" if place.level == "kelurahan" else "Desa"
    return f"{word} {place.name}"
