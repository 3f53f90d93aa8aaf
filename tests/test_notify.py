"""Notifications end to end: each message exactly once, retries, refusals, crashes, quiet hours."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.flush import flush
from jobs.notify import in_quiet_hours, notify
from jobs.providers import open_provider
from jobs.sync import sync
from prens.cli import main
from prens.config import load_settings
from prens.errors import ConfigError
from prens.runtime import open_runtime
from tests.conftest import ROOT, post, write_config
from tests.fakes.providers import Answer, ProviderServer
from tests.lifecycle_helpers import tick
from tests.test_webhook import body

pytestmark = pytest.mark.both_databases

WITA = 8
# 10:00 WITA the day after tomorrow: intake and sync queue messages with the real clock, so the
# notify runs happen after that, on any date (a fixed date here fails once it has passed).
DAY = (datetime.now(UTC) + timedelta(days=2)).replace(
    hour=10 - WITA, minute=0, second=0, microsecond=0
)


def clock_at(moment: datetime):  # type: ignore[no-untyped-def]
    return lambda: moment


def log_lines(settings) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    path = settings.data_dir / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def run_notify(runtime, at: datetime = DAY, provider=None):  # type: ignore[no-untyped-def]
    return notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        runtime.settings,
        provider or runtime.provider(),
        clock=clock_at(at),
        sleep=lambda s: None,
        jitter=lambda: 0.0,
    )


def run_sync(runtime) -> None:  # type: ignore[no-untyped-def]
    sync(
        runtime.ledger,
        runtime.sheets,
        runtime.settings,
        runtime.verification(),
        outbox=runtime.outbox(),
    )


@pytest.fixture
def registered(runtime, client, settings):  # type: ignore[no-untyped-def]
    reg = post(client, body(settings)).get_json()["id"]
    flush(runtime.ledger, runtime.sheets, settings)
    return reg


def test_verified_then_registered_sends_exactly_two_messages(runtime, registered) -> None:  # type: ignore[no-untyped-def]
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    for _ in range(3):
        run_sync(runtime)
        run_notify(runtime)
    tick(runtime, registered, "Berkas Diterima")
    tick(runtime, registered, "Nomor Kepesertaan BPJS", "25012345678")

    errors: list[BaseException] = []

    def hammer(job) -> None:  # type: ignore[no-untyped-def]
        try:
            for _ in range(5):
                job()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=hammer, args=(job,))
        for job in (
            lambda: run_sync(runtime),
            lambda: run_notify(runtime),
            lambda: run_sync(runtime),
            lambda: run_notify(runtime),
        )
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run_sync(runtime)
    run_notify(runtime)
    assert errors == []
    lines = log_lines(runtime.settings)
    assert [line["event"] for line in lines] == ["TERVERIFIKASI", "TERDAFTAR"]
    assert "antar berkas" in lines[0]["text"] and "25012345678" in lines[1]["text"]
    for line in lines:
        assert "6311064507900003" not in line["text"] and "6311060101150002" not in line["text"]
        assert "81234567890" not in line["text"]  # the phone is the address, not the text
    run_sync(runtime)
    rows = runtime.sheets.get_all_values("Pendaftar")
    cell = rows[1][rows[0].index("Notifikasi Terakhir")]
    assert cell.startswith("TERDAFTAR, ") and cell.endswith(", terkirim")


def test_a_needs_correction_message_at_intake(runtime, client, settings) -> None:  # type: ignore[no-untyped-def]
    post(client, body(settings, rid="a", kk="6371010101150002"))
    post(client, body(settings, rid="b", nik="123", telepon="0526 2028 123"))  # unreachable
    run_notify(runtime)
    lines = log_lines(settings)
    assert [line["event"] for line in lines] == ["needs_correction"]
    assert "tidak diterbitkan di Kabupaten Balangan" in lines[0]["text"]
    assert settings.form_url in lines[0]["text"]


def fonnte(url: str):  # type: ignore[no-untyped-def]
    return open_provider("fonnte", {"base_url": url}, Path("."), {"PRENS_FONNTE_TOKEN": "t"})


def test_two_500s_then_success_delivers_once(runtime, registered) -> None:  # type: ignore[no-untyped-def]
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    run_sync(runtime)
    ok = Answer(200, {"status": True, "id": ["1"]})
    with ProviderServer(ok) as srv:
        srv.queue.extend([Answer(500, {}), Answer(503, {})])
        provider = fonnte(srv.url)
        at = DAY
        reports = []
        for _ in range(6):
            reports.append(run_notify(runtime, at, provider))
            at += timedelta(minutes=2)  # past each backoff (15 s, 30 s with no jitter)
    assert len(srv.seen) == 3
    assert [r.sent for r in reports] == [0, 0, 1, 0, 0, 0]
    (message,) = runtime.outbox().messages()
    assert (message.status, message.attempts) == ("sent", 3)


def test_an_invalid_number_fails_after_one_attempt(runtime, registered) -> None:  # type: ignore[no-untyped-def]
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    run_sync(runtime)
    with ProviderServer(Answer(200, {"status": False, "reason": "invalid target"})) as srv:
        provider = fonnte(srv.url)
        for hours in range(3):
            run_notify(runtime, DAY + timedelta(hours=hours), provider)
    assert len(srv.seen) == 1
    (message,) = runtime.outbox().messages()
    assert (message.status, message.reason) == ("failed", "invalid target")


def test_retries_stop_at_the_limit(runtime, registered) -> None:  # type: ignore[no-untyped-def]
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    run_sync(runtime)
    with ProviderServer(Answer(503, {})) as srv:
        provider = fonnte(srv.url)
        for n in range(10):
            run_notify(runtime, DAY + timedelta(hours=n), provider)
    assert len(srv.seen) == runtime.settings.notifications.max_attempts
    assert runtime.outbox().messages()[0].status == "failed"


@pytest.mark.parametrize(("hour", "sends"), [(22, False), (6, False), (7, True), (20, True)])
def test_quiet_hours(runtime, registered, hour: int, sends: bool) -> None:  # type: ignore[no-untyped-def]
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    run_sync(runtime)
    at = DAY + timedelta(hours=hour - 10)  # `hour` o'clock WITA, still after the queueing
    report = run_notify(runtime, at)
    assert report.quiet is (not sends) and len(log_lines(runtime.settings)) == (1 if sends else 0)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        ("20:59", False),
        ("21:00", True),
        ("23:59", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
    ],
)
def test_quiet_window_wraps_midnight(local: str, quiet: bool) -> None:
    from datetime import time as t

    h, m = (int(x) for x in local.split(":"))
    assert in_quiet_hours(t(h, m), "21:00", "07:00") is quiet
    assert in_quiet_hours(t(h, m), "00:00", "00:00") is False


def queue_corrections(client, settings, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` submissions whose KK is from elsewhere: each queues a needs_correction message."""
    for i in range(count):
        post(
            client,
            body(settings, rid=f"r{i}", kk="6371010101150002", nik=f"631106450790{i + 1:04d}"),
        )


def notify_paced(runtime, **options):  # type: ignore[no-untyped-def]
    """One notify run at DAY, with a stand-in for the pause between messages."""
    return notify(
        runtime.ledger,
        runtime.outbox(),
        runtime.verification(),
        runtime.settings,
        runtime.provider(),
        clock=clock_at(DAY),
        **options,
    )


def test_pace_and_pause(runtime, client, settings) -> None:  # type: ignore[no-untyped-def]
    queue_corrections(client, settings, 30)  # 30 corrections to send; 20 a minute, 3 s apart
    pauses: list[float] = []
    report = notify_paced(runtime, sleep=pauses.append)
    assert report.sent == 20 and pauses == [3.0] * 19
    assert run_notify(runtime, DAY + timedelta(seconds=30)).sent == 0  # same minute: none
    assert run_notify(runtime, DAY + timedelta(minutes=2)).sent == 10


def test_a_shutdown_ends_a_paced_run_early_and_loses_nothing(runtime, client, settings) -> None:  # type: ignore[no-untyped-def]
    """Stopping the process does not wait out 3-second pauses for every due message: the run
    ends before its next message, and the rest stay pending for the next run."""
    import threading

    queue_corrections(client, settings, 10)
    stopping = threading.Event()
    sent_before_stop: list[float] = []

    def pause(seconds: float) -> None:
        sent_before_stop.append(seconds)
        if len(sent_before_stop) == 3:
            stopping.set()  # SIGTERM arrives during the third pause

    report = notify_paced(runtime, sleep=pause, stopping=stopping)
    assert report.sent == 3 and report.interrupted
    assert "stopped early" in report.summary()
    assert runtime.outbox().counts() == {"sent": 3, "pending": 7}
    assert run_notify(runtime, DAY + timedelta(minutes=1)).sent == 7


def test_unknown_placeholder_is_a_configuration_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_config(
        tmp_path, {"(ID {id}) sudah TERVERIFIKASI": "(NIK {nik}) sudah TERVERIFIKASI"}
    )
    with pytest.raises(ConfigError, match=r"notifications.templates.TERVERIFIKASI.*bukan \{nik\}"):
        load_settings(path)


def test_a_crash_mid_send_leaves_an_uncertain_message_not_resent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        {
            'provider = "log"': 'provider = "fonnte"',
            'quiet_start = "21:00"': 'quiet_start = "00:00"',
            'quiet_end = "07:00"': 'quiet_end = "00:00"',
        },
    )
    settings = load_settings(config)
    runtime = open_runtime(settings)
    from tests.conftest import SECRET
    from webhooks import create_app

    client = create_app(runtime, SECRET).test_client()
    post(client, body(settings, kk="6371010101150002"))  # one needs_correction message
    slow = Answer(200, {"status": True, "id": ["9"]}, delay=30)
    with ProviderServer(slow) as srv:
        text = config.read_text().replace(
            "[notifications.provider_options]",
            f'[notifications.provider_options]\nbase_url = "{srv.url}"',
        )
        config.write_text(text)
        env = {**os.environ, "PRENS_FONNTE_TOKEN": "t"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "prens", "--config", str(config), "jobs", "run", "notify"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not srv.seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.seen, "the notify process never called the provider"
        os.kill(proc.pid, signal.SIGKILL)  # killed between `sending` and the answer
        proc.wait()
        (message,) = runtime.outbox().messages()
        assert message.status == "sending"
        provider = open_provider(
            "fonnte", {"base_url": srv.url}, tmp_path, {"PRENS_FONNTE_TOKEN": "t"}
        )
        later = datetime.now(UTC) + timedelta(minutes=10)  # the dead run's lease has expired
        report = run_notify(runtime, later, provider)
        assert report.uncertain == 1 and report.sent == 0
        run_notify(runtime, later + timedelta(hours=1), provider)
        assert len(srv.seen) == 1  # never resent blindly
        listed = CliRunner().invoke(
            main, ["--config", str(config), "notifications", "list", "--status", "uncertain"]
        )
        assert listed.exit_code == 0 and "Perlu perbaikan" in listed.output
        retried = CliRunner().invoke(
            main, ["--config", str(config), "notifications", "retry", str(message.id)]
        )
        assert retried.exit_code == 0, retried.output
        srv.default = Answer(200, {"status": True, "id": ["10"]})
        run_notify(runtime, later + timedelta(hours=2), provider)
    assert len(srv.seen) == 2 and runtime.outbox().messages()[0].status == "sent"
    runtime.close()


def _status(runtime, reg: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = runtime.sheets.get_all_values("Pendaftar")
    return next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == reg)


def test_a_membership_number_is_announced_only_when_it_is_one(runtime, client, settings) -> None:  # type: ignore[no-untyped-def]
    """A 5-digit number, or one another registration has, keeps the row in BERKAS LENGKAP with
    the reason in Catatan Sistem and tells the citizen nothing; the corrected cell moves it on."""
    a = post(client, body(settings, rid="a")).get_json()["id"]
    b = post(client, body(settings, rid="b", nik="6311064507900011")).get_json()["id"]
    flush(runtime.ledger, runtime.sheets, settings)
    for reg in (a, b):
        for column in ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima"):
            tick(runtime, reg, column)
    tick(runtime, a, "Nomor Kepesertaan BPJS", "99999")
    run_sync(runtime)
    run_notify(runtime)
    row = _status(runtime, a)
    assert (
        row["Status"] == "BERKAS LENGKAP"
        and "tidak sesuai format (11 angka)" in row["Catatan Sistem"]
    )
    assert "TERDAFTAR" not in [line["event"] for line in log_lines(settings)]

    tick(runtime, a, "Nomor Kepesertaan BPJS", "25012345678")
    run_sync(runtime)
    tick(runtime, b, "Nomor Kepesertaan BPJS", "2501-234-5678")  # a's number, typed again
    run_sync(runtime)
    run_notify(runtime, DAY + timedelta(minutes=5))
    assert _status(runtime, a)["Status"] == "TERDAFTAR"
    row = _status(runtime, b)
    assert (
        row["Status"] == "BERKAS LENGKAP"
        and f"dipakai pendaftar lain ({a})" in row["Catatan Sistem"]
    )
    told = [line for line in log_lines(settings) if line["event"] == "TERDAFTAR"]
    assert [line["id"] for line in told] == [a]
    assert "99999" not in json.dumps(log_lines(settings))

    tick(runtime, b, "Nomor Kepesertaan BPJS", "2501 234 5679")
    run_sync(runtime)
    assert _status(runtime, b)["Status"] == "TERDAFTAR"
    run_notify(runtime, DAY + timedelta(minutes=10))
    (told_b,) = [x for x in log_lines(settings) if (x["id"], x["event"]) == (b, "TERDAFTAR")]
    assert "25012345679" in told_b["text"]  # the number as the branch writes it


def test_messages_that_waited_go_out_only_while_still_true(runtime, client, settings) -> None:  # type: ignore[no-untyped-def]
    # Verified in the evening, both wait for the morning. In the night one is rejected and the
    # other registered: in the morning each is told only what is true then, once. The rejected
    # one was told "sudah TERVERIFIKASI. Silakan antar berkas" before this was fixed.
    ani = post(client, body(settings, rid="r-ani", nik="6311064507900011", telepon="081234500011"))
    budi = post(
        client, body(settings, rid="r-budi", nik="6311060507900012", telepon="081234500012")
    )
    a, b = ani.get_json()["id"], budi.get_json()["id"]
    flush(runtime.ledger, runtime.sheets, settings)
    for reg_id in (a, b):
        for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
            tick(runtime, reg_id, column)
    run_sync(runtime)
    night = DAY.replace(hour=23 - WITA)
    assert run_notify(runtime, night).quiet and log_lines(settings) == []

    tick(runtime, a, "Alasan Penolakan", "Bukan pekerja informal")
    tick(runtime, b, "Berkas Diterima")
    tick(runtime, b, "Nomor Kepesertaan BPJS", "25012345678")
    run_sync(runtime)
    morning = DAY + timedelta(days=1)
    report = run_notify(runtime, morning)
    assert (report.sent, report.superseded) == (2, 2)
    told = sorted((line["event"], line["text"]) for line in log_lines(settings))
    assert [event for event, _ in told] == ["DITOLAK", "TERDAFTAR"]
    assert not any("antar berkas" in text.lower() for _, text in told)
    statuses = {(m.registration_id, m.event): m.status for m in runtime.outbox().messages()}
    assert statuses[(a, "TERVERIFIKASI")] == statuses[(b, "TERVERIFIKASI")] == "superseded"
    audit = [e for e in runtime.verification().history(a) if e.kind == "message_superseded"]
    assert [e.detail for e in audit] == [{"event": "TERVERIFIKASI", "state": "DITOLAK"}]
    listed = CliRunner().invoke(
        main, ["--config", str(settings.source), "notifications", "list", "--status", "superseded"]
    )
    assert listed.exit_code == 0 and a in listed.output and b in listed.output

    # Exactly once: nothing more later; a state entered again gets its message, once.
    run_notify(runtime, morning + timedelta(hours=1))
    assert len(log_lines(settings)) == 2
    tick(runtime, a, "Alasan Penolakan", "")
    run_sync(runtime)
    run_notify(runtime, morning + timedelta(hours=2))
    run_sync(runtime)
    run_notify(runtime, morning + timedelta(hours=3))
    events = [(line["event"]) for line in log_lines(settings)]
    assert sorted(events) == ["DITOLAK", "TERDAFTAR", "TERVERIFIKASI"]
    rows = runtime.sheets.get_all_values("Pendaftar")
    told_cells = {r[0]: r[rows[0].index("Notifikasi Terakhir")] for r in rows[1:]}
    local = (morning + timedelta(hours=2)).astimezone(settings.timezone)
    assert told_cells[a] == f"TERVERIFIKASI, {local:%d-%m-%Y %H:%M}, terkirim"
    assert told_cells[b].startswith("TERDAFTAR, ")


def test_the_last_message_cell_is_put_right_by_the_next_sync(runtime, registered) -> None:  # type: ignore[no-untyped-def]
    # The cell named an older message than the last one sent, and later syncs kept it wrong.
    for column in ("Verifikasi Dinas", "Verifikasi BPJS"):
        tick(runtime, registered, column)
    run_sync(runtime)
    run_notify(runtime)
    tick(runtime, registered, "Berkas Diterima")
    tick(runtime, registered, "Nomor Kepesertaan BPJS", "25012345678")
    run_sync(runtime)
    run_notify(runtime, DAY + timedelta(minutes=5))
    header = "Notifikasi Terakhir"
    wrong = "TERVERIFIKASI 2026-01-01 10:00 terkirim"  # as an older version wrote it
    runtime.sheets.update_rows_by_key(
        "Pendaftar", "ID Pendaftaran", {registered: {header: wrong}}, derived=True
    )
    for _ in range(2):  # put right, and stays right
        run_sync(runtime)
        rows = runtime.sheets.get_all_values("Pendaftar")
        cell = rows[1][rows[0].index(header)]
        local = (DAY + timedelta(minutes=5)).astimezone(runtime.settings.timezone)
        assert cell == f"TERDAFTAR, {local:%d-%m-%Y %H:%M}, terkirim"
