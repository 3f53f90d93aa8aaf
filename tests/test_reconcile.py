"""The reconcile job: responses read from the form's linked sheet (the Sheets fake, as Google
Forms fills it) or from its CSV download (the local backend), counted once with the webhook's."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from jobs.flush import flush
from jobs.reconcile import measure_lag, parse_rows, reconcile
from prens.cli import main
from prens.errors import ResponsesLayoutError
from prens.intake.receive import receive
from prens.intake.responses import SHEET_KEY_PREFIX
from prens.intake.submission import parse_submission
from prens.store.schema import notifications, registrations
from tests.conftest import post
from tests.fakes.sheets_model import render
from tests.google_fixtures import SPREADSHEET
from tests.reconcile_helpers import (
    BORN,
    RESPONSES,
    an_hour_ago,
    google_form,
    linked,
    nik,
    on_google,
    person,
)

pytestmark = pytest.mark.both_databases


def pendaftar_ids(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    s = runtime.settings
    return runtime.sheets.column_values(s.worksheets["pendaftar"], s.columns["id"])


def nik_column(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    s = runtime.settings
    return runtime.sheets.column_values(s.worksheets["pendaftar"], s.columns["nik"])


def test_a_response_the_webhook_never_saw_is_in_pendaftar_after_reconcile_and_flush(
    runtime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    form = google_form(grt.settings)
    book = fake.spreadsheets[SPREADSHEET]
    response = form.submit(person(grt.settings, 7), an_hour_ago(grt.settings))
    form.write_row(
        book, RESPONSES, response
    )  # the Apps Script's fetch failed: only the sheet has it

    report = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (report.stored, report.already, report.full_pass) == (1, 0, True)
    flush(grt.ledger, grt.sheets, grt.settings)

    assert nik_column(grt) == [nik("0080")]
    (reg_id,) = pendaftar_ids(grt)
    reg = grt.ledger.get(reg_id)
    assert reg is not None and reg.status == "accepted"
    assert reg.response_key.startswith(SHEET_KEY_PREFIX)
    # The timestamp came from the sheet's serial number.
    assert reg.submitted_at == response.at
    # The phone lost its leading zero in the sheet and is whole again.
    assert reg.person["telepon"] == "+6281234560007"
    assert reg.person["tanggal_lahir"] == BORN
    # A NIK the sheet stored as a number is flagged for the verifier, not silently trusted.
    assert {(p.field, p.code, p.severity) for p in reg.problems} >= {
        ("nik", "sheet_number", "warning"),
        ("kk", "sheet_number", "warning"),
    }


def test_the_same_response_by_webhook_and_by_sheet_counts_once(
    runtime, client, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    # The sheet shows the time rounded to the second, the webhook has its milliseconds (.600
    # rounds up: the two disagree on the second).
    form = google_form(grt.settings, round_to_seconds=True)
    book = fake.spreadsheets[SPREADSHEET]
    at = an_hour_ago(grt.settings).replace(microsecond=600000)
    both = [form.submit(person(grt.settings, i), at + timedelta(seconds=i)) for i in range(3)]
    for r in both:
        form.write_row(book, RESPONSES, r)
        assert post(client, r.webhook_body()).status_code == 200
    only_sheet = form.submit(person(grt.settings, 50), at + timedelta(seconds=9))
    form.write_row(book, RESPONSES, only_sheet)

    report = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (report.stored, report.already) == (1, 3)
    assert reconcile(grt.ledger, grt.sheets, grt.settings).stored == 0
    flush(grt.ledger, grt.sheets, grt.settings)
    ids = pendaftar_ids(grt)
    assert len(ids) == len(set(ids)) == 4

    # And the other way round: the webhook arriving after reconcile took the response in
    # answers with the registration already stored.
    late = form.submit(person(grt.settings, 60), at + timedelta(seconds=20))
    form.write_row(book, RESPONSES, late)
    assert reconcile(grt.ledger, grt.sheets, grt.settings).stored == 1
    reply = post(client, late.webhook_body()).get_json()
    stored = grt.ledger.get(reply["id"])
    assert stored is not None and stored.response_key.startswith(SHEET_KEY_PREFIX)
    with grt.engine.connect() as conn:
        assert conn.execute(select(registrations.c.id)).all().__len__() == 5


def test_two_people_of_one_name_in_one_second_both_count(runtime, client) -> None:  # type: ignore[no-untyped-def]
    """Two responses that both carry a responseId are told apart by it, whatever their
    fingerprints say."""
    s = runtime.settings
    form = google_form(s)
    at = an_hour_ago(s)
    a = form.submit(person(s, 1, nama="Ahmad Gazali"), at)
    b = form.submit(person(s, 2, nama="Ahmad Gazali"), at + timedelta(milliseconds=300))
    ids = {post(client, r.webhook_body()).get_json()["id"] for r in (a, b)}
    assert len(ids) == 2


def test_after_the_first_pass_only_new_rows_are_read(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sheet = linked(runtime, tmp_path)
    grt, fake = sheet.runtime, sheet.fake
    sheet.respond_many(range(600))
    first = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (first.rows_read, first.stored, first.full_pass) == (600, 600, True)

    sheet.respond_many(range(600, 605))
    reads = fake.counts["read"]
    second = reconcile(grt.ledger, grt.sheets, grt.settings)
    # From the anchor row: the five new ones, in one metadata read and one values read.
    assert (second.rows_read, second.stored, second.full_pass) == (5, 5, False)
    assert fake.counts["read"] - reads == 2
    quiet = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (quiet.rows_read, quiet.stored) == (0, 0)


def test_rows_deleted_by_hand_make_one_whole_read_and_nothing_doubles(
    runtime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sheet = linked(runtime, tmp_path)
    grt = sheet.runtime
    sheet.respond_many(range(10))
    reconcile(grt.ledger, grt.sheets, grt.settings)
    for _ in range(3):
        sheet.fake.delete_row(SPREADSHEET, RESPONSES, 2)  # someone tidies the sheet
    sheet.respond_many(range(10, 11))
    report = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (report.full_pass, report.stored, report.already) == (True, 1, 7)
    assert grt.ledger.counts_by_status() == {"accepted": 11}


def test_young_responses_are_left_for_the_webhook(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sheet = linked(runtime, tmp_path)
    grt = sheet.runtime
    start = an_hour_ago(grt.settings)
    sheet.respond(1, start)
    sheet.respond(2, start + timedelta(minutes=59, seconds=30))
    now = start + timedelta(hours=1)
    report = reconcile(grt.ledger, grt.sheets, grt.settings, now=now)
    assert (report.stored, report.waiting) == (1, 1)
    later = reconcile(grt.ledger, grt.sheets, grt.settings, now=now + timedelta(minutes=2))
    assert (later.stored, later.waiting, later.full_pass) == (1, 0, False)


def test_a_sheet_in_another_time_zone_gives_the_same_fingerprints(
    runtime, client, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    grt, fake = on_google(runtime, tmp_path)
    book = fake.spreadsheets[SPREADSHEET]
    book.time_zone = "Asia/Jakarta"
    form = google_form(grt.settings, sheet_tz=ZoneInfo("Asia/Jakarta"))
    response = form.submit(person(grt.settings, 3), an_hour_ago(grt.settings))
    form.write_row(book, RESPONSES, response)
    post(client, response.webhook_body())
    report = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (report.stored, report.already) == (0, 1)


def test_a_sheet_without_a_configured_question_stops_with_its_title(
    runtime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    s = grt.settings
    form = google_form(s)
    form.titles = [t for t in form.titles if t != s.questions["kk"]]
    form.write_row(fake.spreadsheets[SPREADSHEET], RESPONSES, form.submit({}, an_hour_ago(s)))
    with pytest.raises(ResponsesLayoutError, match="NOMOR KARTU KELUARGA"):
        reconcile(grt.ledger, grt.sheets, s)
    assert grt.ledger.counts_by_status() == {}


def test_a_mangled_nik_that_fails_is_not_blamed_on_the_citizen(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    grt, fake = on_google(runtime, tmp_path)
    form = google_form(grt.settings)
    # The citizen typed serial 0003; the sheet keeps 15 digits: 0000, an impossible serial.
    answers = person(grt.settings, 1, nik=nik("0003"))
    form.write_row(
        fake.spreadsheets[SPREADSHEET],
        RESPONSES,
        form.submit(answers, an_hour_ago(grt.settings)),
    )
    reconcile(grt.ledger, grt.sheets, grt.settings)
    with grt.engine.connect() as conn:
        (row,) = conn.execute(select(registrations.c.id, registrations.c.status)).all()
        queued = conn.execute(select(notifications.c.event)).all()
    reg = grt.ledger.get(row.id)
    assert reg is not None and reg.status == "needs_correction"
    assert {p.code for p in reg.problems} == {"nik_serial", "sheet_number"}
    assert queued == []  # no "your NIK is wrong" message for a number the sheet changed


def test_registrations_from_before_fingerprints_are_not_taken_in_again(
    runtime, client, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sheet = linked(runtime, tmp_path)
    grt = sheet.runtime
    for response in sheet.respond_many(range(3)):
        post(client, response.webhook_body())
    with grt.engine.begin() as conn:
        conn.execute(update(registrations).values(fp_hash=None, fp_second=None))  # older ledger
    report = reconcile(grt.ledger, grt.sheets, grt.settings)
    assert (report.stored, report.already) == (0, 3)


def test_webhook_and_reconcile_racing_store_each_response_once(runtime) -> None:  # type: ignore[no-untyped-def]
    s = runtime.settings
    form = google_form(s)

    start = an_hour_ago(s)
    made = [form.submit(person(s, i), start + timedelta(seconds=i)) for i in range(40)]
    header = form.header()
    rows = [[render(c, "UNFORMATTED_VALUE") for c in form.sheet_cells(r)] for r in made]
    from_sheet = parse_rows(header, rows, 2, s, s.timezone)
    from_webhook = [parse_submission(r.webhook_body(), s.timezone) for r in made]
    barrier = threading.Barrier(2)
    ids: list[str] = []

    def road(submissions, extra) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        for sub, notes in zip(submissions, extra, strict=True):
            ids.append(receive(runtime.ledger, s, sub, start, notes).registration.id)

    threads = [
        threading.Thread(target=road, args=(from_webhook, [()] * 40)),
        threading.Thread(
            target=road, args=([r.submission for r in from_sheet], [r.notes for r in from_sheet])
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 80
    assert sorted(Counter(ids).values()) == [2] * 40  # each response: one registration
    assert runtime.ledger.counts_by_status() == {"accepted": 40}


def test_import_responses_from_the_forms_csv_on_the_local_backend(
    runtime, client, config_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    s = runtime.settings
    form = google_form(s)
    start = an_hour_ago(s)
    made = [form.submit(person(s, i), start + timedelta(seconds=i)) for i in range(5)]
    for r in made[:2]:  # the webhook got the first two
        post(client, r.webhook_body())
    csv_file = tmp_path / "respons.csv"
    csv_file.write_text(form.csv_download(), encoding="utf-8")

    args = ["--config", str(config_path), "sheet", "import-responses", str(csv_file)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"{RESPONSES}: 5 baris ditambahkan, 0 sudah ada" in first.output
    assert "3 jawaban baru disimpan, 2 sudah ada di buku besar" in first.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "0 baris ditambahkan, 5 sudah ada" in again.output
    assert runtime.ledger.counts_by_status() == {"accepted": 5}
    flush(runtime.ledger, runtime.sheets, s)
    assert sorted(nik_column(runtime)) == sorted(
        nik(f"{i + 1:03d}0") for i in range(5)
    )  # the CSV keeps NIKs as text: no digit lost, no warning
    reg = runtime.ledger.get(pendaftar_ids(runtime)[-1])
    assert reg is not None and reg.problems == []


def test_a_nul_in_the_forms_csv_is_dropped(runtime, config_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A NUL reached the local sheet (which PostgreSQL could not read back), and the command
    # said "not taken in" of responses that the reconcile then took in.
    s = runtime.settings
    form = google_form(s)
    start = an_hour_ago(s)
    for i in range(3):
        form.submit(person(s, i), start + timedelta(seconds=i))
    rows = list(csv.reader(io.StringIO(form.csv_download())))
    rows[1] = [cell + "\x00" for cell in rows[1]]
    rows[2][0] += "\x00"  # the timestamp
    rows.append(["\x00"] * len(rows[0]))  # a line of NULs: an empty line
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    csv_file = tmp_path / "respons.csv"
    csv_file.write_text(text.getvalue(), encoding="utf-8")

    args = ["--config", str(config_path), "sheet", "import-responses", str(csv_file)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "tidak diambil" not in result.output
    assert f"{RESPONSES}: 3 baris ditambahkan" in result.output
    assert "3 jawaban baru disimpan" in result.output


def test_import_refuses_a_csv_of_another_form(config_path: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "lain.csv"
    csv_file.write_text("Timestamp,Nama\n2026/11/21 2:03:05 PM GMT+8,Budi\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "sheet", "import-responses", str(csv_file)]
    )
    assert result.exit_code == 1
    assert "expects the question(s)" in result.output and "NIK" in result.output


def test_doctor_shows_the_reconcile_lag(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from prens.doctor import WARNING, run_checks

    sheet = linked(runtime, tmp_path)
    grt = sheet.runtime
    sheet.respond_many(range(4))
    lag = measure_lag(grt.ledger, grt.sheets, grt.settings)
    assert lag is not None and (lag.responses, lag.missing, lag.overdue) == (4, 4, 4)
    (check,) = [c for c in run_checks(grt) if c.subject.startswith("Sheet respons")]
    assert check.status == WARNING
    assert "4 respons; 4 belum masuk basis data" in check.detail
    assert "rekonsiliasi belum pernah berjalan" in check.detail
    reconcile(grt.ledger, grt.sheets, grt.settings)
    checks = {c.subject: c for c in run_checks(grt)}
    (check,) = [c for subject, c in checks.items() if subject.startswith("Sheet respons")]
    assert "4 respons; 0 belum masuk basis data; rekonsiliasi terakhir" in check.detail
    # The flush backlog: taken in, not yet written to the sheet.
    assert "4 pendaftaran tersimpan; 4 menunggu ditulis ke spreadsheet" in (
        checks["Basis data"].detail
    )


def test_answers_as_people_write_them_read_alike_by_webhook_reconcile_and_csv(
    runtime, client, config_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # The date of birth a short-answer question: day first, or the month named; a NIK from a
    # phone keyboard in full-width digits, a phone in Arabic-Indic digits; places with their
    # prefix. The webhook, the reconcile and the CSV import read each the same way.
    from tests.fakes.google_form import GoogleForm

    s = runtime.settings
    form = GoogleForm(titles=list(s.questions.values()))  # no DATE question: typed text
    year = BORN[:4]

    def wide(digits: str) -> str:
        return "".join(chr(ord(c) + 0xFEE0) for c in digits)

    def arabic(digits: str) -> str:
        return "".join(chr(ord(c) - ord("0") + 0x660) for c in digits)

    written = [
        {"tanggal_lahir": f"05/07/{year}", "kecamatan": "Kec. Paringin"},
        {"tanggal_lahir": f"5 Juli {year}", "desa": "Desa Lasung Batu"},
        {"tanggal_lahir": f"05-Jul-{year}", "kecamatan": "KECAMATAN PARINGIN"},
    ]
    start = an_hour_ago(s)
    made = []
    for i, changes in enumerate(written):
        changes["nik"] = wide(nik(f"{i + 1:03d}0"))
        changes["telepon"] = arabic(f"08123456{i:04d}")
        made.append(form.submit(person(s, i, **changes), start + timedelta(seconds=i)))
    assert post(client, made[0].webhook_body()).get_json()["status"] == "accepted"
    csv_file = tmp_path / "respons.csv"
    csv_file.write_text(form.csv_download(), encoding="utf-8")
    args = ["--config", str(config_path), "sheet", "import-responses", str(csv_file)]
    imported = CliRunner().invoke(main, args)  # the rows join the responses sheet; reconciled
    assert imported.exit_code == 0, imported.output
    assert "2 jawaban baru disimpan, 1 sudah ada di buku besar" in imported.output
    assert runtime.ledger.counts_by_status() == {"accepted": 3}
    flush(runtime.ledger, runtime.sheets, s)
    for reg_id in pendaftar_ids(runtime):
        reg = runtime.ledger.get(reg_id)
        assert reg is not None and reg.problems == [], (reg_id, reg.problems if reg else None)
    people = sorted(
        (p["nik"], p["tanggal_lahir"], p["telepon"], p["kecamatan"], p["desa"])
        for p in (runtime.ledger.get(r).person for r in pendaftar_ids(runtime))  # type: ignore[union-attr]
    )
    assert people == [
        (nik(f"{i + 1:03d}0"), BORN, f"+628123456{i:04d}", "Paringin", "Lasung Batu")
        for i in range(3)
    ]
