"""Long commands show how far they are on a terminal ("1.200 dari 18.000") and stay quiet when
piped: `export final`, `report evaluasi`, `bpjs import`, `jobs run notify`, each run as an
operator runs it, with its standard error on a real pseudo-terminal, then on a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from prens.config import load_settings
from prens.runtime import open_runtime
from tests.bpjs_helpers import enrol, nik, xlsx
from tests.conftest import SECRET, write_config
from tests.serving import ROOT
from webhooks.app import create_app

pytestmark = pytest.mark.both_databases


def run(config: Path, *args: str, terminal: bool) -> tuple[int, str]:
    """`prens ARGS` with its standard error on a pseudo-terminal (or a pipe): (exit, stderr)."""
    command = [sys.executable, "-m", "prens", "--config", str(config), *args]
    if not terminal:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stderr
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary, stdin=subprocess.DEVNULL
    )
    os.close(secondary)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    return proc.wait(timeout=120), out.decode()


def test_long_commands_say_how_far_they_are_on_a_terminal_only(
    tmp_path: Path, database: str
) -> None:
    # No quiet hours and no pause between messages: the notify run sends all, at any hour.
    config_path = write_config(
        tmp_path,
        {
            'quiet_start = "21:00"': 'quiet_start = "07:00"',
            "pause_seconds = 3": "pause_seconds = 0",
        },
        database,
    )
    runtime = open_runtime(load_settings(config_path))
    try:
        enrol(runtime, create_app(runtime, SECRET, {"TESTING": True}).test_client())
    finally:
        runtime.close()
    result = tmp_path / "hasil.xlsx"
    result.write_bytes(xlsx([["NIK", "KPJ"], [nik(0), "25000000001"], [nik(1), "1"]]))
    commands = {
        "Menulis daftar final: 7 dari 7": ("export", "final", "-o", str(tmp_path / "f.xlsx")),
        "Menghitung evaluasi: 7 dari 7": ("report", "evaluasi", "-o", str(tmp_path / "e.xlsx")),
        "Mencocokkan NIK: 2 dari 2": ("bpjs", "import", str(result)),
        "notify: 7 dari 7": ("jobs", "run", "notify"),
    }
    for said, args in commands.items():
        code, shown = run(config_path, *args, terminal=True)
        assert code == 0, shown
        assert said in shown, (args, shown)
        code, piped = run(config_path, *args, terminal=False)
        assert code == 0 and " dari " not in piped, (args, piped)
