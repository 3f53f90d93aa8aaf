"""The Dinas dashboard's numbers, each from one query on the ledger (never from the sheet)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.elements import ColumnElement

from prens.config import Settings
from prens.reports.recipients import desa_col, kecamatan_col, nama_col
from prens.rules.ending import age_end
from prens.rules.lifecycle import (
    APPROVED,
    BERHENTI,
    BERKAS_LENGKAP,
    DAFTAR_TUNGGU,
    DITOLAK,
    MENUNGGU,
    ORDER,
    TERDAFTAR,
    TERVERIFIKASI,
)
from prens.rules.problems import CATALOGUE, ERROR
from prens.rules.registration import ACCEPTED, NEEDS_CORRECTION
from prens.store.ledger import registrations
from prens.store.outbox import notifications
from prens.store.sql import json_text
from prens.store.verification import state_entries

CORRECTION = "PERLU PERBAIKAN"
DUPLICATE_LABEL = "DUPLIKAT"
STATUS_ORDER = (*ORDER, DITOLAK, BERHENTI, CORRECTION, DUPLICATE_LABEL)
COVERED = (TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR)
UNKNOWN_PLACE = "(tidak dikenal)"


@dataclass
class Dashboard:
    per_day: list[tuple[date, int]] = field(default_factory=list)
    by_kecamatan: dict[str, Counter[str]] = field(default_factory=dict)  # kecamatan -> label -> n
    funnel: list[tuple[str, int]] = field(default_factory=list)
    corrections: list[tuple[str, str, int]] = field(default_factory=list)  # code, question, n
    submissions: int = 0
    needing_correction: int = 0
    deliveries: dict[str, Counter[str]] = field(default_factory=dict)  # event -> status -> n
    by_state: Counter[str] = field(default_factory=Counter)  # accepted registrations
    coverage_target: int = 0
    # Members whose membership ends at max_age within 90 days: (name, id, desa, kecamatan, day).
    reaching_age: list[tuple[str, str, str, str, date]] = field(default_factory=list)
    contribution_per_month: int = 0
    contribution_months: int = 0

    @property
    def covered(self) -> int:
        return sum(self.by_state[s] for s in COVERED)

    @property
    def coverage_percent(self) -> float | None:
        if not self.coverage_target:
            return None
        return 100.0 * self.covered / self.coverage_target

    @property
    def budget_covered(self) -> int:
        """A year's contributions (as configured) for the people verified or further."""
        return self.covered * self.contribution_per_month * self.contribution_months

    @property
    def budget_projected(self) -> int:
        """The same with those still waiting for verification, if all are verified."""
        waiting = self.by_state[MENUNGGU]
        return (self.covered + waiting) * self.contribution_per_month * self.contribution_months

    @property
    def correction_rate(self) -> float:
        return 100.0 * self.needing_correction / self.submissions if self.submissions else 0.0


def _local_day(engine: Engine, hours: int) -> ColumnElement[Any]:
    column = registrations.c.submitted_at  # naive UTC
    if engine.dialect.name == "sqlite":
        return func.date(column, f"{hours:+d} hours")
    return func.date(column + timedelta(hours=hours))


def _label(status: str, state: str | None) -> str:
    if status == ACCEPTED:
        return state or MENUNGGU
    return CORRECTION if status == NEEDS_CORRECTION else DUPLICATE_LABEL


def dashboard(engine: Engine, settings: Settings, now: datetime) -> Dashboard:
    """Every number of the dashboard; `now` (aware) fixes the program's UTC offset."""
    offset = now.astimezone(settings.timezone).utcoffset() or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    out = Dashboard(
        coverage_target=settings.coverage_target,
        contribution_per_month=settings.contribution_per_month,
        contribution_months=settings.contribution_months,
    )
    titles = dict(settings.questions)
    with engine.connect() as conn:
        day = _local_day(engine, hours)
        out.per_day = [
            (d if isinstance(d, date) else date.fromisoformat(str(d)), int(n))
            for d, n in conn.execute(select(day, func.count()).group_by(day).order_by(day)).all()
        ]
        for kecamatan, status, state, n in conn.execute(
            select(
                kecamatan_col, registrations.c.status, registrations.c.state, func.count()
            ).group_by(kecamatan_col, registrations.c.status, registrations.c.state)
        ):
            counts = out.by_kecamatan.setdefault(kecamatan or UNKNOWN_PLACE, Counter())
            counts[_label(status, state)] += int(n)
        entered = {
            state: func.count()
            .filter(state_entries.c.state == state)
            .label(state.replace(" ", "_"))
            for state in COVERED
        }
        firsts = conn.execute(select(*entered.values()).select_from(state_entries)).one()
        total, accepted = conn.execute(
            select(func.count(), func.count().filter(registrations.c.status == ACCEPTED))
        ).one()
        out.submissions = int(total)
        out.funnel = [
            ("Formulir masuk", int(total)),
            ("Data lengkap dan benar", int(accepted)),
            *((state.title(), int(n)) for state, n in zip(COVERED, firsts, strict=True)),
        ]
        codes: Counter[tuple[str, str]] = Counter()
        for (problems,) in conn.execute(
            select(registrations.c.problems).where(registrations.c.status == NEEDS_CORRECTION)
        ):
            out.needing_correction += 1
            for p in json.loads(problems):
                if p["severity"] == ERROR:
                    codes[(p["code"], titles.get(p["field"], p["field"]))] += 1
        out.corrections = [
            (code, question, n) for (code, question), n in codes.most_common() if code in CATALOGUE
        ]
        for event, status, n in conn.execute(
            select(notifications.c.event, notifications.c.status, func.count()).group_by(
                notifications.c.event, notifications.c.status
            )
        ):
            out.deliveries.setdefault(event, Counter())[status] += int(n)
        for state, n in conn.execute(
            select(registrations.c.state, func.count())
            .where(registrations.c.status == ACCEPTED)
            .group_by(registrations.c.state)
        ):
            out.by_state[state or MENUNGGU] += int(n)
    out.reaching_age = reaching_age(engine, settings, now.astimezone(settings.timezone).date())
    return out


def reaching_age(
    engine: Engine, settings: Settings, today: date, days: int = 90
) -> list[tuple[str, str, str, str, date]]:
    """Members (and those waiting) whose membership ends at max_age within `days` of `today`,
    soonest first: (name, id, desa, kecamatan, the day it ends)."""
    born = json_text(registrations.c.person, "tanggal_lahir")
    # Only those born in the window whose birthday at max_age falls from the start of this
    # month to `days` ahead (dates as stored, yyyy-mm-dd, compare as text).
    years = settings.max_age
    low = date(today.year - years, today.month, 1).isoformat()
    ahead = date.fromordinal(today.toordinal() + days)
    high = f"{ahead.year - years:04d}-{ahead.month:02d}-31"
    out = []
    with engine.connect() as conn:
        for name, reg_id, desa, kecamatan, birth in conn.execute(
            select(nama_col, registrations.c.id, desa_col, kecamatan_col, born).where(
                registrations.c.status == ACCEPTED,
                registrations.c.state.in_((*APPROVED, DAFTAR_TUNGGU)),
                born.between(low, high),
            )
        ):
            ends = age_end(birth or "", settings.max_age, settings.membership.age_end)
            if ends is not None and today <= ends <= date.fromordinal(today.toordinal() + days):
                out.append((name or "", reg_id, desa or "", kecamatan or "", ends))
    return sorted(out, key=lambda r: (r[4], r[0]))
