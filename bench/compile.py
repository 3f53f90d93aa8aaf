"""Compile benchmark: N registrations in final states -> the final list (local backend) and XLSX.

    python bench/compile.py [--rows 100000]

A first process fills a fresh ledger (bulk SQL inserts of invented people); a second, fresh
process compiles and writes the XLSX, and reports its wall time and peak memory (max RSS), so the
figures are those of the compile alone. Target: under 30 s and 500 MB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prens.config import Settings, load_settings  # noqa: E402
from prens.demo import person  # noqa: E402
from prens.rules.lifecycle import BERKAS_LENGKAP, MENUNGGU, TERDAFTAR, TERVERIFIKASI  # noqa: E402


def config_in(directory: Path) -> Path:
    text = (ROOT / "config" / "balangan.toml").read_text(encoding="utf-8")
    path = directory / "balangan.toml"
    path.write_text(text.replace('data_dir = "../data"', 'data_dir = "data"'), encoding="utf-8")
    return path


def prepare(directory: Path, count: int) -> None:
    seed(load_settings(config_in(directory)), count)


def seed(settings: Settings, count: int) -> None:
    """`count` registrations written straight into the ledger of `settings`, as if flushed and
    verified: a quarter in each state from MENUNGGU VERIFIKASI to TERDAFTAR."""
    from prens.runtime import open_runtime
    from prens.store.schema import verifications

    runtime = open_runtime(settings)
    from prens.store.schema import registrations

    rng = random.Random(1)
    today = datetime.now(settings.timezone).date()
    now = datetime.now(UTC).replace(tzinfo=None)
    states = [MENUNGGU, TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR]
    number = next(v.header for v in settings.verifier_columns if v.role == "membership_number")
    batch, cells = [], []
    for i in range(count):
        fields = person(settings, rng, today).fields
        state = states[i % 4] if i % 10 else TERVERIFIKASI
        reg_id = f"BLG-{i:06d}"
        fields["telepon"] = "+62" + str(fields["telepon"])[1:]
        batch.append(
            {
                "id": reg_id,
                "response_key": f"bench-{i}",
                "submitted_at": now,
                "received_at": now,
                "status": "accepted",
                "nik": fields["nik"],
                "active_nik": f"{i:016d}",
                "phone": fields["telepon"],
                "person": json.dumps(fields, ensure_ascii=False),
                "answers": "{}",
                "problems": "[]",
                "state": state,
                "sheet_target": "pendaftar",
                "flushed_at": now,
            }
        )
        if state == TERDAFTAR:
            cells.append(
                {
                    "registration_id": reg_id,
                    "cells": json.dumps({number: f"250{i:08d}"}),
                    "notes": "",
                    "seen_at": now,
                }
            )
        if len(batch) == 5000:
            with runtime.engine.begin() as conn:
                conn.execute(registrations.insert(), batch)
                if cells:
                    conn.execute(verifications.insert(), cells)
            batch, cells = [], []
    with runtime.engine.begin() as conn:
        if batch:
            conn.execute(registrations.insert(), batch)
        if cells:
            conn.execute(verifications.insert(), cells)
    runtime.close()


def measure(directory: Path) -> None:
    from jobs.compile import compile_final
    from prens.reports import final
    from prens.reports.exports import write_xlsx
    from prens.runtime import open_runtime

    settings = load_settings(directory / "balangan.toml")
    runtime = open_runtime(settings)
    start = time.perf_counter()
    report = compile_final(runtime.ledger, runtime.sheets, settings, runtime.verification())
    compiled = time.perf_counter() - start
    table = report.table
    summary = final.summary(table[1:], settings, settings.contribution_months, 0)
    with (directory / "daftar-final.xlsx").open("wb") as fh:
        write_xlsx(fh, table, final.text_columns(settings), summary)
    total = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = (directory / "daftar-final.xlsx").stat().st_size / 1e6
    print(
        json.dumps(
            {
                "rows": report.rows,
                "compile_s": compiled,
                "total_s": total,
                "peak_mb": peak_mb,
                "xlsx_mb": size_mb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000, help="registrations in the ledger")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure))
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        prepare(directory, args.rows)
        print(
            f"# prepared {args.rows} registrations in {time.perf_counter() - start:.1f} s "
            f"({platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()})"
        )
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(directory)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
    print(
        f"compile: {figures['rows']} rows into Daftar Final in {figures['compile_s']:.1f} s; "
        f"with the XLSX ({figures['xlsx_mb']:.1f} MB) {figures['total_s']:.1f} s in all; "
        f"peak memory {figures['peak_mb']:.0f} MB"
    )
    print(f"rerun: python bench/compile.py --rows {args.rows}")


if __name__ == "__main__":
    main()
