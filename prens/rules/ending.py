"""Memberships that end (pure): what "Alasan Berhenti" and "Tanggal Berhenti" say, checked
against the configured reasons and today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prens.rules.bpjs.columns import read_date


def reason_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def ending(
    reason: str,
    when: object,
    reasons: Sequence[str],
    verified: bool,
    today: date,
    period_end: date | None = None,
) -> tuple[bool, list[str]]:
    """Whether the membership has ended by `today`, and notes on the cells for the verifiers
    (Bahasa Indonesia). An empty date is the day the reason was filled (the sync that first
    sees it)."""
    typed = reason_key(reason)
    when_text = "" if when is None else str(when).strip()
    if not typed:
        return False, (["Tanggal Berhenti diisi tanpa Alasan Berhenti."] if when_text else [])
    if typed not in {reason_key(r) for r in reasons}:
        return False, [
            f"Alasan berhenti {reason.strip()[:60]!r} tidak ada di daftar: pilih salah satu dari "
            + ", ".join(reasons)
            + "."
        ]
    if not verified:
        return False, ["Alasan berhenti diisi untuk pendaftar yang belum menjadi peserta."]
    if not when_text:
        return True, []
    day = when if isinstance(when, date) else read_date(when_text)
    if day is None:
        return False, [f"Tanggal Berhenti {when_text[:20]!r} tidak terbaca: tulis HH-BB-TTTT."]
    if period_end is not None and day > period_end:
        return False, [
            f"Tanggal Berhenti {day:%d-%m-%Y} di luar periode anggaran berjalan (sampai "
            f"{period_end:%d-%m-%Y}): periksa tanggalnya."
        ]
    if day > today:
        return False, [f"Kepesertaan berhenti mulai {day:%d-%m-%Y}."]
    return True, []


def is_silent(reason: str, silent: Sequence[str]) -> bool:
    """Whether an end for `reason` is told to nobody (a death)."""
    return reason_key(reason) in {reason_key(r) for r in silent}


def age_end(born: str, age: int, rule: str) -> date | None:
    """The day a membership ends at `age` for someone born on `born` (yyyy-mm-dd): the
    birthday, or the last day of its month ("end_of_month"). None when `born` is not a date.
    Someone born on 29 February turns a year older on 1 March in a common year."""
    try:
        birth = date.fromisoformat(born)
    except ValueError:
        return None
    year = birth.year + age
    try:
        birthday = date(year, birth.month, birth.day)
    except ValueError:
        birthday = date(year, 3, 1)
    if rule == "birthday":
        return birthday
    following = date(year + (birthday.month == 12), birthday.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def end_day(when: object) -> date | None:
    """The date in "Tanggal Berhenti" (None: empty or unreadable)."""
    if isinstance(when, date):
        return when
    return read_date(str(when or "").strip())
