"""People, a fake Google Form and the Google backend wired for the reconcile tests."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from prens.config import Settings
from prens.runtime import Runtime
from tests.fakes.google_form import GoogleForm, Response
from tests.fakes.sheets_api import FakeSheetsAPI
from tests.fakes.sheets_model import Spreadsheet
from tests.google_fixtures import SPREADSHEET, google_on_fake

RESPONSES = "Form Responses 1"
_LETTERS = "ABCDEFGHIJ"
# The responses come in an hour ago (the reconcile job waits for them to settle), so the people
# are 36 on that day, whatever the real date: born on 5 July 36 years before this year.
BORN = f"{datetime.now().year - 36}-07-05"
NIK_HEAD = "6311064507" + BORN[2:4]  # Paringin (63.11.06), day 5 + 40 (a woman), July


def nik(serial: str) -> str:
    """A woman's NIK from Paringin born on BORN, with the 4-digit `serial`."""
    return NIK_HEAD + serial


def person(settings: Settings, i: int, **changes: Any) -> dict[str, Any]:
    """Answers of the i-th valid citizen (i < 999). The NIK's serial ends in 0, so the sheet's
    15 significant digits keep it; the phone starts with 0, which the sheet drops."""
    word = "".join(_LETTERS[int(d)] for d in f"{i:03d}").capitalize()
    fields = {
        "nama": f"Siti {word}",
        "nik": nik(f"{i + 1:03d}0"),
        "kk": "6311060101150020",
        "tanggal_lahir": BORN,
        "jenis_kelamin": "Perempuan",
        "telepon": f"08123456{i:04d}",
        "kecamatan": "Paringin",
        "desa": "Lasung Batu",
        "alamat": "RT 01 RW 02, Gang Damai",
        "pekerjaan": "Petani",
        "persetujuan": [settings.consent_option],
        **changes,
    }
    return {settings.questions[k]: v for k, v in fields.items() if v is not None}


def google_form(settings: Settings, **options: Any) -> GoogleForm:
    return GoogleForm(
        titles=list(settings.questions.values()),
        date_titles=frozenset({settings.questions["tanggal_lahir"]}),
        **options,
    )


def on_google(runtime: Runtime, tmp_path: Path) -> tuple[Runtime, FakeSheetsAPI]:
    """The same ledger, with the Google backend on the fake, the responses sheet in the same
    spreadsheet."""
    settings = dataclasses.replace(
        runtime.settings, sheet_backend="google", spreadsheet_key=SPREADSHEET
    )
    sheets, fake = google_on_fake(tmp_path)
    fake.spreadsheets[SPREADSHEET].add_sheet(RESPONSES)
    return Runtime(settings, runtime.engine, runtime.ledger, sheets), fake


def an_hour_ago(settings: Settings) -> datetime:
    return datetime.now(settings.timezone).replace(microsecond=123000) - timedelta(hours=1)


@dataclasses.dataclass
class Linked:
    """The Google backend on the fake, and a form filling its linked responses sheet there."""

    runtime: Runtime
    fake: FakeSheetsAPI
    form: GoogleForm

    @property
    def book(self) -> Spreadsheet:
        return self.fake.spreadsheets[SPREADSHEET]

    def respond(self, i: int, at: datetime, **changes: Any) -> Response:
        """The i-th person submits at `at`; the row lands in the responses sheet."""
        response = self.form.submit(person(self.runtime.settings, i, **changes), at)
        self.form.write_row(self.book, RESPONSES, response)
        return response

    def respond_many(self, numbers: range) -> list[Response]:
        """People `numbers` submit a second apart, from an hour ago."""
        start = an_hour_ago(self.runtime.settings)
        return [self.respond(i, start + timedelta(seconds=i)) for i in numbers]


def linked(runtime: Runtime, tmp_path: Path, **form_options: Any) -> Linked:
    grt, fake = on_google(runtime, tmp_path)
    return Linked(grt, fake, google_form(grt.settings, **form_options))
