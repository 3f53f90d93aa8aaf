"""Reading `[[periods]]`: the budget periods (see prens.rules.periods). Without any, one
open-ended period with the `[eligibility]` contribution and months."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from prens.config.reader import Section
from prens.errors import ConfigError
from prens.rules.periods import Period, open_period, refusals


def read_periods(
    root: Section, source: Path, contribution_per_month: int, contribution_months: int
) -> tuple[Period, ...]:
    entries = root.get("periods", list, [], expected="daftar tabel [[periods]]")
    if not entries:
        return (open_period(contribution_per_month, contribution_months),)
    periods = []
    for i, entry in enumerate(entries):
        t = Section(entry, f"periods[{i}]", source)
        periods.append(
            Period(
                name=t.get("name", str, check=lambda v: bool(v.strip()), expected='mis. "2025"'),
                start=_date(t, "start"),
                end=_date(t, "end"),
                budget=t.get("budget", int, 0, lambda v: v >= 0, "rupiah (0: not set)"),
                quota=t.get("quota", int, 0, lambda v: v >= 0, "people (0: no cap)"),
                months=t.get("months", int, 12, lambda v: 1 <= v <= 60, "1 sampai 60 bulan"),
                contribution_per_month=t.get(
                    "contribution_per_month",
                    int,
                    contribution_per_month,
                    lambda v: v > 0,
                    "rupiah, bilangan bulat positif",
                ),
            )
        )
        t.done()
    for index, key, expected in refusals(periods):
        value: Any = getattr(periods[index], key)
        raise ConfigError(source, f"periods[{index}].{key}", value, expected)
    return tuple(periods)


_ISO_DATE = re.compile(r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*")
DATE_EXPECTED = (
    "tanggal tahun-bulan-hari, mis. 2025-01-01 (tanggal TOML, atau dengan tanda kutip: "
    '"2025-01-01")'
)


def _date(t: Section, key: str) -> date:
    """A date key: TOML's date (`start = 2025-01-01`) or the same written as text, as most
    people write dates (`start = "2025-01-01"`)."""
    value = t.get(key, object, expected=DATE_EXPECTED)
    if isinstance(value, str) and (m := _ISO_DATE.fullmatch(value)):
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ConfigError(
                t.source, t.key(key), value, "tanggal yang ada, mis. 2025-01-01"
            ) from None
    if isinstance(value, str):
        raise ConfigError(
            t.source, t.key(key), value, DATE_EXPECTED + "; hari di depan (01-01-2025) tidak dibaca"
        )
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise ConfigError(t.source, t.key(key), value, DATE_EXPECTED + ", tanpa jam")
    return value
