"""The figures each reliability scenario prints: what was sent, what came back, what is where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class Figures:
    scenario: str
    sent: int = 0
    acknowledged: int = 0  # answered 200
    in_ledger: int = 0  # of the responses sent, stored
    in_sheet: int = 0  # rows of the registrations that belong in a worksheet
    duplicates: int = 0  # rows or registrations more than once (must be 0)
    lost: int = 0  # acknowledged, or recoverable, but missing (must be 0)
    notes: str = ""

    def line(self) -> str:
        return (
            f"\n[reliability: {self.scenario}] sent {self.sent}, acknowledged "
            f"{self.acknowledged}, in the ledger {self.in_ledger}, in the sheet {self.in_sheet}, "
            f"duplicates {self.duplicates}, lost {self.lost}"
            + (f"; {self.notes}" if self.notes else "")
        )

    def show(self, capsys) -> None:  # type: ignore[no-untyped-def]
        with capsys.disabled():
            print(self.line())


def repeated(values: Iterable[str]) -> int:
    """How many values occur more than once, counting each extra occurrence."""
    return sum(n - 1 for n in Counter(values).values() if n > 1)
