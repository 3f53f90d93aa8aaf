"""The yearly evaluation (monitoring dan evaluasi) of a budget period: what came in, what the
verifiers decided and why, how long people waited for their membership, what the messages did,
who is covered where, who left and why, and what the period has cost against its budget.
The figures are pure functions of what the ledger holds (`facts`) and `now`."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy import Engine, case, literal, select

from prens.config import Settings
from prens.reports.changes import Timeline, bounds, is_past, state_at, timelines
from prens.reports.exports import plain_sheet, table_sheet
from prens.rules.lifecycle import APPROVED, BERHENTI, DITOLAK, TERDAFTAR, TERVERIFIKASI
from prens.rules.messages import STATUS_WORDS, message_name
from prens.rules.money import rupiah
from prens.rules.periods import Period
from prens.rules.problems import CATALOGUE, ERROR
from prens.rules.registration import ACCEPTED, NEEDS_CORRECTION, RECEIVED_WORDS
from prens.store.schema import notifications, registrations, state_entries, verifications
from prens.store.sql import json_text

NO_REASON = "(tanpa alasan)"


@dataclass(frozen=True)
class Facts:
    """What the evaluation reads: every registration and state entry, the verifier cells last
    seen, every message (times naive UTC, as stored)."""

    registrations: list[Any]
    entries: dict[str, dict[str, datetime]]  # registration id -> state -> first entered
    cells: dict[str, dict[str, Any]]
    messages: list[Any]
    lines: dict[str, Timeline] = field(default_factory=dict)  # state changes (audit log)


def facts(engine: Engine) -> Facts:
    """Read what the evaluation needs, and no more: no answers, the problems of those needing
    correction only, the verifier cells of the rejected and ended only (100,000 registrations
    in under 500 MB)."""
    problems = case(
        (registrations.c.status == NEEDS_CORRECTION, registrations.c.problems), else_=literal("[]")
    )
    with engine.connect() as conn:
        regs = conn.execute(
            select(
                registrations.c.id,
                registrations.c.received_at,
                registrations.c.status,
                registrations.c.state,
                problems.label("problems"),
                json_text(registrations.c.person, "kecamatan").label("kecamatan"),
                json_text(registrations.c.person, "desa").label("desa"),
            )
        ).all()
        entries: dict[str, dict[str, datetime]] = {}
        for reg_id, state, at in conn.execute(
            select(
                state_entries.c.registration_id, state_entries.c.state, state_entries.c.entered_at
            )
        ):
            entries.setdefault(reg_id, {})[state] = at
        cells = {
            r: json.loads(c)
            for r, c in conn.execute(
                select(verifications.c.registration_id, verifications.c.cells)
                .join(registrations, registrations.c.id == verifications.c.registration_id)
                .where(registrations.c.state.in_((DITOLAK, BERHENTI)))
            )
        }
        messages = conn.execute(
            select(notifications.c.event, notifications.c.status, notifications.c.created_at)
        ).all()
    return Facts(list(regs), entries, cells, list(messages), timelines(engine))


@dataclass
class Evaluation:
    period: Period
    as_of: date
    received: Counter[str] = field(default_factory=Counter)  # accepted / correction / duplicate
    approved: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # reason -> n
    corrections: Counter[str] = field(default_factory=Counter)  # problem code -> n
    days_to_terdaftar: list[float] = field(default_factory=list)
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)  # (event, status) -> n
    members: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kecamatan, desa) -> n
    ended: Counter[str] = field(default_factory=Counter)  # reason -> n
    member_months: int = 0
    members_now: int = 0
    months_left: int = 0

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_terdaftar) if self.days_to_terdaftar else None

    @property
    def p90_days(self) -> float | None:
        d = sorted(self.days_to_terdaftar)
        return d[min(len(d) - 1, int(len(d) * 0.9))] if d else None

    @property
    def realised(self) -> int:
        return self.member_months * self.period.contribution_per_month

    @property
    def projected(self) -> int:
        """The cost to the period's end if today's members stay."""
        return (
            self.realised + self.members_now * self.months_left * self.period.contribution_per_month
        )


def _month(d: date) -> int:
    return d.year * 12 + d.month - 1


def months_left(period: Period, today: date) -> int:
    """Whole months of `period` after this one (0 for an open period)."""
    return max(0, _month(period.end) - _month(today)) if period.end else 0


def _reason(cells: dict[str, Any], settings: Settings, role: str) -> str:
    header = next((v.header for v in settings.verifier_columns if v.role == role), "")
    return " ".join(str(cells.get(header, "")).split()) or NO_REASON


def _count(counter: Counter[str], spelled: dict[str, str], reason: str) -> None:
    """Count `reason` with its other spellings ("Bukan pekerja rentan", "bukan pekerja
    rentan"), under the first one seen: the verifiers' words keep the case they typed."""
    counter[spelled.setdefault(reason.casefold(), reason)] += 1


def evaluate(
    f: Facts,
    settings: Settings,
    period: Period,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """The evaluation of `period` from `f`, as of `now` (aware); `progress(n)`: n more
    registrations counted."""
    tz = settings.timezone
    today = now.astimezone(tz).date()
    first = period.start or min((r.received_at.date() for r in f.registrations), default=today)
    last = min(period.end or today, today)
    out = Evaluation(period, today)

    def local(at: datetime) -> date:
        return at.replace(tzinfo=UTC).astimezone(tz).date()

    def inside(at: datetime | None) -> bool:
        return at is not None and first <= local(at) <= (period.end or today)

    out.months_left = months_left(period, today)
    past = is_past(period, settings, now)
    spelled: dict[str, str] = {}
    end = bounds(period, settings, now)[1]
    for r in f.registrations:
        entered = f.entries.get(r.id, {})
        cells = f.cells.get(r.id, {})
        if inside(r.received_at):
            out.received[RECEIVED_WORDS.get(r.status, r.status)] += 1
            if r.status == NEEDS_CORRECTION:
                for p in json.loads(r.problems):
                    if p["severity"] == ERROR:
                        out.corrections[p["code"]] += 1
        if inside(entered.get(TERVERIFIKASI)):
            out.approved += 1
        if r.state == DITOLAK and inside(entered.get(DITOLAK)):
            _count(out.rejected, spelled, _reason(cells, settings, "rejection_reason"))
        if r.state == BERHENTI and inside(entered.get(BERHENTI)):
            reason = _reason(cells, settings, "end_reason")
            _count(
                out.ended,
                spelled,
                f"usia {settings.max_age} tahun" if reason == NO_REASON else reason,
            )
        if inside(entered.get(TERDAFTAR)):
            waited = entered[TERDAFTAR] - r.received_at
            out.days_to_terdaftar.append(round(waited.total_seconds() / 86400, 1))
        state = state_at(f.lines[r.id], end) if past and r.id in f.lines else r.state
        if r.status == ACCEPTED and state in APPROVED:  # a past period: its members at its end
            out.members[(r.kecamatan or "", r.desa or "")] += 1
            out.members_now += 1
        out.member_months += member_months(f.lines.get(r.id, []), first, last, period.months, tz)
        if progress is not None:
            progress(1)
    for m in f.messages:
        if inside(m.created_at):
            out.messages[(m.event, m.status)] += 1
    return out


def member_months(line: Timeline, first: date, last: date, cap: int, tz: Any) -> int:
    """The months of `first`..`last` in which the timeline was a member at some moment (a month
    begun is a month paid: BPJS bills by the month), at most `cap`. A membership that ends at
    the very first moment of a month (as the rollover's moves to the waiting list are dated: the
    period's start) does not begin that month."""
    months: set[int] = set()
    low, high = _month(first), _month(last)
    for i, (at, state) in enumerate(line):
        if state not in APPROVED:
            continue
        start = _month(at.replace(tzinfo=UTC).astimezone(tz).date())
        until = line[i + 1][0] if i + 1 < len(line) else None
        if until is not None and until <= at:
            continue  # left at the moment it began: no month
        last_moment = until - timedelta(microseconds=1) if until else None
        stop = (
            _month(last_moment.replace(tzinfo=UTC).astimezone(tz).date()) if last_moment else high
        )
        months.update(range(max(start, low), min(stop, high) + 1))
    return min(cap, len(months))


def summary_rows(ev: Evaluation, settings: Settings) -> list[tuple[str, Any]]:
    """The evaluation's headline figures, as the report and the page show them."""
    p = ev.period
    target = settings.coverage_target
    covered = (
        f"{ev.members_now / target:.1%}".replace(".", ",") if target else "(target belum diatur)"
    )
    days = (
        f"{ev.median_days:.1f} / {ev.p90_days:.1f}".replace(".", ",")
        if ev.median_days is not None and ev.p90_days is not None
        else "(belum ada)"
    )
    rows: list[tuple[str, Any]] = [
        ("Periode", f"{p.name} ({p.shown()})"),
        ("Keadaan per", f"{ev.as_of:%d-%m-%Y}"),
        ("Formulir masuk", sum(ev.received.values())),
        *((f"  {label}", ev.received.get(label, 0)) for label in RECEIVED_WORDS.values()),
        ("Disetujui verifikator (TERVERIFIKASI)", ev.approved),
        ("Ditolak", sum(ev.rejected.values())),
        ("Berhenti", sum(ev.ended.values())),
        ("Hari sampai TERDAFTAR, median / persentil 90", days),
        (
            "Peserta pada akhir periode" if ev.as_of > (p.end or ev.as_of) else "Peserta sekarang",
            ev.members_now,
        ),
        ("Cakupan terhadap target", covered),
        ("Pagu", rupiah(p.budget) if p.budget else "(belum diatur)"),
        ("Realisasi s.d. hari ini (bulan-peserta × iuran)", rupiah(ev.realised)),
        ("Proyeksi sampai akhir periode", rupiah(ev.projected)),
    ]
    if p.budget:
        rows.append(left_of_budget(p.budget, ev.projected))
    return rows


def left_of_budget(budget: int, projected: int) -> tuple[str, str]:
    """What the projection leaves of the pagu, in words: the amount left, or the amount over."""
    if projected > budget:
        return ("Melebihi pagu menurut proyeksi", f"{rupiah(projected - budget)} di atas pagu")
    return ("Sisa pagu menurut proyeksi", rupiah(budget - projected))


def write_evaluation(out: IO[bytes], ev: Evaluation, settings: Settings) -> None:
    """The evaluation as XLSX: a summary, then one sheet per breakdown."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Ringkasan")
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 32
    title = [f"EVALUASI {settings.program_name} — {settings.district}"]
    plain_sheet(summary, [title, [], *map(list, summary_rows(ev, settings))])
    messages = [
        [message_name(e), STATUS_WORDS.get(st, st), n] for (e, st), n in sorted(ev.messages.items())
    ]
    places = [[k, d, n] for (k, d), n in sorted(ev.members.items())]
    codes = [
        [c, CATALOGUE[c][1] if c in CATALOGUE else "", n] for c, n in ev.corrections.most_common()
    ]
    sheets: list[tuple[str, list[list[Any]]]] = [
        ("Penolakan", [["Alasan", "Jumlah"], *map(list, ev.rejected.most_common())]),
        ("Perbaikan", [["Kode masalah", "Pesan", "Jumlah"], *codes]),
        ("Pesan", [["Pesan", "Status", "Jumlah"], *messages]),
        ("Wilayah", [["Kecamatan", "Desa", "Peserta"], *places]),
        ("Berhenti", [["Alasan", "Jumlah"], *map(list, ev.ended.most_common())]),
    ]
    for name, table in sheets:
        table_sheet(wb.create_sheet(name), table)
    wb.save(out)


@dataclass(frozen=True)
class Budget:
    """A period's money so far: member-months × contribution, and the projection to its end."""

    period: Period
    members: int  # today's; a past period's at its end
    realised: int
    projected: int
    ended: bool = False  # the period is over

    @property
    def left(self) -> int | None:
        return self.period.budget - self.projected if self.period.budget else None


def budget(engine: Engine, settings: Settings, period: Period, now: datetime) -> Budget:
    """The budget figures of `period` without reading anyone's answers (for the dashboard)."""
    with engine.connect() as conn:
        states = dict(
            conn.execute(
                select(registrations.c.id, registrations.c.state).where(
                    registrations.c.status == ACCEPTED
                )
            ).all()
        )
    lines = timelines(engine)
    tz = settings.timezone
    today = now.astimezone(tz).date()
    first = period.start or min(
        (line[0][0].date() for line in lines.values() if line), default=today
    )
    last = min(period.end or today, today)
    months = sum(member_months(line, first, last, period.months, tz) for line in lines.values())
    if is_past(period, settings, now):  # its members at its end, not today's
        end = bounds(period, settings, now)[1]
        members = sum(1 for r in states if r in lines and state_at(lines[r], end) in APPROVED)
    else:
        members = sum(1 for state in states.values() if state in APPROVED)
    per = period.contribution_per_month
    left = months_left(period, today)
    realised = months * per
    ended = is_past(period, settings, now)
    return Budget(period, members, realised, realised + members * left * per, ended)
