"""Dates of birth and ages (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str, order: str = "mdy") -> date | None:
    """Read a date as the form sends it: ISO ``yyyy-mm-dd``, or slashed in the form locale's order.

    ``order`` is "mdy" (``m/d/yyyy``, the Balangan form) or "dmy". Returns None when unreadable.
    """
    text = text.strip()
    try:
        if m := _ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SLASHED.fullmatch(text):
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            month, day = (first, second) if order == "mdy" else (second, first)
            return date(year, month, day)
    except ValueError:
        return None
    return None


def age_on(born: date, on: date) -> int:
    """Full years of age on a day.

    Someone born on 29 February turns a year older on 1 March in a common year.
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def naive_utc(moment: datetime) -> datetime:
    """UTC without a zone, as the database stores times (a naive `moment` is UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
