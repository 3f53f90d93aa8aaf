"""The Berita Acara Hasil Verifikasi's numbers (pure): counts per kecamatan and state, budget,
coverage. Counts only: no name, no NIK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from prens.config import Settings
from prens.rules.lifecycle import APPROVED, BERHENTI, DAFTAR_TUNGGU, STATES
from prens.rules.periods import Period
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


def build(
    registrations: list[Registration], settings: Settings, period: Period | None = None
) -> Report:
    """The numbers for `registrations`; the budget at `period`'s contribution and months (the
    configured ones without a period)."""
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
    per_month = period.contribution_per_month if period else settings.contribution_per_month
    months = period.months if period else settings.contribution_months
    budget = eligible * per_month * months
    target = settings.coverage_target
    coverage = f"{eligible / target:.1%}".replace(".", ",") if target else ""
    return Report(
        states,
        rows,
        totals,
        sum(totals),
        eligible,
        per_month,
        months,
        budget,
        target,
        coverage,
    )


def in_period(
    registrations: list[Registration],
    lines: dict[str, list[tuple[datetime, str]]],
    start: datetime,
    end: datetime,
) -> list[Registration]:
    """The registrations a period's Berita Acara counts: received in it, or verified (a state
    change) in it; naive UTC bounds."""
    out = []
    for reg in registrations:
        received = reg.received_at.astimezone(UTC).replace(tzinfo=None)
        changed = any(start <= at < end for at, _ in lines.get(reg.id, []))
        if changed or start <= received < end:
            out.append(reg)
    return out
