"""Budget periods benchmark: the rollover job and the evaluation report on N registrations across
two periods (local backend).

    python bench/periods.py [--rows 100000]

A first process fills a fresh ledger: N registrations (bulk SQL inserts), a tenth needing
correction, the rest verified in the previous period ("2025", from the state changes in the audit
log and the states entered), half of them with documents and a membership number, some
rejected and some ended; all written to "Pendaftar" by the flush, with their ticks. The current
period ("2026", containing today) has a quota of 80% of the members. Then, each in a fresh
process, `prens jobs run rollover` (a sync of every row, then the members past the quota to the
waiting list) and `prens report evaluasi --period 2026`, with wall time and peak memory.
Target: each under 30 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bpjs_import import measured as run  # noqa: E402
from prens.config import load_settings  # noqa: E402
from prens.demo import person  # noqa: E402


def config_in(directory: Path, members: int, today: date) -> Path:
    text = (ROOT / "config" / "balangan.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = "../data"', 'data_dir = "data"')
    text += f"""
[[periods]]
name = "2025"
start = {today.year - 1}-01-01
end = {today.year - 1}-12-31
quota = 0

[[periods]]
name = "2026"
start = {today.year}-01-01
end = {today.year}-12-31
quota = {int(members * 0.8)}
budget = {int(members * 0.8) * 12 * 16800}
"""
    path = directory / "balangan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def prepare(directory: Path, count: int) -> None:
    from jobs.flush import flush
    from prens.runtime import open_runtime
    from prens.store.schema import audit_log, registrations, state_entries, verifications

    today = datetime.now(UTC).date()
    members = int(count * 0.9 * 0.9)
    settings = load_settings(config_in(directory, members, today))
    runtime = open_runtime(settings)
    rng = random.Random(1)
    last_year = datetime(today.year - 1, 3, 1)
    regs, entries, audit, cells = [], [], [], []
    for i in range(count):
        fields = person(settings, rng, today).fields
        fields["nik"] = f"6311{i:012d}"
        fields["telepon"] = "+62" + str(fields["telepon"])[1:]
        status = "needs_correction" if i % 10 == 0 else "accepted"
        state = None
        at = last_year + timedelta(minutes=i)
        if status == "accepted":
            state = ["TERVERIFIKASI", "BERKAS LENGKAP", "TERDAFTAR"][i % 3]
            state = "DITOLAK" if i % 19 == 0 else "BERHENTI" if i % 23 == 0 else state
            entries.append({"registration_id": f"BLG-{i:06d}", "state": state, "entered_at": at})
            if state not in ("DITOLAK", "TERVERIFIKASI"):
                entries.append(
                    {"registration_id": f"BLG-{i:06d}", "state": "TERVERIFIKASI", "entered_at": at}
                )
            audit.append(
                {
                    "registration_id": f"BLG-{i:06d}",
                    "at": at,
                    "kind": "state",
                    "actor": "sync",
                    "detail": json.dumps({"from": "MENUNGGU VERIFIKASI", "to": state}),
                }
            )
            tick = {"Verifikasi Dinas": True, "Verifikasi BPJS": True}
            tick["Berkas Diterima"] = state in ("BERKAS LENGKAP", "TERDAFTAR")
            if state == "TERDAFTAR":
                tick["Nomor Kepesertaan BPJS"] = f"25{i:09d}"
            if state == "DITOLAK":
                tick["Alasan Penolakan"] = "Bukan pekerja informal"
            if state == "BERHENTI":
                tick["Alasan Berhenti"] = "pindah domisili"
            cells.append(
                {
                    "registration_id": f"BLG-{i:06d}",
                    "cells": json.dumps(tick),
                    "notes": "",
                    "seen_at": at,
                }
            )
        regs.append(
            {
                "id": f"BLG-{i:06d}",
                "response_key": f"bench-{i}",
                "submitted_at": at,
                "received_at": at,
                "status": status,
                "nik": fields["nik"],
                "active_nik": fields["nik"] if status == "accepted" else None,
                "phone": fields["telepon"],
                "person": json.dumps(fields, ensure_ascii=False),
                "answers": "{}",
                "problems": json.dumps(
                    [{"field": "nik", "code": "nik_format", "severity": "error", "message": "x"}]
                    if status != "accepted"
                    else []
                ),
                "state": state,
                "sheet_target": "pendaftar" if status == "accepted" else "perlu_perbaikan",
            }
        )
    with runtime.engine.begin() as conn:
        for table, rows in (
            (registrations, regs),
            (state_entries, entries),
            (audit_log, audit),
            (verifications, cells),
        ):
            for start in range(0, len(rows), 5000):
                conn.execute(table.insert(), rows[start : start + 5000])
    while sum(flush(runtime.ledger, runtime.sheets, settings).written.values()):
        pass
    # The verifiers' ticks, as the sheet holds them (the sync would otherwise move rows back).
    runtime.sheets.update_rows_by_key(
        "Pendaftar",
        "ID Pendaftaran",
        {c["registration_id"]: json.loads(c["cells"]) for c in cells},
        all_or_nothing=True,
    )
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000, help="registrations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        prepare(directory, args.rows)
        print(
            f"# prepared {args.rows} registrations across two periods in "
            f"{time.perf_counter() - start:.1f} s ({platform.machine()}, {os.cpu_count()} cpu, "
            f"Python {platform.python_version()})"
        )
        took, peak, out = run(directory, "jobs", "run", "rollover")
        print(f"rollover: {took:.1f} s, peak {peak:.0f} MB: {out.splitlines()[-2][:160]}")
        took, peak, out = run(
            directory, "report", "evaluasi", "--period", "2026", "-o", str(directory / "e.xlsx")
        )
        print(f"evaluation report: {took:.1f} s, peak {peak:.0f} MB")
        took, peak, out = run(
            directory, "export", "final", "--period", "2026", "-o", str(directory / "f.xlsx")
        )
        print(f"decree list with Perubahan: {took:.1f} s, peak {peak:.0f} MB")
    print(f"rerun: python bench/periods.py --rows {args.rows}")


if __name__ == "__main__":
    main()
