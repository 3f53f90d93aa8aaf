"""The code follows the lint, format and type settings in pyproject.toml (ruff, mypy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args: list[str]) -> None:
    done = subprocess.run([RUFF, *args], cwd=ROOT, capture_output=True, text=True)  # type: ignore[list-item]
    assert done.returncode == 0, done.stdout + done.stderr


MYPY = shutil.which("mypy", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(MYPY is None, reason="mypy is not installed (pip install -e '.[test]')")
def test_mypy() -> None:
    done = subprocess.run(
        [MYPY, "prens", "webhooks", "sheets_bridge", "jobs"],  # type: ignore[list-item]
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
