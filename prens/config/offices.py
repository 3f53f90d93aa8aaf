"""Reading `[offices]`: when a verified person's documents count as late on the offices' pages,
and when the one documents reminder is sent."""

from __future__ import annotations

from prens.config.model import OfficeRules
from prens.config.reader import Section


def read_offices(t: Section) -> OfficeRules:
    days = "0 sampai 365 hari"
    rules = OfficeRules(
        late_days=t.get(
            "late_days", int, OfficeRules.late_days, lambda v: 1 <= v <= 365, "1 sampai 365 hari"
        ),
        reminder_days=t.get(
            "reminder_days", int, OfficeRules.reminder_days, lambda v: 0 <= v <= 365, days
        ),
    )
    t.done()
    return rules
