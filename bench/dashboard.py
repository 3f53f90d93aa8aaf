"""Dashboard benchmark: /dinas/dashboard over N registrations, rendered whole (queries, SVG
charts, template), through the real app.

    python bench/dashboard.py [--rows 100000] [--runs 7]

A fresh ledger is filled with bulk SQL inserts of invented people: 80% accepted (spread over the
lifecycle, with their state entries and messages), 15% needing correction (with problem codes),
5% duplicates, submitted over 60 days. Then the page is requested `--runs` times with an
officer's token; the baseline, measured in the same run, is /healthz (the app's cost per request).
Target: under 1 s at 100,000 registrations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compile import config_in  # noqa: E402
from prens.config import load_settings  # noqa: E402
from prens.demo import person  # noqa: E402
from prens.rules.lifecycle import BERKAS_LENGKAP, DITOLAK, MENUNGGU, TERDAFTAR, TERVERIFIKASI  # noqa: E402

CODES = [
    ("telepon", "phone_format"),
    ("nik", "nik_date"),
    ("kk", "kk_equals_nik"),
    ("desa", "desa_unknown"),
]
STATES = [MENUNGGU, MENUNGGU, TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR, DITOLAK]
FIRSTS = {
    TERVERIFIKASI: [TERVERIFIKASI],
    BERKAS_LENGKAP: [TERVERIFIKASI, BERKAS_LENGKAP],
    TERDAFTAR: [TERVERIFIKASI, BERKAS_LENGKAP, TERDAFTAR],
}


def prepare(directory: Path, count: int):  # type: ignore[no-untyped-def]
    from prens.runtime import open_runtime
    from prens.store.schema import notifications, registrations, state_entries

    settings = load_settings(config_in(directory))
    runtime = open_runtime(settings)
    rng = random.Random(1)
    today = datetime.now(settings.timezone).date()
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=60)
    regs, entries, messages = [], [], []

    def flush() -> None:
        with runtime.engine.begin() as conn:
            for table, rows in (
                (registrations, regs),
                (state_entries, entries),
                (notifications, messages),
            ):
                if rows:
                    conn.execute(table.insert(), rows)
                    rows.clear()

    for i in range(count):
        fields = person(settings, rng, today).fields
        at = start + timedelta(seconds=rng.randrange(60 * 86400))
        kind = i % 20
        status = "needs_correction" if kind < 3 else "duplicate" if kind == 3 else "accepted"
        state = STATES[i % len(STATES)] if status == "accepted" else None
        problems = []
        if status == "needs_correction":
            field, code = CODES[i % len(CODES)]
            problems = [{"field": field, "code": code, "severity": "error", "message": "-"}]
        reg_id = f"BLG-{i:06d}"
        regs.append(
            {
                "id": reg_id,
                "response_key": f"bench-{i}",
                "submitted_at": at,
                "received_at": at,
                "status": status,
                "nik": fields["nik"],
                "active_nik": f"{i:016d}" if status == "accepted" else None,
                "phone": "+62" + str(fields["telepon"])[1:],
                "person": json.dumps(fields, ensure_ascii=False),
                "answers": "{}",
                "problems": json.dumps(problems),
                "state": state,
                "sheet_target": "pendaftar" if status == "accepted" else None,
                "flushed_at": at,
                "desa_code": desa_code(settings, fields),
            }
        )
        for s in FIRSTS.get(state or "", []):
            entries.append({"registration_id": reg_id, "state": s, "entered_at": at})
        if state in (TERVERIFIKASI, TERDAFTAR):
            messages.append(
                {
                    "registration_id": reg_id,
                    "event": state,
                    "status": "sent" if i % 50 else "failed",
                    "attempts": 1,
                    "created_at": at,
                    "updated_at": at,
                    "next_attempt_at": at,
                }
            )
        if len(regs) == 5000:
            flush()
    flush()
    return runtime


def median_seconds(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def desa_code(settings, fields: dict) -> str | None:  # type: ignore[no-untyped-def,type-arg]
    """The desa code intake would store for these answers."""
    kecamatan = settings.region.find_kecamatan(fields["kecamatan"])
    desa = settings.region.find_desa(kecamatan, fields["desa"]) if kecamatan else None
    return desa.code if desa else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100000, help="registrations in the ledger")
    parser.add_argument("--runs", type=int, default=7, help="requests measured")
    args = parser.parse_args()
    from prens.store.officers import Officers
    from webhooks.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        runtime = prepare(Path(tmp), args.rows)
        print(
            f"# prepared {args.rows} registrations in {time.perf_counter() - t:.1f} s "
            f"({platform.machine()}, {os.cpu_count()} cpu, Python {platform.python_version()})"
        )
        token = Officers(runtime.engine).add("Bench")
        client = create_app(runtime, b"bench-secret").test_client()
        auth = {"Authorization": f"Bearer {token}"}

        def page() -> None:
            reply = client.get("/dinas/dashboard", headers=auth)
            assert reply.status_code == 200 and b"<svg" in reply.data, reply.status_code

        size = len(client.get("/dinas/dashboard", headers=auth).data)  # and warms the caches
        base, _ = median_seconds(lambda: client.get("/healthz"), args.runs)
        median, worst = median_seconds(page, args.runs)
        runtime.close()
    print(
        f"dashboard over {args.rows} registrations: median {median * 1000:.0f} ms, "
        f"slowest {worst * 1000:.0f} ms of {args.runs}; page {size / 1000:.1f} kB; "
        f"baseline /healthz median {base * 1000:.2f} ms (ratio {median / base:.0f}x)"
    )
    print(f"rerun: python bench/dashboard.py --rows {args.rows} --runs {args.runs}")


if __name__ == "__main__":
    main()
