"""Personal numbers never reach message texts or log lines, whatever field they were typed in;
personal files are readable by their owner only."""

from __future__ import annotations

import io
import json
import logging
import re
import stat
import sys

import pytest
from click.testing import CliRunner

from jobs.flush import flush
from jobs.notify import notify
from jobs.sync import sync
from prens.cli import main
from prens.privacy import HIDDEN, RedactingFilter, redact, redact_logs
from tests.conftest import post
from tests.databases import refuse_inserts
from tests.lifecycle_helpers import tick, tomorrow_morning
from tests.test_webhook import body

REFERENCE = re.compile(r"\blog-[0-9a-f]{12}\b")
PERSONAL = re.compile(r"\d(?:[ .\-]?\d){11,}|(?:\+?62|0)[ .\-]?8(?:[ .\-]?\d){7,}")


def _everything(runtime, client, settings) -> list[str]:  # type: ignore[no-untyped-def]
    """A NIK typed as the name (needs correction), and a verifier's rejection reason holding a
    phone number and a KK: through intake, flush, sync and notify. The message texts."""
    post(client, body(settings, rid="a", nama="6311064507900003"))
    rejected = post(client, body(settings, rid="b", nik="6311064507900011")).get_json()["id"]
    flush(runtime.ledger, runtime.sheets, settings)
    reason = "Hubungi 0812-3456-7890, KK 6311060101150002 bukan milik Anda"
    tick(runtime, rejected, "Alasan Penolakan", reason)
    sync(runtime.ledger, runtime.sheets, settings, runtime.verification(), outbox=runtime.outbox())
    morning = tomorrow_morning(settings)  # quiet hours would send nothing
    notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        settings,
        runtime.provider(),
        sleep=lambda s: None,
        jitter=lambda: 0.0,
        clock=lambda: morning,
    )
    path = settings.data_dir / "notifications.jsonl"
    return [json.loads(line)["text"] for line in path.read_text().splitlines()]


def test_no_message_text_or_log_line_holds_a_personal_number(
    runtime, client, settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    texts = _everything(runtime, client, settings)
    assert len(texts) == 2
    # The Dinas's own contact numbers (configured, public) are the only numbers a text may hold.
    contact = settings.notifications.contact
    assert all(not PERSONAL.search(text.replace(contact, "")) for text in texts), texts
    assert any(HIDDEN in text for text in texts)
    # The log provider's own message references are random hex ("log-20864250397e") and may
    # look like a phone number by chance (1 draw in 250): they are not personal data.
    lines = [REFERENCE.sub("log-…", record.getMessage()) for record in caplog.records]
    assert lines and [line for line in lines if PERSONAL.search(line)] == []


def test_the_log_filter_redacts_whatever_a_module_logs() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "nik %s hp %s",
        ("6311 0645 0790 0003", "+62 812-3456-7890"),
        None,
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == f"nik {HIDDEN} hp {HIDDEN}"


def test_redact_keeps_what_is_not_personal() -> None:
    kept = "BLG-7KQ4MX TERDAFTAR nomor 25012345678 pada 2026-11-30 10:00:00 Rp 16.800 RT 01/RW 02"
    assert redact(kept) == kept
    assert redact("081234567890") == HIDDEN and redact("6281234567890") == HIDDEN


def test_personal_files_are_readable_by_their_owner_only(
    runtime, client, settings, config_path, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _everything(runtime, client, settings)
    out = tmp_path / "final.xlsx"
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "export", "final", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = settings.data_dir
    paths = [data, data / "notifications.jsonl", out]
    if settings.database_url.startswith("sqlite"):
        paths += [data / "prens.db", data / "prens.db-wal"]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}
    assert modes == {p.name: ("0o700" if p.is_dir() else "0o600") for p in paths}


def test_a_failure_to_store_logs_its_traceback_without_personal_data(
    runtime, client, settings
) -> None:  # type: ignore[no-untyped-def]
    """A submission the database cannot store: the webhook answers 503 and logs the failure
    with its traceback for the operator, as production logs it (the root logger's handler with
    the redacting filter), and neither the traceback nor the line holds the citizen's NIK,
    phone number or name, which were the failed statement's parameters."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact_logs()
        refuse_inserts(runtime.engine, "registrations")
        sent = body(settings, nik="6311064507900003", nama="Siti Rahmawati Kusuma")
        reply = post(client, sent)
    finally:
        root.removeHandler(handler)
    assert reply.status_code == 503
    logged = stream.getvalue()
    assert "submission could not be stored" in logged and "Traceback" in logged, logged
    assert "INSERT INTO registrations" in logged  # the operator still sees what failed
    assert not PERSONAL.search(logged), logged
    assert "rahmawati" not in logged.lower(), logged


def test_the_log_filter_redacts_tracebacks_too() -> None:
    try:
        raise ValueError("NIK 6311064507900003 tidak dapat disimpan; hp 0812-3456-7890")
    except ValueError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "failed",
            None,
            sys.exc_info(),
            stack_info="at 6311060101150002",
        )
    assert RedactingFilter().filter(record)
    shown = logging.Formatter("%(message)s").format(record)
    assert "Traceback" in shown and "ValueError: NIK" in shown and "at " in shown
    assert not PERSONAL.search(shown), shown


@pytest.mark.parametrize(
    "written",
    [
        "6311/0645/0790/0001",
        "6311.0645.0790.0001",
        "6311-0645-0790-0001",
        "6311 0645 0790 0001",
        "6311 / 0645 / 0790 / 0001",
        "63.11.06.450790.0001",
        "0812/3456/7890",
        "(0812) 3456-7890",
        "+62 812-3456-7890",
        "0812 - 3456 - 7890",
        "\uff16\uff13\uff11\uff11\uff10\uff16\uff14\uff15\uff10\uff17\uff19\uff10\uff10\uff10\uff10\uff11",
    ],
)
def test_personal_numbers_are_hidden_whatever_their_separators(written: str) -> None:
    # A NIK or phone written with `/` separators in an office note was shown whole.
    hidden = redact(f"Catatan: {written} sudah dicek")
    assert hidden == f"Catatan: {HIDDEN} sudah dicek", hidden
