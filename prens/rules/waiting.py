"""The quota and the waiting list (pure): who of those the verifiers approved takes a place in
the budget period, and who waits, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Admission:
    admitted: list[str]  # registration ids that take a place now
    waiting: list[str]  # the rest, in line order (first is next)


def admit(newcomers: Sequence[str], members: int, quota: int | None) -> Admission:
    """`newcomers` (in line order: those waiting longest first) against `members` already in
    the period; `quota` 0 is no cap, None is no period at all (nobody is admitted)."""
    if quota == 0:
        return Admission(list(newcomers), [])
    places = max(0, (quota or 0) - members)
    return Admission(list(newcomers[:places]), list(newcomers[places:]))


def waiting_note(period: str, quota: int, position: int) -> str:
    """Catatan Sistem for a registration on the waiting list (Bahasa Indonesia)."""
    if not period:
        return (
            f"Daftar tunggu urutan ke-{position}: hari ini tidak termasuk periode anggaran mana "
            "pun."
        )
    return f"Kuota periode {period} ({quota} orang) penuh: daftar tunggu urutan ke-{position}."
