"""The final list (Daftar Final): who is in it, in what order, with which columns. One rule, used
by the compile job (the worksheet) and by the downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from prens.config import Settings
from prens.reports.exports import write_xlsx
from prens.rules.lifecycle import BERKAS_LENGKAP, TERDAFTAR, TERVERIFIKASI
from prens.rules.phone import national
from prens.rules.registration import Registration
from prens.store.ledger import Ledger
from prens.store.verification import VerificationStore

FINAL_STATES = (TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)
NUMBER = "No."
FIELDS = (
    "nama",
    "nik",
    "kk",
    "tanggal_lahir",
    "jenis_kelamin",
    "kecamatan",
    "desa",
    "alamat",
    "pekerjaan",
    "telepon",
)
IDENTIFIERS = ("nik", "kk", "telepon")


def membership_header(settings: Settings) -> str | None:
    return next(iter(settings.membership_headers), None)


def headers(settings: Settings) -> list[str]:
    cols = settings.columns
    out = [NUMBER, cols["id"], *(cols[f] for f in FIELDS if f in settings.questions)]
    number = membership_header(settings)
    return out + ([number] if number else []) + [cols["status"]]


def text_columns(settings: Settings) -> list[int]:
    """Indexes of the columns that hold identifiers: text in every file, never numbers."""
    head = headers(settings)
    wanted = {settings.columns[f] for f in IDENTIFIERS} | {membership_header(settings) or ""}
    return [i for i, h in enumerate(head) if h in wanted]


def date_columns(settings: Settings) -> list[int]:
    """Indexes of the columns that hold dates (stored as yyyy-mm-dd)."""
    head = headers(settings)
    wanted = settings.columns["tanggal_lahir"] if "tanggal_lahir" in settings.questions else None
    return [i for i, h in enumerate(head) if h == wanted]


def final_list(
    ledger: Ledger,
    store: VerificationStore,
    settings: Settings,
    members: set[str] | None = None,
) -> list[list[str]]:
    """The final list's rows, header first: the members now, or (`members`) those ids, each in
    its state now (a past period's list holds people who have left since)."""
    chosen = ledger.in_states(FINAL_STATES) if members is None else ledger.many(members)
    return list_of(chosen, store, settings, everyone=members is not None)


def list_of(
    chosen: list[Registration], store: VerificationStore, settings: Settings, everyone: bool
) -> list[list[str]]:
    """The final list of `chosen` (all of them, or those in a final state), header first."""
    seen = store.cells_for([r.id for r in chosen])
    return [headers(settings), *rows(chosen, seen, settings, everyone=everyone)]


def list_order(reg: Registration) -> tuple[str, str, str, str]:
    """The order of every list of people the Dinas reads: kecamatan, desa, name, then id."""
    p = reg.person
    return (p.get("kecamatan", ""), p.get("desa", ""), p.get("nama", ""), reg.id)


def write_decree(
    out: IO[bytes],
    table: list[list[str]],
    changes: list[list[str]],
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> None:
    """The decree list as XLSX: the list, its summary with the budget, and what changed from
    the period before (the page and `prens export final` write the same file)."""
    summary_rows = summary(
        table[1:], settings, settings.contribution_months, settings.coverage_target
    )
    write_xlsx(
        out,
        table,
        text_columns(settings),
        summary_rows,
        progress,
        date_columns(settings),
        changes=changes,
    )


def rows(
    registrations: list[Registration],
    last_seen: dict[str, tuple[dict[str, Any], str]],
    settings: Settings,
    everyone: bool = False,
) -> list[list[str]]:
    """Numbered rows, by kecamatan, desa and name, of the registrations in a final state (or
    all of them)."""
    chosen = [r for r in registrations if everyone or r.state in FINAL_STATES]
    chosen.sort(key=list_order)
    number = membership_header(settings)
    out = []
    for n, reg in enumerate(chosen, start=1):
        person = {**reg.person, "telepon": national(reg.person.get("telepon", ""))}
        line = [str(n), reg.id, *(person.get(f, "") for f in FIELDS if f in settings.questions)]
        if number:  # only a number the citizen was told: one held back is not theirs yet
            seen = str(last_seen.get(reg.id, ({}, ""))[0].get(number, ""))
            line.append(seen if reg.state == TERDAFTAR else "")
        out.append([*line, reg.state or ""])
    return out


def summary(
    final: list[list[str]], settings: Settings, months: int, target: int
) -> list[list[Any]]:
    """People per kecamatan and state, the budget, and coverage (rows for a summary sheet):
    a column for every state the list holds, so that the columns add up to the total."""
    head = headers(settings)
    kec, state = head.index(settings.columns["kecamatan"]), head.index(settings.columns["status"])
    present = {row[state] for row in final}
    states = [*FINAL_STATES, *sorted(present - set(FINAL_STATES))]
    counts: dict[str, dict[str, int]] = {}
    for row in final:
        by_state = counts.setdefault(row[kec], dict.fromkeys(states, 0))
        by_state[row[state]] += 1
    table: list[list[Any]] = [["Kecamatan", *states, "Jumlah"]]
    for name in sorted(counts):
        table.append([name, *(counts[name][s] for s in states), sum(counts[name].values())])
    people = len(final)
    table.append(["Jumlah", *(sum(c[s] for c in counts.values()) for s in states), people])
    per_month = settings.contribution_per_month
    table += [
        [],
        ["Iuran per orang per bulan (Rp)", per_month],
        ["Jumlah bulan", months],
        ["Perkiraan anggaran (Rp)", people * per_month * months],
    ]
    if target:
        table.append(["Target pekerja rentan", target])
        table.append(["Cakupan", f"{people / target:.1%}".replace(".", ",")])
    return table
