"""The flush job against the local sheet on a real SQLite file."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from jobs.flush import flush
from prens.config import Settings
from prens.intake.receive import receive
from prens.intake.submission import parse_submission
from prens.rules.registration import PENDAFTAR
from sheets_bridge import layout
from sheets_bridge.local import LocalSheets
from tests.test_webhook import body

pytestmark = pytest.mark.both_databases


def _submit(runtime, settings: Settings, n: int, **changes: object) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for i in range(n):
        nik = f"631106450790{i + 1:04d}"
        sub = parse_submission(
            body(settings, rid=f"{changes}-{i}", nik=nik, **changes), settings.timezone
        )
        ids.append(receive(runtime.ledger, settings, sub, datetime.now(UTC)).registration.id)
    return ids


def test_flush_writes_each_registration_once_to_its_worksheet(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    accepted = _submit(runtime, settings, 3)
    wrong = _submit(runtime, settings, 2, telepon="0526 2028 123")
    report = flush(runtime.ledger, runtime.sheets, settings)
    assert report.written == {"Pendaftar": 3, "Perlu Perbaikan": 2}
    sheets = runtime.sheets
    assert sheets.column_values("Pendaftar", "ID Pendaftaran") == accepted
    assert sheets.column_values("Perlu Perbaikan", "ID Pendaftaran") == wrong
    again = flush(runtime.ledger, runtime.sheets, settings)
    assert again.written == {"Pendaftar": 0, "Perlu Perbaikan": 0}
    assert len(sheets.get_all_values("Pendaftar")) == 4


def test_rows_hold_text_and_empty_verifier_columns(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    _submit(runtime, settings, 1, alamat="=1+1", nama="Hj. Siti Rahmah")
    flush(runtime.ledger, runtime.sheets, settings)
    header, row = runtime.sheets.get_all_values("Pendaftar")
    cell = dict(zip(header, row, strict=True))
    assert header == layout.headers(settings, PENDAFTAR)
    assert cell["NIK"] == "6311064507900001" and cell["Nomor KK"] == "6311060101150002"
    # The phone as people write it, as in every worksheet and file (the ledger keeps +62).
    assert cell["Nomor HP"] == "081234567890" and cell["Alamat"] == "=1+1"
    assert "gelar" in cell["Catatan Sistem"]
    assert all(cell[v.header] == "" for v in settings.verifier_columns)
    assert cell["Status"] == "MENUNGGU VERIFIKASI"


def test_perlu_perbaikan_says_why(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    _submit(runtime, settings, 1, kk="6371010101150002")
    flush(runtime.ledger, runtime.sheets, settings)
    header, row = runtime.sheets.get_all_values("Perlu Perbaikan")
    cell = dict(zip(header, row, strict=True))
    assert cell["Kode Masalah"] == "kk_outside_region"
    assert "tidak diterbitkan di Kabupaten Balangan" in cell["Alasan Perbaikan"]


def test_duplicates_are_not_written(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    _submit(runtime, settings, 1)
    sub = parse_submission(body(settings, rid="again", nik="6311064507900001"), settings.timezone)
    assert (
        receive(runtime.ledger, settings, sub, datetime.now(UTC)).registration.status == "duplicate"
    )
    assert flush(runtime.ledger, runtime.sheets, settings).written["Pendaftar"] == 1


def test_a_flush_that_died_after_appending_does_not_write_again(
    runtime, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    ids = _submit(runtime, settings, 3)
    # The crash: rows reached the sheet, the ledger never recorded it.
    pending = runtime.ledger.pending_flush(PENDAFTAR, 10)
    from jobs.flush import ensure_worksheets

    ensure_worksheets(runtime.sheets, settings)
    runtime.sheets.append_rows(
        "Pendaftar", [layout.row(r, settings, PENDAFTAR) for r in pending[:2]]
    )
    report = flush(runtime.ledger, runtime.sheets, settings)
    assert report.written["Pendaftar"] == 1 and report.already_present == 2
    assert runtime.sheets.column_values("Pendaftar", "ID Pendaftaran") == ids


def test_concurrent_flushes_write_each_row_once(runtime, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ids = _submit(runtime, settings, 40)
    barrier = threading.Barrier(4)
    reports = []

    def run() -> None:
        barrier.wait()
        reports.append(flush(runtime.ledger, runtime.sheets, settings))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    in_sheet = runtime.sheets.column_values("Pendaftar", "ID Pendaftaran")
    assert sorted(in_sheet) == sorted(ids)
    assert sum(r.written.get("Pendaftar", 0) for r in reports) == 40


class CountingSheets(LocalSheets):
    """The real local sheet, recording the size of each append request."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        super().__init__(engine)
        self.appends: list[int] = []

    def append_rows(self, name: str, rows: list[list[str]]) -> None:
        self.appends.append(len(rows))
        super().append_rows(name, rows)


def test_batches_are_bounded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prens.config import load_settings
    from prens.runtime import open_runtime
    from tests.conftest import write_config

    settings = load_settings(write_config(tmp_path, {"batch_rows = 500": "batch_rows = 7"}))
    rt = open_runtime(settings)
    rt.sheets = CountingSheets(rt.engine)
    _submit(rt, settings, 20)
    flush(rt.ledger, rt.sheets, settings)
    assert rt.sheets.appends == [7, 7, 6]
    rt.close()


def test_a_batch_longer_than_a_write_chunk_is_written_and_marked_once(
    runtime, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """A 500-row batch is appended and marked in short transactions (WRITE_CHUNK_ROWS rows)."""
    from prens.store.database import WRITE_CHUNK_ROWS

    accepted = _submit(runtime, settings, 2 * WRITE_CHUNK_ROWS + 30)
    report = flush(runtime.ledger, runtime.sheets, settings)
    assert report.written["Pendaftar"] == len(accepted)
    assert runtime.ledger.count_pending_flush() == 0
    assert runtime.sheets.column_values("Pendaftar", "ID Pendaftaran") == accepted
    assert flush(runtime.ledger, runtime.sheets, settings).written["Pendaftar"] == 0
