"""What a row's verifier cells say (pure): the state they put a registration in on a day, the
notes on them for the verifiers, and what changed since the last sync."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

from prens.config import Settings
from prens.rules.ending import ending
from prens.rules.lifecycle import (
    VerifierView,
    entered,
    membership_issue,
    membership_key,
    notes_of,
    state_of,
    ticked,
    transition,
)
from prens.store.ledger import SheetEntry
from prens.store.verification import Observation


def view_of(cells: dict[str, Any], settings: Settings) -> VerifierView:
    """The verifier columns of one row, by role (pure)."""

    def by(role: str) -> list[Any]:
        return [cells.get(v.header, "") for v in settings.verifier_columns if v.role == role]

    return VerifierView(
        verifications=tuple(ticked(v) for v in by("verification")),
        documents=tuple(ticked(v) for v in by("documents")),
        membership_number=" ".join(str(v).strip() for v in by("membership_number")).strip(),
        rejection_reason=" ".join(str(v).strip() for v in by("rejection_reason")).strip(),
    )


def end_cells(cells: dict[str, Any], settings: Settings) -> tuple[str, Any]:
    """What "Alasan Berhenti" and "Tanggal Berhenti" hold ("" and None without the columns)."""
    reason = next(
        (cells.get(v.header, "") for v in settings.verifier_columns if v.role == "end_reason"), ""
    )
    when = next(
        (cells.get(v.header) for v in settings.verifier_columns if v.role == "end_date"), None
    )
    return str(reason or ""), when


def normalised(cells: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Checkboxes as booleans, text as stripped strings: what the diff compares."""
    checkboxes = settings.checkbox_headers
    return {h: ticked(v) if h in checkboxes else str(v).strip() for h, v in cells.items()}


def membership_number(cells: dict[str, Any], settings: Settings) -> str:
    """The membership number a row holds (as view_of gives it, without the rest)."""
    headers = settings.membership_headers
    return " ".join(str(cells.get(h, "")).strip() for h in headers).strip()


def number_holders(
    numbers: dict[str, str],
    registered: dict[str, str],
) -> dict[str, list[str]]:
    """For each registration, the other registrations that have its membership number (pure).

    `numbers`: registration id -> the number its row has now; `registered`: registration id ->
    the number it was announced with (TERDAFTAR). A registration already announced with a
    number keeps it: only the others that have it too are held back.
    """
    by_number: dict[str, list[str]] = {}
    for reg_id, number in numbers.items():
        if number:
            by_number.setdefault(membership_key(number), []).append(reg_id)
    owner = {membership_key(n): r for r, n in registered.items() if n}
    held: dict[str, list[str]] = {}
    for key, ids in by_number.items():
        if len(ids) > 1:
            keeper = owner.get(key)
            held.update({r: [o for o in ids if o != r] for r in ids if r != keeper})
    return held


def judge(
    cells: dict[str, Any],
    settings: Settings,
    held_by: list[str] | None,
    today: date,
) -> tuple[str, str]:
    """The state a row's verifier cells put a registration in on `today`, and the notes on
    them (pure)."""
    view = view_of(cells, settings)
    issue = membership_issue(view.membership_number, settings.membership_pattern, held_by or [])
    reason, when = end_cells(cells, settings)
    period = settings.period_on(today)
    ended, end_notes = ending(
        reason,
        when,
        settings.membership.end_reasons,
        view.verified,
        today,
        period.end if period else None,
    )
    view = dataclasses.replace(view, membership_issue=issue, ended=ended)
    return state_of(view), " ".join([*notes_of(view), *end_notes])


Verdicts = dict[tuple[Any, ...], tuple[str, str]]


def verdict_key(
    cells: dict[str, Any], settings: Settings, held_by: list[str] | None
) -> tuple[Any, ...]:
    """What `judge` reads of a row: its cells, but of the membership number only whether it is
    empty and whether it has the pattern's shape (the number itself differs on every row of a
    sheet of members, and would make every row a judgement of its own)."""
    numbers = settings.membership_headers
    number = membership_number(cells, settings)
    shape = bool(number) and re.fullmatch(settings.membership_pattern, membership_key(number))
    others = tuple((h, v) for h, v in cells.items() if h not in numbers)
    return (*others, ("membership number", bool(number), bool(shape)), *(held_by or ()))


def observe(
    reg: SheetEntry,
    cells: dict[str, Any],
    last: tuple[dict[str, Any], str] | None,
    settings: Settings,
    today: date,
    held_by: list[str] | None = None,
    verdicts: Verdicts | None = None,
) -> Observation | None:
    """What changed for one registration since the last sync (pure); None when nothing did.
    `cells`: its verifier cells, normalised; `held_by`: the other registrations that have this
    row's membership number; `verdicts`: judgements of cells already judged in this sync (most
    rows of a sheet share a few combinations of ticks); `today`: the day the ends are judged on."""
    key = verdict_key(cells, settings, held_by) if verdicts is not None else ()
    if verdicts is None or key not in verdicts:
        verdict = judge(cells, settings, held_by, today)
        if verdicts is not None:
            verdicts[key] = verdict
    else:
        verdict = verdicts[key]
    before, (after, notes) = reg.state or "", verdict
    last_cells, last_notes = last if last is not None else ({}, "")
    checkboxes = settings.checkbox_headers
    blank = {h: False if h in checkboxes else "" for h in cells}  # normalised empty cells
    changed = [
        (h, last_cells.get(h, blank[h]), v)
        for h, v in cells.items()
        if last_cells.get(h, blank[h]) != v
    ]
    if last is not None and not changed and before == after and notes == last_notes:
        return None
    return Observation(
        reg.id,
        before,
        after,
        cells,
        notes,
        changed,
        entered(before, after),
        transition(before, after),
    )
