"""BPJS import benchmark: a 20,000-row result file from the branch, reported (dry run) and applied
(the numbers written, audited, and the sync run), on the local backend.

    python bench/bpjs_import.py [--rows 20000] [--rounds 3]

A first process fills a fresh ledger (bulk SQL inserts), flushes the rows into "Pendaftar", ticks
every row's verification and documents, and syncs them to BERKAS LENGKAP; then it writes the
branch's XLSX (NIK, name, date of birth, KPJ). Each measured step is `prens bpjs import` in a
fresh process: its wall time and peak memory (max RSS), in each round on a fresh copy of the
prepared deployment; the medians last. Target: under 10 s and 300 MB each.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compile import config_in  # noqa: E402
from prens.config import Settings, load_settings  # noqa: E402
from prens.demo import person  # noqa: E402

# The command in a fresh process; its peak memory is the kernel's high-water mark of its own
# address space (VmHWM). Not ru_maxrss: that survives execve, so a child would report the
# parent's peak (this script's, filling the ledger).
MEASURE = """
import re, sys, time
from prens.cli import main
start = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    took = time.perf_counter() - start
    status = open("/proc/self/status").read()
    peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024
    print(f"#figures {took:.2f} {peak:.0f}")
"""


def prepare(directory: Path, count: int) -> Path:
    """The ledger with `count` people in BERKAS LENGKAP, and the branch's result file."""
    people = seed(load_settings(config_in(directory)), count)
    path = directory / "hasil-bpjs.xlsx"
    path.write_bytes(result_file(people))
    return path


def seed(settings: Settings, count: int) -> list[dict[str, Any]]:
    """`count` people in the ledger of `settings`, flushed to "Pendaftar", verified with their
    documents in and synced to BERKAS LENGKAP; their answers."""
    from jobs.flush import flush
    from jobs.sync import sync
    from prens.runtime import open_runtime
    from prens.store.schema import registrations

    runtime = open_runtime(settings)
    rng = random.Random(1)
    today = datetime.now(settings.timezone).date()
    now = datetime.now(UTC).replace(tzinfo=None)
    people = []
    batch = []
    for i in range(count):
        fields = person(settings, rng, today).fields
        fields["nik"] = f"6311{i:012d}"
        fields["telepon"] = "+62" + str(fields["telepon"])[1:]
        people.append(fields)
        batch.append(
            {
                "id": f"BLG-{i:06d}",
                "response_key": f"bench-{i}",
                "submitted_at": now,
                "received_at": now,
                "status": "accepted",
                "nik": fields["nik"],
                "active_nik": fields["nik"],
                "phone": fields["telepon"],
                "person": json.dumps(fields, ensure_ascii=False),
                "answers": "{}",
                "problems": "[]",
                "state": "MENUNGGU VERIFIKASI",
                "sheet_target": "pendaftar",
            }
        )
    with runtime.engine.begin() as conn:
        conn.execute(registrations.insert(), batch)
    while sum(flush(runtime.ledger, runtime.sheets, settings).written.values()):
        pass
    ticks = {h: "TRUE" for h in ("Verifikasi Dinas", "Verifikasi BPJS", "Berkas Diterima")}
    runtime.sheets.update_rows_by_key(
        "Pendaftar", "ID Pendaftaran", {b["id"]: dict(ticks) for b in batch}, all_or_nothing=True
    )
    sync(runtime.ledger, runtime.sheets, settings, runtime.verification())
    runtime.close()
    return people


def result_file(people: list[dict[str, Any]]) -> bytes:
    """The branch's XLSX for `people`: NIK, name, date of birth, and a KPJ each."""
    from openpyxl import Workbook

    # A normal (not write-only) workbook, as Excel writes it: the sheet opens with its dimension,
    # which openpyxl's read-only reader otherwise finds by parsing the whole sheet once more.
    wb = Workbook()
    ws = wb.active
    ws.title = "Peserta"
    ws.append(["NIK", "Nama", "Tanggal Lahir", "KPJ"])
    for i, fields in enumerate(people):
        ws.append([fields["nik"], fields["nama"], fields["tanggal_lahir"], f"25{i:09d}"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(directory: Path, *args: str) -> tuple[float, float, str]:
    return measured(directory, "bpjs", "import", *args)


def measured(directory: Path, *args: str) -> tuple[float, float, str]:
    """`prens ARGS` on the deployment in `directory`, in a fresh process: (seconds, peak MB,
    its output)."""
    config = str(directory / "balangan.toml")
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, "--config", config, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("#figures"))
    took, peak = line.split()[1:]
    return float(took), float(peak), out


STEPS = (
    ("dry run", (), "{rows:6d}  Akan diisi"),
    ("apply (with the sync)", ("--apply",), "{rows} pendaftaran berubah"),
    ("apply again (nothing to set)", ("--apply",), "{rows:6d}  Sudah terisi nomor yang sama"),
)


def one_round(prepared: Path, directory: Path, rows: int) -> list[tuple[float, float]]:
    """The three steps on a fresh copy of the prepared deployment: (seconds, peak MB) each."""
    shutil.copytree(prepared, directory)
    result = str(directory / "hasil-bpjs.xlsx")
    figures = []
    for _label, extra, expected in STEPS:
        took, peak, out = run(directory, result, *extra)
        assert expected.format(rows=rows) in out, out
        figures.append((took, peak))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="people and lines in the file")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds, each on a fresh copy (medians shown)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared"
        prepared.mkdir()
        start = time.perf_counter()
        prepare(prepared, args.rows)
        print(
            f"# prepared {args.rows} registrations in BERKAS LENGKAP and the result file in "
            f"{time.perf_counter() - start:.1f} s ({platform.machine()}, {os.cpu_count()} cpu, "
            f"Python {platform.python_version()})"
        )
        rounds = []
        for r in range(1, args.rounds + 1):
            figures = one_round(prepared, Path(tmp) / f"round-{r}", args.rows)
            rounds.append(figures)
            shown = ", ".join(
                f"{label} {took:.1f} s / {peak:.0f} MB"
                for (label, _e, _x), (took, peak) in zip(STEPS, figures, strict=True)
            )
            print(f"round {r}: {shown}", flush=True)
    for i, (label, _extra, _expected) in enumerate(STEPS):
        times = [figures[i][0] for figures in rounds]
        peak = max(figures[i][1] for figures in rounds)
        print(
            f"{label}: median {statistics.median(times):.1f} s "
            f"(rounds {' / '.join(f'{t:.1f}' for t in times)}), peak memory {peak:.0f} MB"
        )
    print(f"rerun: python bench/bpjs_import.py --rows {args.rows} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
