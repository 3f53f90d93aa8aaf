"""Reading the form's responses sheet and its CSV (pure), and the fingerprint, by tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from prens.config import Settings
from prens.errors import PayloadError, ResponsesLayoutError
from prens.intake.responses import columns, read_row, serial_to_datetime
from prens.intake.submission import parse_timestamp
from prens.rules.fingerprint import fingerprint

WITA, WIB = ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026/11/21 2:03:05 PM GMT+8", "mdy", "2026-11-21T06:03:05+00:00"),
        ("2026/11/21 12:03:05 AM GMT+7", "mdy", "2026-11-20T17:03:05+00:00"),  # 12 AM: midnight
        ("2026/11/21 12:03:05 PM GMT+8", "mdy", "2026-11-21T04:03:05+00:00"),  # 12 PM: noon
        ("2026/11/21 14:03:05", "mdy", "2026-11-21T06:03:05+00:00"),  # no zone: the program's
        ("2026/11/21 2:03:05 PM GMT+5:30", "mdy", "2026-11-21T08:33:05+00:00"),
        ("11/21/2026 14:03:05", "mdy", "2026-11-21T06:03:05+00:00"),
        ("21/11/2026 14:03:05", "dmy", "2026-11-21T06:03:05+00:00"),
        ("2026-11-21T06:03:05.123Z", "mdy", "2026-11-21T06:03:05.123000+00:00"),
    ],
)
def test_timestamps_of_the_webhook_the_sheet_and_the_csv(text, order, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_timestamp(text, WITA, order).astimezone(UTC).isoformat() == expected


@pytest.mark.parametrize(
    "text", ["2026/13/21 2:03:05 PM GMT+8", "2026/11/21 13:03:05 PM", "kemarin"]
)
def test_unreadable_timestamps_are_refused(text: str) -> None:
    with pytest.raises(PayloadError):
        parse_timestamp(text, WITA)


@pytest.mark.parametrize(
    ("serial", "tz", "expected"),
    [
        (46347.5, WITA, "2026-11-21T04:00:00+00:00"),  # noon WITA
        (46347.5, WIB, "2026-11-21T05:00:00+00:00"),  # noon WIB
        (46347.0 + (14 * 3600 + 3 * 60 + 5.25) / 86400, WITA, "2026-11-21T06:03:05.250000+00:00"),
    ],
)
def test_serial_date_times_in_the_sheets_zone(serial: float, tz: ZoneInfo, expected: str) -> None:
    assert serial_to_datetime(serial, tz).astimezone(UTC).isoformat() == expected


def test_fingerprints_ignore_spacing_and_case_and_match_within_a_second() -> None:
    at = datetime(2026, 11, 21, 6, 3, 5, 600000, tzinfo=UTC)
    a = fingerprint(at, "Siti  Rahmah")
    assert a == fingerprint(at.replace(microsecond=0), " siti rahmah ")
    assert a.matches(fingerprint(at + timedelta(seconds=1), "SITI RAHMAH"))
    assert not a.matches(fingerprint(at + timedelta(seconds=2), "Siti Rahmah"))
    assert not a.matches(fingerprint(at, "Siti Rahma"))


def header(settings: Settings, stamp: str = "Stempel waktu") -> list[str]:
    return [stamp, *settings.questions.values(), "Pertanyaan lain"]


def test_columns_are_matched_by_title_whatever_the_spacing(settings: Settings) -> None:
    head = header(settings)
    head[2] = "  " + head[2].replace(" ", "  ") + " "
    cols = columns(head, settings)
    assert cols.timestamp == 0 and cols.fields["nik"] == 2
    assert (len(head) - 1, "Pertanyaan lain") in cols.titles


def test_a_sheet_without_timestamp_or_question_is_refused(settings: Settings) -> None:
    with pytest.raises(ResponsesLayoutError, match="Timestamp"):
        columns(header(settings, "Waktu"), settings)
    without_nik = [h for h in header(settings) if h != settings.questions["nik"]]
    with pytest.raises(ResponsesLayoutError, match="NOMOR INDUK KEPENDUDUKAN"):
        columns(without_nik, settings)


def test_a_row_of_numbers_as_the_sheet_stores_them(settings: Settings) -> None:
    head = header(settings)
    cols = columns(head, settings)
    q = settings.questions
    cells = {
        q["nama"]: "Siti Rahmah",
        q["nik"]: 6311064507900010,  # a number: it may have lost a digit
        q["kk"]: "6311060101150002",  # text: trusted
        q["tanggal_lahir"]: 33059,  # the serial day of 1990-07-05
        q["telepon"]: 81234567890,
    }
    row = [46347.25] + [cells.get(t, "") for t in head[1:]]
    read = read_row(7, row, cols, settings, WITA)
    assert read.error == "" and read.submission is not None
    answers = read.submission.answers
    assert answers[q["nik"]] == "6311064507900010" and answers[q["kk"]] == "6311060101150002"
    assert answers[q["tanggal_lahir"]] == "1990-07-05" and answers[q["telepon"]] == "81234567890"
    assert [(p.field, p.code) for p in read.notes] == [("nik", "sheet_number")]
    assert read.submission.submitted_at.astimezone(UTC).isoformat() == "2026-11-20T22:00:00+00:00"
    assert read.submission.response_key == "form:" + read.fingerprint.text()  # type: ignore[union-attr]


def test_a_row_without_a_timestamp_is_reported_not_guessed(settings: Settings) -> None:
    head = header(settings)
    read = read_row(9, ["", "Siti"], columns(head, settings), settings, WITA)
    assert read.submission is None
    assert (read.row, read.error) == (9, "kolom waktu (Timestamp) kosong")


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"])
def test_timestamps_no_form_could_have_are_refused(text: str) -> None:
    """Found by fuzzing: year 1 in WITA overflowed when turned into UTC (a 500)."""
    with pytest.raises(PayloadError, match="plausible"):
        parse_timestamp(text, WITA)
