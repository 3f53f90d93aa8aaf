"""The `prens` command through click's runner (and real files)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from prens.cli import main
from tests.conftest import ROOT, post
from tests.databases import allow_inserts, refuse_inserts
from tests.test_webhook import body


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


ALL = [(" ".join(path), cmd) for path, cmd in _commands(main)]


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*path.split(), "--help"])
    assert result.exit_code == 0
    assert (
        command.help and "Contoh:" in result.output and "prens" in result.output.split("Contoh:")[1]
    )


def test_top_level_help_has_an_example() -> None:
    assert "Contoh:" in CliRunner().invoke(main, ["--help"]).output


def test_no_configuration_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["jobs", "run", "flush"])
    assert result.exit_code == 2 and "--config" in result.output


def test_a_bad_configuration_names_the_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import write_config

    path = write_config(tmp_path, {"min_age = 18": "min_age = -1"})
    result = CliRunner().invoke(main, ["--config", str(path), "check-config"])
    assert result.exit_code == 1
    assert "eligibility.min_age = -1: seharusnya usia dalam tahun" in result.output


def run(config_path, *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    return result


def test_a_database_that_fails_is_one_line_not_a_traceback(runtime, config_path) -> None:  # type: ignore[no-untyped-def]
    refuse_inserts(runtime.engine, "officers")  # as a full disk would refuse the new officer
    try:
        result = CliRunner().invoke(
            main, ["--config", str(config_path), "officer", "add", "Rahmat"]
        )
    finally:
        allow_inserts(runtime.engine, "officers")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: basis data gagal: "), result.output
    assert "prens doctor" in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and "[SQL" not in result.output


@pytest.mark.parametrize("command", [["db", "upgrade"], ["worker"], ["audit", "BLG-AAAAAA"]])
def test_a_database_that_cannot_be_reached_is_one_line(config_path, command) -> None:  # type: ignore[no-untyped-def]
    nobody = "postgresql+psycopg://prens@127.0.0.1:1/prens?connect_timeout=2"  # nothing listens
    result = CliRunner().invoke(
        main, ["--config", str(config_path), *command], env={"PRENS_DATABASE_URL": nobody}
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: basis data gagal: "), result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_flush_export_and_set(client, settings, config_path) -> None:  # type: ignore[no-untyped-def]
    reg_id = post(client, body(settings, alamat="=1+1")).get_json()["id"]
    result = run(config_path, "jobs", "run", "flush")
    assert result.exit_code == 0 and "1 baris ke Pendaftar" in result.output
    result = run(
        config_path,
        "sheet",
        "set",
        "Pendaftar",
        "--id",
        reg_id,
        "--column",
        "Verifikasi Dinas",
        "--value",
        "ya",
    )
    assert result.exit_code == 0, result.output
    result = run(
        config_path,
        "sheet",
        "set",
        "Pendaftar",
        "--id",
        reg_id,
        "--column",
        "Nomor Kepesertaan BPJS",
        "--value",
        "25012345678",
    )
    assert result.exit_code == 0, result.output
    result = run(config_path, "sheet", "export", "Pendaftar")
    header, row = list(csv.reader(io.StringIO(result.output)))
    cell = dict(zip(header, row, strict=True))
    assert cell["ID Pendaftaran"] == reg_id and cell["Alamat"] == "'=1+1"  # never a formula
    assert cell["Verifikasi Dinas"] == "TRUE" and cell["Nomor Kepesertaan BPJS"] == "25012345678"
    assert cell["NIK"] == "6311064507900003"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "Status", "--value", "TERDAFTAR"], "bukan kolom verifikator"),
        (["--column", "NIK", "--value", "1"], "bukan kolom verifikator"),
        (["--column", "Verifikasi BPJS", "--value", "mungkin"], "bukan isian kotak centang"),
        (
            ["--id", "BLG-ZZZZZZ", "--column", "Verifikasi BPJS", "--value", "TRUE"],
            "tidak punya baris dengan",
        ),
    ],
)
def test_sheet_set_refuses_what_a_verifier_cannot_do(
    client, settings, config_path, args, message
) -> None:  # type: ignore[no-untyped-def]
    reg_id = post(client, body(settings)).get_json()["id"]
    run(config_path, "jobs", "run", "flush")
    if "--id" not in args:
        args = ["--id", reg_id, *args]
    result = run(config_path, "sheet", "set", "Pendaftar", *args)
    assert result.exit_code != 0 and message in result.output


def test_export_of_an_unknown_worksheet(config_path) -> None:  # type: ignore[no-untyped-def]
    result = run(config_path, "sheet", "export", "Tidak Ada")
    assert result.exit_code == 1 and "no worksheet named 'Tidak Ada'" in result.output


def test_sheet_setup_creates_the_worksheets(config_path) -> None:  # type: ignore[no-untyped-def]
    result = run(config_path, "sheet", "setup")
    assert result.exit_code == 0 and "Pendaftar, Perlu Perbaikan" in result.output
    header = run(config_path, "sheet", "export", "Pendaftar").output.strip()
    assert header.startswith("ID Pendaftaran,Waktu Daftar,Nama Lengkap,NIK,Nomor KK")


@pytest.mark.parametrize("message_id", ["0", "-3", "99999999999999999999", "abc"])
def test_a_message_id_that_cannot_be_is_refused_in_words(config_path, message_id) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "notifications", "retry", "--", message_id]
    )
    assert result.exit_code == 2 and "Invalid value for 'MESSAGE_ID'" in result.output, (
        result.output
    )


@pytest.mark.parametrize(
    "command",
    [
        ["export", "final", "-o", "{missing}/final.xlsx"],
        ["bpjs", "export", "-o", "{missing}/bpjs.xlsx"],
        ["report", "evaluasi", "-o", "{missing}/evaluasi.xlsx"],
    ],
)
def test_a_file_that_cannot_be_used_is_one_line(config_path, tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    missing = str(tmp_path / "no-such-folder")
    args = [a.replace("{missing}", missing) for a in command]
    result = CliRunner().invoke(main, ["--config", str(config_path), *args])
    assert result.exit_code in (1, 2), result.output
    assert result.output.startswith("Error: ") and missing in result.output, result.output
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )


def test_output_cut_short_by_a_reader_ends_quietly(runtime, config_path) -> None:  # type: ignore[no-untyped-def]
    """`prens sheet export X | head -2`: the reader closes the pipe early; the command ends
    without a traceback (a real process: the pipe's buffer fills, the next write fails)."""
    rows = [["a", "b"], *([str(i), "x" * 100] for i in range(5000))]  # 500 KB, past the buffer
    runtime.sheets.replace_all("Coba", rows, [])
    proc = subprocess.Popen(
        [sys.executable, "-m", "prens", "--config", str(config_path), "sheet", "export", "Coba"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"a,b\n"
    proc.stdout.close()  # as `head` does
    said = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1 and said == "", said
