"""The webhook body (its contract: the README's "What the service answers"), parsed into a
Submission, or a PayloadError."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from prens.errors import PayloadError
from prens.rules.registration import RESPONSE_ID_PREFIX

Answer = str | list[str]
# The responses sheet's first column, by the form owner's language.
TIMESTAMP_TITLES = ("Timestamp", "Stempel waktu", "Cap waktu")
# Google Forms' CSV download: "2026/11/21 2:03:05 PM GMT+8".
_FORMS_CSV = re.compile(
    r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?: ?([AaPp][Mm]))?"
    r"(?: ?GMT([+-])(\d{1,2})(?::?(\d{2}))?)?"
)
MAX_ID_LENGTH = 190  # with its "rid:" prefix it fits response_key (200)


@dataclass(frozen=True)
class Submission:
    """One form response: its key (unique per response), when it was submitted, and its answers."""

    response_key: str
    response_id: str | None
    submitted_at: datetime  # aware
    answers: dict[str, Answer]


# What a citizen cannot have meant to type: C0/C1 control characters (line breaks and tabs become
# spaces), bidirectional overrides, lone surrogates and Unicode's non-characters. openpyxl refuses
# control characters in a cell, so one stored would break every later download of the list.
_SPACES = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
_UNMEANT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17))
    + "]"
)


def clean_text(text: str) -> str:
    """Text safe to store and write anywhere: line breaks and tabs as spaces; control characters,
    bidirectional overrides, lone surrogates and non-characters removed."""
    return _UNMEANT.sub("", _SPACES.sub(" ", text))


def typed(text: str) -> str:
    """A field a person typed on a page or a command line, as they meant it: `clean_text`, then
    Unicode NFKC (full-width digits and letters, as some phone keyboards type them, become the
    plain ones), without the spaces around it."""
    return unicodedata.normalize("NFKC", clean_text(text)).strip()


def _answer(title: str, value: Any) -> Answer:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [clean_text(v) for v in value]
    raise PayloadError(f"answer to {title!r} must be a string or a list of strings")


def _forms_csv(text: str) -> datetime | None:
    m = _FORMS_CSV.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    half, sign, off_h, off_m = m[7], m[8], m[9], m[10]
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    tzinfo = None
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m or 0))
        if offset >= timedelta(hours=24) or int(off_m or 0) >= 60:
            return None  # "GMT+24", "GMT+99:99": no time zone has such an offset
        tzinfo = timezone(offset if sign == "+" else -offset)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tzinfo)
    except ValueError:
        return None


def parse_timestamp(text: str, tz: ZoneInfo, date_order: str = "mdy") -> datetime:
    """Read an ISO 8601 timestamp, the responses sheet's ``m/d/yyyy H:MM:SS`` (``d/m/yyyy`` when
    `date_order` is "dmy"), or the Forms CSV download's ``yyyy/m/d h:mm:ss PM GMT+8``; a time
    without a zone is in `tz`."""
    text = text.strip()
    moment = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _forms_csv(text)
        day_first = "%d/%m/%Y" if date_order == "dmy" else "%m/%d/%Y"
        for fmt in (f"{day_first} %H:%M:%S", f"{day_first} %H:%M"):
            if moment is not None:
                break
            try:
                moment = datetime.strptime(text, fmt)
            except ValueError:
                continue
    if moment is None:
        day = "d/m/yyyy" if date_order == "dmy" else "m/d/yyyy"
        raise PayloadError(
            f"timestamp {text[:40]!r} is not an ISO 8601 date and time "
            f"(2026-11-21T14:03:05+08:00), nor the responses sheet's {day} H:MM:SS, nor the "
            "Forms CSV download's yyyy/m/d h:mm:ss PM GMT+8"
        )
    if not 2000 <= moment.year <= 2999:  # a form response is never stamped outside these
        raise PayloadError(f"timestamp {text[:40]!r} is not a plausible date of a form response")
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def response_key(
    response_id: str | None, submitted_at: datetime, answers: dict[str, Answer]
) -> str:
    """The key that identifies a response: its form responseId, else a hash of its content."""
    if response_id:
        return RESPONSE_ID_PREFIX + response_id
    canonical = json.dumps([submitted_at.isoformat(), answers], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def parse_submission(body: Any, tz: ZoneInfo, date_order: str = "mdy") -> Submission:
    """Check the shape of a decoded JSON body and return the submission it holds. A timestamp
    taken from the answers (the sheet's text) is read in `date_order`."""
    if not isinstance(body, dict):
        raise PayloadError("body must be a JSON object")
    has_answers, has_named = "answers" in body, "namedValues" in body
    if has_answers == has_named:
        raise PayloadError('body must have exactly one of "answers" or "namedValues"')
    answers: dict[str, Answer] = {}
    if has_answers:
        raw = body["answers"]
        if not isinstance(raw, dict):
            raise PayloadError('"answers" must be an object of question title to answer')
        for title, value in raw.items():
            answers[clean_text(title)] = _answer(title, value)
    else:
        raw = body["namedValues"]
        if not isinstance(raw, dict):
            raise PayloadError('"namedValues" must be an object of question title to a list')
        for title, value in raw.items():
            if not isinstance(value, list):
                raise PayloadError(f"namedValues[{title!r}] must be a list of strings")
            value = _answer(title, value)
            # One answer: its text; a checkbox question: the list; no answer: "".
            answers[clean_text(title)] = value[0] if len(value) == 1 else (value or "")
    response_id = body.get("responseId")
    if response_id is not None and (
        not isinstance(response_id, str)
        or not response_id.strip()
        or len(response_id) > MAX_ID_LENGTH
    ):
        raise PayloadError(
            f'"responseId" must be a non-empty string of at most {MAX_ID_LENGTH} characters'
        )
    stamp = body.get("timestamp")
    if stamp is None:
        stamp = next((answers.pop(t) for t in TIMESTAMP_TITLES if t in answers), None)
    if not isinstance(stamp, str):
        raise PayloadError('"timestamp" must be a string (ISO 8601)')
    submitted_at = parse_timestamp(stamp, tz, date_order)
    for title in TIMESTAMP_TITLES:
        answers.pop(title, None)
    if response_id is not None:
        response_id = clean_text(response_id)
    return Submission(
        response_key(response_id, submitted_at, answers), response_id, submitted_at, answers
    )
