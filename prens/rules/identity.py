"""NIK and KK rules (pure).

NIK: ``PP KK CC DDMMYY SSSS``; province, kabupaten/kota and kecamatan of first registration, the
birth date with 40 added to the day for women, and a serial from 0001.
KK: ``PPKKCC DDMMYY SSSS``; the region and date of issue (no +40), and a serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from prens.rules.digits import ascii_digits, is_placeholder
from prens.rules.problems import Problem, problem

# Kemendagri province codes: the 38 provinces, including the Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    ]
)

_SEPARATORS = re.compile(r"[\s.\-]+")


def digits_only(text: str) -> str:
    """Remove the spaces, dots and dashes people type inside long numbers; digits of any script
    as ASCII ones."""
    return _SEPARATORS.sub("", ascii_digits(text))


def two_digit_year(yy: int, today: date) -> int:
    """Expand a two-digit year: one above the current year's means the 1900s."""
    return 2000 + yy if yy <= today.year % 100 else 1900 + yy


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Nik:
    """A NIK that passed the hard checks, and what it encodes."""

    number: str
    birth_date: date
    sex: str  # "L" (laki-laki) or "P" (perempuan)

    @property
    def region(self) -> str:
        """The kabupaten/kota code, dotted like "63.11"."""
        return f"{self.number[0:2]}.{self.number[2:4]}"


def check_nik(raw: str, today: date, field: str = "nik") -> tuple[Nik | None, list[Problem]]:
    """Check a typed NIK; return it parsed when it has no hard error."""
    number = digits_only(raw)
    if not looks_like_nik(number):
        return None, [problem(field, "nik_format")]
    if is_placeholder(number):
        return None, [problem(field, "nik_placeholder")]
    if number[0:2] not in PROVINCE_CODES or number[2:4] == "00" or number[4:6] == "00":
        return None, [problem(field, "nik_region")]
    day, month, yy = int(number[6:8]), int(number[8:10]), int(number[10:12])
    sex = "P" if day > 40 else "L"
    if sex == "P":
        day -= 40
    born = _safe_date(two_digit_year(yy, today), month, day)
    if born is None:
        return None, [problem(field, "nik_date")]
    if number[12:16] == "0000":
        return None, [problem(field, "nik_serial")]
    return Nik(number, born, sex), []


def check_kk(
    raw: str, today: date, nik: str | None, region_code: str, district: str, field: str = "kk"
) -> tuple[str | None, list[Problem]]:
    """Check a typed KK number; the KK's region is the domicile check."""
    number = digits_only(raw)
    if looks_like_nik(number) and is_placeholder(number):
        return None, [problem(field, "kk_placeholder")]
    if (
        not looks_like_nik(number)
        or number[0:2] not in PROVINCE_CODES
        or number[2:4] == "00"
        or number[12:16] == "0000"
    ):
        return None, [problem(field, "kk_format")]
    if nik is not None and number == nik:
        return None, [problem(field, "kk_equals_nik")]
    issued = _safe_date(
        two_digit_year(int(number[10:12]), today), int(number[8:10]), int(number[6:8])
    )
    if issued is None or issued > today:
        return None, [problem(field, "kk_date")]
    if number[0:4] != region_code.replace(".", ""):
        return None, [problem(field, "kk_outside_region", district=district)]
    return number, []


def looks_like_nik(text: str) -> bool:
    """Whether `text` has a NIK's shape (16 ASCII digits); whether it is a NIK is check_nik's."""
    return re.fullmatch(r"[0-9]{16}", text) is not None


def shown_nik(text: str) -> str:
    """A NIK as a page or a terminal shows it: masked, or in words when it has no NIK's shape
    (never the text itself: it may be another personal number)."""
    return mask(text) if looks_like_nik(text) else "(NIK tidak sah)"


def mask(number: str) -> str:
    """The one masking scheme for identity numbers: the 6-digit region prefix, then asterisks."""
    return number[:6] + "*" * (len(number) - 6)
