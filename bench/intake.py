"""Intake benchmark: N signed submissions over loopback with C concurrent connections, against
`prens serve` and against the floor of this stack (bench/floor_app.py) in the same run.

    python bench/intake.py [--c 16] [--rounds 3] [--seconds 10] [--processes 2] [--threads 16]
                           [--client wrk|python] [--database-url postgresql+psycopg://...]

Prints throughput and p50/p99 latency per round, then the medians and the ratio to the floor.
Each round alternates the two targets, on fresh data directories. The load comes from wrk
(Debian package `wrk`; bench/signed.lua sends unique pre-signed requests for --seconds) when
installed, otherwise from Python threads sending --n requests, which share the cores with the
server and inflate latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import queue
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prens.config import load_settings  # noqa: E402
from prens.demo import mixed_batch  # noqa: E402
from prens.intake.signing import sign  # noqa: E402

SECRET = b"bench-secret"
THREADS = 8  # waitress threads, the same for both targets (--threads)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not become healthy")


def fresh_database(url: str) -> tuple[str, str]:
    """For a PostgreSQL `url`: a new schema there, and the URL whose connections use it."""
    if not url:
        return "", ""
    from sqlalchemy import create_engine, text

    schema = f"bench_{random.getrandbits(40):010x}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    joiner = "&" if "?" in url else "?"
    return schema, f"{url}{joiner}options=-csearch_path%3D{schema}"


def drop_database(url: str, schema: str) -> None:
    if schema:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def start_prens(
    workdir: Path,
    flush_seconds: int,
    threads: int,
    processes: int = 1,
    database_url: str = "",
    root: Path = ROOT,
) -> tuple[list[subprocess.Popen[bytes]], int, Path]:
    """`prens serve` with `processes` web processes, on a fresh data directory; the code is the
    checkout at `root` (bench/compare.py serves other revisions)."""
    text = (root / "config" / "balangan.toml").read_text(encoding="utf-8")
    config = workdir / "balangan.toml"
    text = text.replace('data_dir = "../data"', 'data_dir = "data"')
    if database_url:
        text = text.replace(
            '# url = "postgresql+psycopg://user@host/prens"   # or PRENS_DATABASE_URL',
            f'url = "{database_url}"',
        )
    text = text.replace("flush_seconds = 5", f"flush_seconds = {flush_seconds}")
    text = text.replace(
        'sqlite_synchronous = "FULL"',
        f'sqlite_synchronous = "{os.environ.get("PRENS_BENCH_SYNC", "FULL")}"',
    )
    config.write_text(text, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PRENS_WEBHOOK_SECRET": SECRET.decode(), "PRENS_CONFIG": str(config)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prens",
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--processes",
            str(processes),
        ],
        cwd=root,  # `python -m prens` imports the package from the working directory
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_healthy(port, proc)
    return [proc], port, config


def start_floor(workdir: Path, threads: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "floor_app.py"),
            str(port),
            str(workdir / "floor.db"),
            str(threads),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_healthy(port, proc)
    return proc, port


def load(port: int, bodies: list[bytes], concurrency: int) -> dict[str, float]:
    """Send every body once over `concurrency` keep-alive connections; return the figures."""
    work: queue.Queue[bytes] = queue.Queue()
    for b in bodies:
        work.put(b)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            try:
                raw = work.get_nowait()
            except queue.Empty:
                break
            stamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "X-Prens-Timestamp": str(stamp),
                "X-Prens-Signature": sign(SECRET, stamp, raw),
            }
            start = time.perf_counter()
            conn.request("POST", "/webhooks/google-form", body=raw, headers=headers)
            reply = conn.getresponse()
            reply.read()
            mine.append(time.perf_counter() - start)
            if reply.status != 200:
                failures[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures[0],
    }


def load_wrk(
    port: int, bodies: list[bytes], concurrency: int, workdir: Path, seconds: int
) -> dict[str, float]:
    """Send unique bodies with wrk (2 threads) for `seconds`; return the figures wrk reports."""
    threads = min(2, concurrency)  # wrk needs a connection per thread at least
    stamp = int(time.time())
    lines = workdir / "requests.tsv"
    with lines.open("wb") as fh:
        for raw in bodies:
            fh.write(f"{stamp}\t{sign(SECRET, stamp, raw)}\t".encode() + raw + b"\n")
    env = {**os.environ, "PRENS_BENCH_REQUESTS": str(lines), "PRENS_BENCH_THREADS": str(threads)}
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "signed.lua"),
            f"http://127.0.0.1:{port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    if "pool exhausted" in out.stderr:
        raise SystemExit("the request pool ran out: rerun with a larger --pool")
    out = out.stdout  # type: ignore[assignment]

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": millis("50"),
        "p99": millis("99"),
        "failures": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=2000, help="submissions per round and target (python client)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="run length (wrk client)")
    parser.add_argument(
        "--pool", type=int, default=30000, help="unique pre-signed requests per run (wrk client)"
    )
    parser.add_argument("--c", type=int, default=16, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument(
        "--threads", type=int, default=THREADS, help="waitress threads for both targets"
    )
    parser.add_argument(
        "--flush-seconds",
        type=int,
        default=5,
        help="the scheduler's flush interval in prens (as configured: 5)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="web processes of prens serve (--processes); the floor always runs one",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL URL for prens (a fresh schema per round); default: SQLite",
    )
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator (default: wrk when installed)",
    )
    args = parser.parse_args()

    settings = load_settings(ROOT / "config" / "balangan.toml")
    today = datetime.now(settings.timezone).date()
    results: dict[str, list[dict[str, float]]] = {"prens": [], "floor": []}
    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpu, "
        f"Python {platform.python_version()}, c={args.c} rounds={args.rounds} client={args.client} "
        f"prens=serve --processes {args.processes} "
        f"db={'postgresql' if args.database_url else 'sqlite'} "
        + (f"seconds={args.seconds}" if args.client == "wrk" else f"n={args.n}")
    )
    for r in range(args.rounds):
        count = args.pool if args.client == "wrk" else args.n
        bodies = [
            json.dumps(b, ensure_ascii=False).encode()
            for b in mixed_batch(settings, random.Random(r), today, count)
        ]
        order = ["prens", "floor"] if r % 2 == 0 else ["floor", "prens"]
        for target in order:
            workdir = Path(tempfile.mkdtemp(prefix=f"bench-{target}-"))
            schema = ""
            if target == "prens":
                schema, url = fresh_database(args.database_url)
                procs, port, _ = start_prens(
                    workdir, args.flush_seconds, args.threads, args.processes, url
                )
            else:
                floor, port = start_floor(workdir, args.threads)
                procs = [floor]
            try:
                load(port, bodies[:50], min(args.c, 4))  # warm-up, not counted
                fresh = [
                    json.dumps({**json.loads(b), "responseId": f"r{r}-{i}"}).encode()
                    for i, b in enumerate(bodies)
                ]
                figures = (
                    load_wrk(port, fresh, args.c, workdir, args.seconds)
                    if args.client == "wrk"
                    else load(port, fresh, args.c)
                )
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=30)
                shutil.rmtree(workdir, ignore_errors=True)
                drop_database(args.database_url, schema)
            results[target].append(figures)
            print(
                f"round {r + 1} {target:5}: {figures['rps']:7.1f} req/s  "
                f"p50 {figures['p50']:6.1f} ms"
                f"  p99 {figures['p99']:6.1f} ms  failures {figures['failures']:.0f}"
            )
    med = {
        t: {k: statistics.median(f[k] for f in rs) for k in ("rps", "p50", "p99")}
        for t, rs in results.items()
    }
    print()
    for t in ("prens", "floor"):
        print(
            f"median {t:5}: {med[t]['rps']:7.1f} req/s  p50 {med[t]['p50']:6.1f} ms  "
            f"p99 {med[t]['p99']:6.1f} ms"
        )
    print(f"prens / floor throughput: {med['prens']['rps'] / med['floor']['rps']:.2f}")
    paired = [p["rps"] / f["rps"] for p, f in zip(results["prens"], results["floor"], strict=True)]
    print(f"median of the rounds' own ratios: {statistics.median(paired):.2f}")
    size = f"--seconds {args.seconds}" if args.client == "wrk" else f"--n {args.n}"
    print(
        f"rerun: python bench/intake.py --c {args.c} --rounds {args.rounds} --threads "
        f"{args.threads} --client {args.client} {size}"
        + (f" --processes {args.processes}" if args.processes > 1 else "")
        + (" --database-url URL" if args.database_url else "")
    )


if __name__ == "__main__":
    main()
