from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from prens.errors import PayloadError
from prens.intake.submission import parse_submission

WITA = ZoneInfo("Asia/Makassar")


def test_answers_shape() -> None:
    s = parse_submission(
        {
            "responseId": "2_ABC",
            "timestamp": "2026-11-21T02:00:00.000Z",
            "answers": {"NAMA": "Budi", "PERSETUJUAN": ["Saya setuju"], "UMUR": 40},
        },
        WITA,
    )
    assert s.response_key == "rid:2_ABC"
    assert s.submitted_at == datetime(2026, 11, 21, 2, tzinfo=UTC)
    assert s.answers == {"NAMA": "Budi", "PERSETUJUAN": ["Saya setuju"], "UMUR": "40"}


def test_named_values_shape_from_a_spreadsheet_trigger() -> None:
    s = parse_submission(
        {
            "namedValues": {
                "Timestamp": ["11/21/2026 10:00:00"],
                "NAMA": ["Budi"],
                "HOBI": ["a", "b"],
                "KOSONG": [],
            }
        },
        WITA,
    )
    assert s.submitted_at == datetime(2026, 11, 21, 10, tzinfo=WITA)  # naive: local time
    assert s.answers == {"NAMA": "Budi", "HOBI": ["a", "b"], "KOSONG": ""}
    assert s.response_key.startswith("sha256:")
    again = parse_submission(
        {
            "namedValues": {
                "Timestamp": ["11/21/2026 10:00:00"],
                "NAMA": ["Budi"],
                "HOBI": ["a", "b"],
                "KOSONG": [],
            }
        },
        WITA,
    )
    assert again.response_key == s.response_key  # the same response gets the same key


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "JSON object"),
        ({"timestamp": "2026-11-21T10:00:00"}, "exactly one"),
        ({"timestamp": "2026-11-21T10:00:00", "answers": {}, "namedValues": {}}, "exactly one"),
        ({"timestamp": "2026-11-21T10:00:00", "answers": []}, "object of question title"),
        ({"timestamp": "2026-11-21T10:00:00", "answers": {"A": {"x": 1}}}, "'A'"),
        ({"timestamp": "2026-11-21T10:00:00", "answers": {"A": True}}, "'A'"),
        ({"timestamp": "2026-11-21T10:00:00", "answers": {"A": [1]}}, "'A'"),
        ({"timestamp": "2026-11-21T10:00:00", "namedValues": {"A": "x"}}, "list of strings"),
        ({"answers": {}}, "timestamp"),
        ({"timestamp": 1763690000, "answers": {}}, "timestamp"),
        ({"timestamp": "kemarin", "answers": {}}, "ISO 8601"),
        ({"responseId": 7, "timestamp": "2026-11-21T10:00:00", "answers": {}}, "responseId"),
        (
            {"responseId": "x" * 191, "timestamp": "2026-11-21T10:00:00", "answers": {}},
            "responseId",
        ),
    ],
)
def test_bad_shapes_say_what_is_wrong(body: object, message: str) -> None:
    with pytest.raises(PayloadError, match=message.replace("(", r"\(")):
        parse_submission(body, WITA)


def test_text_is_made_storable() -> None:
    s = parse_submission(
        {
            "responseId": "r",
            "timestamp": "2026-11-21T10:00:00",
            "answers": {"NAMA": "Bu\x00di\ud800"},
        },
        WITA,
    )
    assert s.answers["NAMA"] == "Budi"  # NUL and the lone surrogate removed
