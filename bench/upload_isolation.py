"""What reading an uploaded file in a child process costs: the 20,000-row BPJS result file
taken in as the page takes it in (read, its lines found, kept, and the preview planned against
the sheet), with the file read in a child process with hard limits (as the service does) and
read in this process (the baseline, never used for a file from outside), alternating in one
run; then the same upload end to end through the real `prens serve` page.

    python bench/upload_isolation.py [--rows 20000] [--rounds 5]

Target: the isolation costs under 20% of the import (median of the rounds, same run).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bpjs_import import result_file, seed  # noqa: E402
from bench.compile import config_in  # noqa: E402
from prens.config import Settings, load_settings  # noqa: E402
from prens.intake.bpjs_files import import_lines  # noqa: E402
from prens.intake.sandbox import read_in_process, read_tables  # noqa: E402


def take_in(settings: Settings, data: bytes, read) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(seconds to read the file, seconds for the whole import: read, kept, preview planned)."""
    from prens.runtime import open_runtime
    from prens.store.uploads import Uploads
    from sheets_bridge.membership import import_plan

    runtime = open_runtime(settings)
    try:
        start = time.perf_counter()
        lines = import_lines(data, settings, read)
        read_s = time.perf_counter() - start
        Uploads(runtime.engine).save(
            "import",
            "hasil.xlsx",
            "bench",
            {},
            [line.as_dict() for line in lines],
            datetime.now(UTC),
        )
        outcomes = import_plan(runtime.ledger, runtime.sheets, settings, lines)
        assert len(outcomes) == len(lines)
        return read_s, time.perf_counter() - start
    finally:
        runtime.close()


def through_the_page(config: Path, data: bytes) -> float:
    """Seconds for the upload and its preview page, through the real `prens serve`."""
    import requests

    from prens.runtime import open_runtime
    from prens.store.officers import Officers
    from tests.serving import Served

    runtime = open_runtime(load_settings(config))
    try:
        token = Officers(runtime.engine).add(f"Bench {time.time_ns()}")
        name = Officers(runtime.engine).who(token)
    finally:
        runtime.close()
    with Served(config, "bench-secret") as served:
        s = requests.Session()
        s.trust_env = False
        page = s.get(served.url + "/dinas/masuk").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        s.post(served.url + "/dinas/masuk", data={"nama": name, "token": token, "csrf_token": csrf})
        page = s.get(served.url + "/dinas/bpjs/").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        start = time.perf_counter()
        reply = s.post(
            served.url + "/dinas/bpjs/impor",
            data={"csrf_token": csrf},
            files={"berkas": ("hasil-bpjs.xlsx", data)},
            timeout=300,
        )
        took = time.perf_counter() - start
        assert reply.status_code == 200 and "Pratinjau" in reply.text, reply.status_code
        return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="people and lines in the file")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (medians shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        config = config_in(directory)
        settings = load_settings(config)
        start = time.perf_counter()
        data = result_file(seed(settings, args.rows))
        print(
            f"# prepared {args.rows} registrations and a {len(data) / 1e6:.1f} MB result file in "
            f"{time.perf_counter() - start:.1f} s ({platform.machine()}, {os.cpu_count()} cpu, "
            f"Python {platform.python_version()})"
        )
        child: list[tuple[float, float]] = []
        here: list[tuple[float, float]] = []
        for r in range(1, args.rounds + 1):
            here.append(take_in(settings, data, read_in_process))
            child.append(take_in(settings, data, read_tables))
            print(
                f"round {r}: in-process read {here[-1][0]:.2f} s, import {here[-1][1]:.2f} s; "
                f"child read {child[-1][0]:.2f} s, import {child[-1][1]:.2f} s",
                flush=True,
            )
        page = [through_the_page(config, data) for _ in range(args.rounds)]
    read_here = statistics.median(t for t, _ in here)
    read_child = statistics.median(t for t, _ in child)
    import_here = statistics.median(t for _, t in here)
    import_child = statistics.median(t for _, t in child)
    print(f"read the file: in-process {read_here:.2f} s, in a child {read_child:.2f} s (median)")
    print(
        f"the import (read, kept, preview planned): in-process {import_here:.2f} s, with the "
        f"child {import_child:.2f} s: the isolation costs {import_child / import_here - 1:+.0%} "
        "(target under +20%)"
    )
    print(
        f"through the page (upload and preview, real prens serve): median "
        f"{statistics.median(page):.2f} s (rounds {' / '.join(f'{t:.2f}' for t in page)})"
    )
    print(f"rerun: python bench/upload_isolation.py --rows {args.rows} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
