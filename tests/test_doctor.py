"""`prens doctor` and the sharing guard, on the local backend and on Google (the fake)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.flush import flush
from prens.cli import main
from prens.doctor import ERROR, OK, WARNING, run_checks
from prens.runtime import Runtime
from sheets_bridge.setup import worksheet_layouts
from sheets_bridge.sharing import SharedPublicly
from tests.conftest import post
from tests.google_fixtures import SPREADSHEET, google_on_fake
from tests.test_webhook import body

PUBLIC = {"id": "anyoneWithLink", "type": "anyone", "role": "reader", "allowFileDiscovery": False}


def google_runtime(runtime, tmp_path: Path, **options):  # type: ignore[no-untyped-def]
    """The same ledger, configured for the Google backend on the fake."""
    settings = dataclasses.replace(
        runtime.settings, sheet_backend="google", spreadsheet_key=SPREADSHEET, **options
    )
    sheets, fake = google_on_fake(tmp_path)
    fake.spreadsheets[SPREADSHEET].add_sheet(settings.responses.worksheet)  # the form's own
    sheets.allow_public_link = settings.allow_public_link
    return Runtime(settings, runtime.engine, runtime.ledger, sheets), fake


def test_doctor_on_the_local_backend(config_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_path), "doctor"])
    assert result.exit_code == 1
    assert "[MASALAH] Worksheet Pendaftar: belum ada: jalankan `prens sheet setup`" in result.output
    CliRunner().invoke(main, ["--config", str(config_path), "sheet", "setup"])
    result = CliRunner().invoke(main, ["--config", str(config_path), "doctor"])
    assert result.exit_code == 0, result.output
    assert "[OK] Basis data: 0 pendaftaran tersimpan" in result.output
    assert "[OK] Notifikasi: 0 terkirim, 0 menunggu, 0 gagal, 0 belum pasti" in result.output


def test_doctor_says_a_database_it_cannot_open_is_the_problem(config_path: Path) -> None:
    nobody = "postgresql+psycopg://prens@127.0.0.1:1/prens?connect_timeout=2"  # nothing listens
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "doctor"], env={"PRENS_DATABASE_URL": nobody}
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("[OK] Konfigurasi: ") and len(lines) == 2, result.output
    assert lines[1].startswith("[MASALAH] Basis data: tidak dapat dibuka (connection failed")
    assert "PRENS_DATABASE_URL" in lines[1] and "Traceback" not in result.output


def test_doctor_reports_a_public_link_as_an_error(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = google_runtime(runtime, tmp_path)
    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)
    checks = [c for c in run_checks(runtime) if c.subject != "Tugas terjadwal"]  # none ran yet
    assert all(c.status == OK for c in checks), [c.line() for c in checks]
    fake.spreadsheets[SPREADSHEET].permissions.append(PUBLIC)
    sharing = [c for c in run_checks(runtime) if c.subject == "Berbagi"]
    assert [c.status for c in sharing] == [ERROR]
    assert "siapa saja yang memiliki link" in sharing[0].detail
    assert "anyoneWithLink" in sharing[0].detail and "Dibatasi" in sharing[0].detail


def test_doctor_reports_a_missing_responses_sheet(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = google_runtime(runtime, tmp_path)
    checks = {c.subject: c for c in run_checks(runtime)}
    ok = checks["Sheet respons formulir (Form Responses 1)"]
    assert (ok.status, ok.detail.split(";")[0]) == (OK, "0 respons")
    book = fake.spreadsheets[SPREADSHEET]
    book.sheets = [s for s in book.sheets if s.title != "Form Responses 1"]
    runtime.sheets.metadata(refresh=True)
    missing = {c.subject: c for c in run_checks(runtime)}[
        "Sheet respons formulir (Form Responses 1)"
    ]
    assert missing.status == ERROR and "[responses] worksheet" in missing.detail


def test_doctor_names_a_renamed_column(runtime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = google_runtime(runtime, tmp_path)
    for layout in worksheet_layouts(runtime.settings):
        runtime.sheets.apply_layout(layout)
    fake.spreadsheets[SPREADSHEET].sheet("Pendaftar").cells[(0, 3)].value = "Nomor NIK"
    found = {c.subject: c for c in run_checks(runtime)}
    assert found["Worksheet Pendaftar"].status == ERROR
    assert "tidak ada: NIK" in found["Worksheet Pendaftar"].detail


def test_no_personal_data_goes_to_a_sheet_shared_by_link(
    client, runtime, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = google_runtime(runtime, tmp_path)
    fake.spreadsheets[SPREADSHEET].permissions.append(
        {**PUBLIC, "type": "domain", "domain": "gmail.com", "id": "dom"}
    )
    post(client, body(settings))
    with pytest.raises(SharedPublicly, match="semua orang di domain gmail.com"):
        flush(runtime.ledger, runtime.sheets, runtime.settings)
    assert fake.spreadsheets[SPREADSHEET].sheet("Pendaftar").last_row() == 1  # headers only
    assert runtime.ledger.count_pending_flush() == 1  # nothing lost


def test_the_override_writes_and_warns(client, runtime, settings, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    runtime, fake = google_runtime(runtime, tmp_path, allow_public_link=True)
    fake.spreadsheets[SPREADSHEET].permissions.append(PUBLIC)
    post(client, body(settings))
    flush(runtime.ledger, runtime.sheets, runtime.settings)
    assert runtime.ledger.count_pending_flush() == 0
    assert "allow_public_link" in caplog.text
    assert [c.status for c in run_checks(runtime) if c.subject == "Berbagi"] == [WARNING]


def test_doctor_shows_when_the_jobs_last_ran(runtime) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from sqlalchemy import update

    from jobs.registry import run_job
    from prens.store.job_state import utcnow
    from prens.store.schema import job_runs

    def jobs_check():  # type: ignore[no-untyped-def]
        return next(c for c in run_checks(runtime) if c.subject == "Tugas terjadwal")

    never = jobs_check()
    assert never.status == WARNING and "belum pernah berjalan" in never.detail
    run_job("flush", runtime)
    run_job("sync", runtime)
    recent = jobs_check()
    assert recent.status == OK and recent.detail.startswith("terakhir: flush ")
    assert ", sync " in recent.detail
    with runtime.engine.begin() as conn:  # the flush last ran an hour ago: stalled
        conn.execute(update(job_runs).values(started_at=utcnow() - timedelta(hours=1)))
    stalled = jobs_check()
    assert stalled.status == WARNING and "flush tidak berjalan" in stalled.detail
