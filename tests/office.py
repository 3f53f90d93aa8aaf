"""Debian's LibreOffice (headless Calc) opening the files the project offers, as an office would.

`open_in_calc` converts files with `soffice --headless --convert-to xlsx`: what Calc read is then
in the converted workbook, where a formula it evaluated has a formula cell and a number it parsed
has a number cell. CSV is read with the separator given and with formula evaluation on (the
worst case an office can choose).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SEPARATORS = {",": 44, ";": 59, "\t": 9}


def need_soffice() -> None:
    """Skip without LibreOffice on a developer machine; in CI (CI set) fail instead."""
    if SOFFICE:
        return
    if os.environ.get("CI"):
        pytest.fail(
            "LibreOffice is needed in CI for the file checks (apt-get install "
            "libreoffice-calc-nogui)",
            pytrace=False,
        )
    pytest.skip("LibreOffice is not installed: files not opened in a spreadsheet")


def open_in_calc(files: list[Path], out: Path, separator: str = ",") -> list[Path]:
    """Convert `files` (XLSX or CSV) with LibreOffice; return the converted XLSX paths."""
    assert SOFFICE
    out.mkdir(parents=True, exist_ok=True)
    profile = out / "profile"
    # Tokens: separator, quote ("), UTF-8 (76), from line 1, no column formats, default
    # language, quoted fields not forced to text, detect special numbers, (3 export-only
    # tokens), evaluate formulas.
    csv_filter = f"CSV:{SEPARATORS[separator]},34,76,1,,0,false,true,false,false,false,-1,true"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--infilter={csv_filter}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = [out / (f.stem + ".xlsx") for f in files]
    missing = [p for p in converted if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return converted


def cells(path: Path) -> list[tuple[str, str, object, str]]:
    """Every non-empty cell of every sheet: (sheet, coordinate, value, data type)."""
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, c.coordinate, c.value, c.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
