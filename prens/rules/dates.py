"""Dates of birth and ages (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from prens.rules.digits import ascii_digits

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
# 23/04/1989, 23-04-1989, 23.04.1989 (or 4/23/1989 from a form in another locale).
_NUMERIC = re.compile(r"([0-9]{1,2})\s*([/.-])\s*([0-9]{1,2})\s*\2\s*([0-9]{4})")
# 17 Agustus 1987, 17 Agt 1987, 17-Agu-1987, 17 agustus, 1987.
_NAMED = re.compile(r"([0-9]{1,2})[\s./-]*([^\W\d_]{3,9})\.?[\s.,/-]*([0-9]{4})")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "jan", "january"),
            ("februari", "feb", "pebruari", "peb", "february"),
            ("maret", "mar", "march"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("agustus", "agu", "agt", "ags", "agus", "august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "october", "oct"),
            ("november", "nov", "nopember", "nop"),
            ("desember", "des", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def parse_date(text: str, order: str = "mdy", hint: date | None = None) -> date | None:
    """Read a date of birth as people write it: ISO ``yyyy-mm-dd``; day, month and year with
    `/`, `-` or `.` between; or the month named, in Bahasa Indonesia or English ("17 Agustus
    1987", "17 Agt 1987"). Digits of any script count. Where both readings of ``a/b/yyyy`` are
    dates, ``hint`` (the date the NIK encodes) decides, else ``order`` ("mdy" for a form that
    sends ``m/d/yyyy``, "dmy"). None when unreadable."""
    text = " ".join(ascii_digits(text).split())
    try:
        if m := _ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.fullmatch(text):
            return _either(int(m[1]), int(m[3]), int(m[4]), order, hint)
        if (m := _NAMED.fullmatch(text)) and m[2].casefold() in MONTHS:
            return date(int(m[3]), MONTHS[m[2].casefold()], int(m[1]))
    except ValueError:
        return None
    return None


def _either(first: int, second: int, year: int, order: str, hint: date | None) -> date | None:
    """The date `first`/`second`/`year` means: the one reading that is a date, or of two, the
    one the hint confirms, else the one `order` says."""
    readings = []
    for month, day in ((first, second), (second, first)):
        try:
            readings.append(date(year, month, day))
        except ValueError:
            continue
    if not readings:
        return None
    if hint is not None and hint in readings:
        return hint
    if len(readings) == 1:
        return readings[0]
    return readings[0] if order == "mdy" else readings[1]


def age_on(born: date, on: date) -> int:
    """Full years of age on a day.

    Someone born on 29 February turns a year older on 1 March in a common year.
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def naive_utc(moment: datetime) -> datetime:
    """UTC without a zone, as the database stores times (a naive `moment` is UTC already)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
