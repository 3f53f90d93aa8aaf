"""The Sheets fake refuses what Google refuses: requests its discovery documents say are wrong,
and the rules Google states only in its errors."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes.sheets_api import FakeSheetsAPI

KEY = "sheet-key"
URL = f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}"


@pytest.fixture
def session():  # type: ignore[no-untyped-def]
    fake = FakeSheetsAPI()
    fake.create(KEY)
    s = fake.session()
    s.headers["Authorization"] = "Bearer fake-access-token"
    return s


def batch(session, *requests_: dict) -> requests.Response:  # type: ignore[no-untyped-def,type-arg]
    return session.post(f"{URL}:batchUpdate", data=json.dumps({"requests": list(requests_)}))


def add_sheet(title: str, **grid: int) -> dict:  # type: ignore[type-arg]
    return {"addSheet": {"properties": {"title": title, "gridProperties": grid}}}


@pytest.mark.parametrize(
    ("request_", "says"),
    [
        ({"addSheet": {"properties": {"title": "A", "colour": "red"}}}, 'Unknown name "colour"'),
        (add_sheet("A", rowCount="many"), "TYPE_INT32"),
        (
            {"addSheet": {"properties": {"title": "A", "sheetType": "TABLE"}}},
            "(enum)",
        ),
        ({**add_sheet("A"), "deleteSheet": {"sheetId": 0}}, "exactly one of its kinds"),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "title": "B"},
                    "fields": "title,gridProperties.frozenRows",
                }
            },
            'field mask "gridProperties.frozenRows"',
        ),
        (add_sheet("A", rowCount=1, frozenRowCount=1), "can't freeze all visible rows"),
        (add_sheet("A", columnCount=2, frozenColumnCount=2), "can't freeze all visible columns"),
        (
            {
                "repeatCell": {
                    "range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1001},
                    "cell": {"userEnteredFormat": {}},
                    "fields": "userEnteredFormat",
                }
            },
            "exceeds grid limits",
        ),
    ],
)
def test_a_request_google_refuses_is_refused(session, request_: dict, says: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    reply = batch(session, request_)
    assert reply.status_code == 400 and reply.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert says in reply.json()["error"]["message"]


def test_a_valid_request_passes_and_query_parameters_are_checked(session) -> None:  # type: ignore[no-untyped-def]
    assert batch(session, add_sheet("A", rowCount=2, frozenRowCount=1)).status_code == 200
    ok = session.get(f"{URL}/values/A!A1:B2", params={"valueRenderOption": "FORMULA"})
    assert ok.status_code == 200
    wrong = session.get(f"{URL}/values/A!A1:B2", params={"valueRenderOption": "FORMULAS"})
    assert wrong.status_code == 400
    unknown = session.get(f"{URL}/values/A!A1:B2", params={"renderOption": "FORMULA"})
    assert unknown.status_code == 400 and "renderOption" in unknown.json()["error"]["message"]
