"""Budget periods (pure): the program is paid from each year's budget, decided each year. A
period has dates, a budget (the pagu), a quota of people, the months it pays for and the
contribution per person per month. A deployment without `[[periods]]` has one open-ended
period, with the `[eligibility]` contribution and months."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

OPEN_NAME = "semua"  # the open-ended period of a deployment without [[periods]]


@dataclass(frozen=True)
class Period:
    name: str
    start: date | None  # None: open at that end
    end: date | None
    budget: int  # rupiah; 0: not set
    quota: int  # people; 0: no cap
    months: int
    contribution_per_month: int

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def cost_at_quota(self) -> int:
        """What the period costs with every place taken for every month it pays for."""
        return self.quota * self.months * self.contribution_per_month

    @property
    def span_months(self) -> int | None:
        """Calendar months from start to end, both counted (None for an open period)."""
        if self.start is None or self.end is None:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def shown(self) -> str:
        """The period in words, as the Dinas writes dates."""
        if self.start is None and self.end is None:
            return "tanpa batas waktu"
        start = f"{self.start:%d-%m-%Y}" if self.start else "…"
        end = f"{self.end:%d-%m-%Y}" if self.end else "…"
        return f"{start} s.d. {end}"


def open_period(contribution_per_month: int, months: int) -> Period:
    return Period(OPEN_NAME, None, None, 0, 0, months, contribution_per_month)


def period_on(periods: Sequence[Period], day: date) -> Period | None:
    """The period containing `day` (None: no period covers it)."""
    return next((p for p in periods if p.contains(day)), None)


def refusals(periods: Sequence[Period]) -> list[tuple[int, str, str]]:
    """What makes a list of periods unusable: (index, key, expected) for each (pure). Reversed
    dates, a name used twice, periods that overlap, more months than the period spans."""
    out: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for i, p in enumerate(periods):
        if p.start is not None and p.end is not None and p.end < p.start:
            out.append((i, "end", f"tanggal pada atau sesudah awalnya ({p.start.isoformat()})"))
        if p.name in seen:
            out.append((i, "name", "nama yang tidak dipakai periode lain"))
        seen.add(p.name)
        span = p.span_months
        if span is not None and p.months > span:
            out.append((i, "months", f"paling banyak {span} bulan, dari awal sampai akhir"))
    dated = sorted(
        ((i, p) for i, p in enumerate(periods) if p.start and p.end and p.start <= p.end),
        key=lambda ip: ip[1].start or date.min,
    )
    for (_i, before), (j, after) in zip(dated, dated[1:], strict=False):
        assert before.end is not None and after.start is not None
        if after.start <= before.end:
            out.append((j, "start", f"tanggal sesudah akhir periode {before.name!r}"))
    return out


def warnings(periods: Sequence[Period], today: date) -> list[str]:
    """What an operator should look at (Bahasa Indonesia): today outside every period, a quota
    that costs more than the budget, the next period missing as the current one ends."""
    out = []
    current = period_on(periods, today)
    if current is None:
        out.append(
            f"Tanggal hari ini ({today:%d-%m-%Y}) tidak termasuk periode mana pun: pendaftar "
            "yang disetujui tidak punya periode anggaran. Tambahkan periode di [[periods]]."
        )
    for p in periods:
        if p.budget and p.quota and p.cost_at_quota > p.budget:
            out.append(
                f"Periode {p.name}: kuota {p.quota} orang × {p.months} bulan × Rp "
                f"{p.contribution_per_month:,} = Rp {p.cost_at_quota:,} melebihi pagu Rp "
                f"{p.budget:,}.".replace(",", ".")
            )
    if current is not None and current.end is not None:
        left = (current.end - today).days
        follows = period_on(periods, date.fromordinal(current.end.toordinal() + 1))
        if left <= 60 and follows is None:
            out.append(
                f"Periode {current.name} berakhir {current.end:%d-%m-%Y} ({left} hari lagi) dan "
                "belum ada periode sesudahnya."
            )
    return out
