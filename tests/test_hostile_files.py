"""Files built to stop, freeze or exhaust a reader (tests/hostile_files.py): each is refused in
words by the reader, by `prens bpjs import` and on the upload page of the real `prens serve`,
which stays up and answers `/healthz` in under a second while each is read."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import requests

from prens.intake.bpjs_files import import_lines
from prens.intake.sandbox import TOO_HARD, Limits, read_tables
from prens.intake.tables import FileRefused, grid_size
from tests.conftest import write_config
from tests.hostile_files import HOSTILE, workbook
from tests.serving import Served, prens

NAMES = sorted(HOSTILE)
# What the officer is told: a reason in Bahasa Indonesia, never a library's words.
IN_WORDS = re.compile(r"Berkas|berkas|XLSX|CSV")


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return {name: make() for name, make in HOSTILE.items()}


@pytest.mark.parametrize("name", NAMES)
def test_each_is_refused_in_words_by_the_reader(settings, files, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FileRefused) as refused:
        import_lines(files[name], settings)
    message = str(refused.value)
    assert IN_WORDS.search(message) and "Traceback" not in message and "Error" not in message


def test_the_cell_references_calamine_accepts_are_all_counted() -> None:
    for spelling in ("r='XFD1048576'", 'r="xfd1048576"', 'r = "XFD1048576"', 'r="XFD01048576"'):
        part = f'<sheetData><row r="1"><c {spelling}><v>1</v></c></row></sheetData>'.encode()
        assert grid_size(part) == 16384 * 1048576, spelling


def test_unclosed_tags_are_counted_in_linear_time() -> None:
    # 1.8 MB of `<c ` took 24 s (a pattern that scanned to the end of the part from each tag).
    started = time.monotonic()
    grid_size(b"<c " * 600_000)
    grid_size(b"<row " * 600_000)
    assert time.monotonic() - started < 2


def test_a_reader_out_of_time_is_stopped_and_refused(files) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(FileRefused, match="terlalu besar atau terlalu rumit"):
        read_tables(files["zip-berbohong.xlsx"], 10 * 1024 * 1024, Limits(wall_seconds=0.05))
    assert time.monotonic() - started < 5


def test_a_reader_over_its_cpu_seconds_is_stopped_and_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    # 190,000 rows of 100 cells: about three seconds of CPU to read and answer; the kernel stops
    # the child at its limit (SIGXCPU), and the log says only how it ended.
    data = b"NIK,KPJ\n" + (b"," * 99 + b"x\n") * 190_000
    with pytest.raises(FileRefused) as refused:
        read_tables(data, 50 * 1024 * 1024, Limits(cpu_seconds=1))
    assert str(refused.value) == TOO_HARD
    assert [r.getMessage() for r in caplog.records] == ["a file's reader ended with status -24"]


def test_a_reader_out_of_memory_is_refused(files) -> None:  # type: ignore[no-untyped-def]
    # Each of 20,000 cells holds its own copy of one 1 MB string: the child's address space
    # runs out (calamine aborts the process), and the refusal is the same words.
    with pytest.raises(FileRefused) as refused:
        read_tables(files["bom-teks-bersama.xlsx"], 10 * 1024 * 1024, Limits(memory_mb=512))
    assert str(refused.value) == TOO_HARD


def test_an_ordinary_file_still_reads_with_its_types() -> None:
    (table,) = read_tables(workbook(), 10 * 1024 * 1024)
    assert table.rows == [["NIK", "KPJ"], ["6311064507900001", "25000000001"]]


@pytest.mark.parametrize("name", NAMES)
def test_each_is_refused_by_the_import_command(
    tmp_path: Path, config_path, files, name: str
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(files[name])
    done = prens(config_path, "bpjs", "import", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert name in done.stderr and IN_WORDS.search(done.stderr)
    assert "Traceback" not in done.stdout + done.stderr


def _signed_in(served: Served, config: Path) -> requests.Session:
    from prens.config import load_settings
    from prens.runtime import open_runtime
    from prens.store.officers import Officers

    runtime = open_runtime(load_settings(config))
    try:
        token = Officers(runtime.engine).add("Budi Dinas")
    finally:
        runtime.close()
    session = requests.Session()
    page = session.get(served.url + "/dinas/masuk", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    signed = session.post(
        served.url + "/dinas/masuk",
        data={"nama": "Budi Dinas", "token": token, "csrf_token": csrf},
        timeout=10,
    )
    assert signed.ok and "masuk" not in signed.url
    return session


def _poll(url: str, until: threading.Event, times: list[float]) -> None:
    """GET /healthz until `until` is set; each answer's time (infinite: no 200)."""
    while not until.is_set():
        started = time.monotonic()
        try:
            ok = requests.get(url + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            ok = False
        times.append(time.monotonic() - started if ok else float("inf"))
        time.sleep(0.02)


@pytest.mark.e2e
def test_each_is_refused_on_the_page_while_the_service_answers(tmp_path: Path, files) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, {"flush_seconds = 5": "flush_seconds = 3600"})
    with Served(config, "hostile-files-secret") as served:
        session = _signed_in(served, config)
        for name in NAMES:
            times: list[float] = []
            reading = threading.Event()
            poller = threading.Thread(target=_poll, args=(served.url, reading, times))
            poller.start()
            try:
                page = session.get(served.url + "/dinas/bpjs/", timeout=10).text
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                reply = session.post(
                    served.url + "/dinas/bpjs/impor",
                    data={"csrf_token": csrf},
                    files={"berkas": (name, files[name])},
                    timeout=60,
                )
            finally:
                reading.set()
                poller.join()
            assert reply.status_code == 400, (name, reply.status_code)
            assert name in reply.text and IN_WORDS.search(reply.text)
            assert times and max(times) < 1, (name, max(times, default=None))
            assert served.proc is not None and served.proc.poll() is None  # still serving
        assert requests.get(served.url + "/healthz", timeout=5).status_code == 200
        assert "Traceback" not in served.output()
