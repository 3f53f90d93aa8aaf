"""The Berita Acara Hasil Verifikasi's numbers (pure): counts per kecamatan and state, budget,
coverage. Counts only: no name, no NIK."""

from __future__ import annotations

from dataclasses import dataclass

from prens.config import Settings
from prens.rules.lifecycle import APPROVED, BERHENTI, DAFTAR_TUNGGU, STATES
from prens.rules.registration import Registration


@dataclass(frozen=True)
class Report:
    states: tuple[str, ...]
    rows: list[tuple[str, list[int], int]]  # kecamatan, count per state, total
    totals: list[int]
    total: int
    eligible: int  # TERVERIFIKASI or later
    per_month: int
    months: int
    budget: int
    target: int
    coverage: str  # "12,5%" or "" when no target is set


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def build(registrations: list[Registration], settings: Settings) -> Report:
    # The waiting list's and the ended's columns only when someone is in them.
    states = tuple(
        st
        for st in STATES
        if st not in (DAFTAR_TUNGGU, BERHENTI) or any(r.state == st for r in registrations)
    )
    counts: dict[str, list[int]] = {}
    for reg in registrations:
        row = counts.setdefault(reg.person.get("kecamatan", "-"), [0] * len(states))
        if reg.state in states:
            row[states.index(reg.state)] += 1
    rows = [(k, v, sum(v)) for k, v in sorted(counts.items())]
    totals = [sum(v[i] for _, v, _ in rows) for i in range(len(states))]
    eligible = sum(n for st, n in zip(states, totals, strict=True) if st in APPROVED)
    budget = eligible * settings.contribution_per_month * settings.contribution_months
    target = settings.coverage_target
    coverage = f"{eligible / target:.1%}".replace(".", ",") if target else ""
    return Report(
        states,
        rows,
        totals,
        sum(totals),
        eligible,
        settings.contribution_per_month,
        settings.contribution_months,
        budget,
        target,
        coverage,
    )
