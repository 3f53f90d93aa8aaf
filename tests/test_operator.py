"""Operator mistakes answered in words: a Google backend with missing or wrong credentials, the
options typed after the command, empty listings, help that can be copied and pasted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from prens.cli import main
from tests.conftest import ROOT, write_config

KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFG"


def google_config(tmp_path: Path, key_file: str) -> Path:
    return write_config(
        tmp_path,
        {
            'backend = "local" ': 'backend = "google" ',
            'spreadsheet_key = ""                # the id': f'spreadsheet_key = "{KEY}"  # the id',
            '# credentials_file = "service-account.json"': f'credentials_file = "{key_file}"',
        },
    )


KEYS = {
    "missing": None,
    "not json": "not json at all",
    "a user's key": json.dumps({"type": "authorized_user", "client_id": "x"}),
    "incomplete": json.dumps({"type": "service_account", "client_email": "a@b.iam"}),
}
COMMANDS = [
    ["doctor"],
    ["check-config"],
    ["jobs", "run", "flush"],
    ["sheet", "setup"],
    ["officer", "list"],
    ["serve", "--port", "0"],
    ["worker"],
]


# Every kind of wrong key with the two commands that diagnose; every command with one of them.
CASES = [(case, c) for case in KEYS for c in COMMANDS[:2]] + [
    (case, c) for case, c in zip(list(KEYS) * 2, COMMANDS[2:], strict=False)
]


@pytest.mark.parametrize(
    ("case", "command"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_no_traceback_for_google_credentials(tmp_path: Path, case: str, command: list[str]) -> None:
    if KEYS[case] is not None:
        (tmp_path / "key.json").write_text(KEYS[case], encoding="utf-8")
    config = google_config(tmp_path, "key.json")
    done = subprocess.run(
        [sys.executable, "-m", "prens", "--config", str(config), *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    out = done.stdout + done.stderr
    assert "Traceback" not in out, out
    if command == ["officer", "list"]:  # needs no spreadsheet: works
        assert done.returncode == 0 and "belum ada petugas" in out
        return
    assert done.returncode != 0
    if command == ["doctor"]:  # every check shown, the credentials as the problem
        assert "[OK] Basis data" in out and "[MASALAH] Kredensial Google" in out
    assert "key.json" in out and ("kunci JSON" in out or "akun layanan" in out), out


def test_options_may_follow_the_command(config_path: Path) -> None:
    result = CliRunner().invoke(main, ["check-config", "--config", str(config_path)])
    assert result.exit_code == 0 and "OK" in result.output
    result = CliRunner().invoke(main, ["officer", "list", "--config", str(config_path)])
    assert result.exit_code == 0 and "belum ada petugas" in result.output


def test_an_empty_listing_says_so(config_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "notifications", "list", "--status", "failed"]
    )
    assert result.exit_code == 0 and result.output.strip() == "tidak ada pesan failed"


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, command in group.commands.items():
        out.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix}{name} ")
    return out


@pytest.mark.parametrize("path", ["", *_commands(main)])
def test_help_examples_can_be_copied_as_printed(path: str) -> None:
    """Each example is printed as written: a continued line ends in a backslash, and no line
    of it is a fragment that wrapping broke off (a file name cut in two, a lone backslash)."""
    output = CliRunner().invoke(main, [*path.split(), "--help"], terminal_width=80).output
    example = output.split("Contoh:")[1].split("Options:")[0]
    lines = [line.strip() for line in example.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("prens"), output
    for before, line in zip(lines, lines[1:], strict=False):
        assert before.endswith("\\") or line.startswith("prens"), output
        assert not line.startswith("\\"), output


def _responses_csv(settings, path: Path, rows: list[list[str]], header=None) -> Path:  # type: ignore[no-untyped-def]
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or ["Timestamp", *settings.questions.values()])
        writer.writerows(rows)
    return path


def _answers(settings, stamp: str, address: str = "RT 1") -> list[str]:  # type: ignore[no-untyped-def]
    # The answers' validity does not matter here: only whether each row can be read.
    return [
        stamp,
        "Siti",
        "6311064507900003",
        "6311060101150002",
        "7/5/1990",
        "Perempuan",
        "081234567890",
        "Paringin",
        "Lasung Batu",
        address,
        "Petani",
        settings.consent_option,
    ]


def test_import_responses_says_what_is_wrong_where(
    settings, config_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    good = _answers(settings, "11/20/2025 10:00:00", address="RT 1\nJalan Mawar")
    bad = _answers(settings, "kemarin sore")
    path = _responses_csv(settings, tmp_path / "r.csv", [good, bad])
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "sheet", "import-responses", str(path)]
    )
    assert result.exit_code == 0, result.output
    # The first response spans lines 2-3 (a line break in its address): the bad one is line 4.
    assert "r.csv, baris 4: waktu (Timestamp) 'kemarin sore' tidak terbaca" in result.output
    assert "m/d/yyyy H:MM:SS" in result.output and "yyyy/m/d h:mm:ss PM GMT+8" in result.output

    other = _responses_csv(settings, tmp_path / "o.csv", [], header=["Timestamp", "Nama", "NIK"])
    result = CliRunner().invoke(
        main, ["--config", str(config_path), "sheet", "import-responses", str(other)]
    )
    assert result.exit_code == 1
    assert 'o.csv: its first row has the columns "Timestamp"; "Nama"; "NIK", but the ' in (
        result.output
    )
    assert 'expects the question(s) "NAMA LENGKAP' in result.output
