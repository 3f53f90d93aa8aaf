"""Rows of the form's linked responses sheet (or its CSV download), read as submissions (pure).

The sheet is not the webhook: it has no responseId, and Google Sheets stores what looks like a
number as a number. Read unformatted, a timestamp or a date is a serial number (days since
1899-12-30 in the spreadsheet's time zone); a phone has lost its leading zero (the phone rule
restores it); a 16-digit NIK or KK kept only 15 significant digits, so its last digit may be
wrong: such a NIK is passed on with the `sheet_number` warning, for the verifier to check
against the KTP, never silently trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prens.config import Settings
from prens.errors import PayloadError, ResponsesLayoutError
from prens.intake.submission import (
    TIMESTAMP_TITLES,
    Answer,
    Submission,
    clean_text,
    parse_timestamp,
)
from prens.rules.fingerprint import Fingerprint, fingerprint
from prens.rules.problems import Problem, problem

SHEET_KEY_PREFIX = "form:"  # response keys of responses read from the sheet
_EPOCH = datetime(1899, 12, 30)
_DOCUMENTS = {"nik": ("NIK", "KTP"), "kk": ("Nomor KK", "Kartu Keluarga")}


@dataclass(frozen=True)
class Columns:
    timestamp: int
    titles: tuple[tuple[int, str], ...]  # (index, question title) of every answer column
    fields: dict[str, int]  # field -> index, for the configured questions


def columns(header: list[Any], settings: Settings) -> Columns:
    """Match the header row to the configuration's question titles (spacing ignored)."""
    texts = [" ".join(str(h).split()) for h in header]
    stamp = next((i for i, h in enumerate(texts) if h in TIMESTAMP_TITLES), None)
    if stamp is None:
        raise ResponsesLayoutError(
            "its first row has the columns "
            + "; ".join(f'"{t}"' for t in texts if t)
            + ", but no "
            + " / ".join(f'"{t}"' for t in TIMESTAMP_TITLES)
            + " column: is it a form's responses?"
        )
    by_title = {h: i for i, h in enumerate(texts) if h and i != stamp}
    fields, missing = {}, []
    for field, title in settings.questions.items():
        index = by_title.get(" ".join(title.split()))
        if index is None:
            if settings.required(field):
                missing.append(title)
        else:
            fields[field] = index
    if missing:
        raise ResponsesLayoutError(
            "its first row has the columns "
            + "; ".join(f'"{t}"' for t in texts if t)
            + ", but the configuration ([form.questions]) expects the question(s) "
            + "; ".join(f'"{t}"' for t in missing)
            + ": is it this form's responses? Else correct [form.questions]"
        )
    titles = tuple((i, str(header[i])) for i in sorted(by_title.values()))
    return Columns(stamp, titles, fields)


@dataclass(frozen=True)
class ResponseRow:
    row: int  # the sheet row (1 is the header)
    submission: Submission | None  # None when the row cannot be read
    fingerprint: Fingerprint | None
    notes: tuple[Problem, ...]  # warnings about how the sheet stored the answers
    error: str = ""  # why the row cannot be read (Bahasa Indonesia: the operator reads it)


def row_digest(cells: list[Any]) -> str:
    """A short digest of a row as read: the reconcile cursor's anchor."""
    encoded = json.dumps([str(c) for c in cells], ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32]


def is_blank(cells: list[Any]) -> bool:
    return all(str(c).strip() == "" for c in cells)


def serial_to_datetime(serial: float, tz: ZoneInfo) -> datetime:
    """A Sheets serial date-time (days since 1899-12-30, local to `tz`) as an aware datetime."""
    moment = _EPOCH + timedelta(milliseconds=round(serial * 86_400_000))
    return moment.replace(tzinfo=tz)


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _answer(field: str | None, value: Any, notes: list[Problem]) -> Answer:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if field == "tanggal_lahir":  # a DATE question: a serial day
            return (_EPOCH + timedelta(days=int(value))).date().isoformat()
        if field in _DOCUMENTS:
            label, document = _DOCUMENTS[field]
            notes.append(problem(field, "sheet_number", label=label, document=document))
        return _number_text(value)
    return clean_text(str(value))


def read_row(
    row: int, cells: list[Any], cols: Columns, settings: Settings, tz: ZoneInfo
) -> ResponseRow:
    """One data row of the responses sheet as the submission the webhook would have received."""
    width = max([cols.timestamp, *(i for i, _ in cols.titles)]) + 1
    cells = list(cells) + [""] * (width - len(cells))
    stamp = cells[cols.timestamp]
    try:
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            submitted_at = serial_to_datetime(float(stamp), tz)
        elif isinstance(stamp, str) and stamp.strip():
            submitted_at = parse_timestamp(stamp, tz, settings.date_order)
        else:
            return ResponseRow(row, None, None, (), "kolom waktu (Timestamp) kosong")
    except PayloadError:
        said = clean_text(str(stamp))[:40]
        day = "m/d/yyyy" if settings.date_order == "mdy" else "d/m/yyyy"
        why = (
            f"waktu (Timestamp) {said!r} tidak terbaca: seharusnya {day} H:MM:SS seperti di "
            "lembar jawaban, yyyy/m/d h:mm:ss PM GMT+8 seperti di CSV unduhan Forms, atau ISO "
            "8601 (2026-11-21T14:03:05+08:00)"
        )
        return ResponseRow(row, None, None, (), why)
    field_of = {index: field for field, index in cols.fields.items()}
    notes: list[Problem] = []
    answers: dict[str, Answer] = {}
    for index, title in cols.titles:
        answers[clean_text(title)] = _answer(field_of.get(index), cells[index], notes)
    name = answers.get(settings.questions["nama"], "")
    fp = fingerprint(submitted_at, name if isinstance(name, str) else "")
    submission = Submission(SHEET_KEY_PREFIX + fp.text(), None, submitted_at, answers)
    return ResponseRow(row, submission, fp, tuple(notes))


def settled(submitted_at: datetime, now: datetime, settle_seconds: int) -> bool:
    """Whether a response is old enough that the webhook, if it was coming, has come."""
    return submitted_at.astimezone(UTC) <= now.astimezone(UTC) - timedelta(seconds=settle_seconds)
