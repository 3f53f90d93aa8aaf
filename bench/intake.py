"""Intake benchmark: signed submissions over loopback, against the service and against the floor
of this stack (bench/floor_app.py: bare Flask + SQLite on waitress) in the same run.

    python bench/intake.py [--rate 5 --rate 50 --rate 0] [--rounds 3] [--paced-seconds 30]
                           [--seconds 10] [--c 16] [--threads 8] [--client wrk|python]
                           [--server serve|gunicorn] [--workers 2]
                           [--database-url postgresql+psycopg://...]

Each --rate R > 0 is a paced run: R requests a second for --paced-seconds, each on a new
connection, as the Apps Script sends them; a request's latency counts from the moment it was due
(a slow answer delays nothing else, and is not hidden). --rate 0 is flat out: --c connections
sending as fast as answers come, for --seconds, with wrk (Debian package `wrk`, bench/signed.lua)
when installed, otherwise with Python threads (which share the cores and inflate latency).

The service is `prens serve` (waitress and the scheduler, SQLite by default), or with --server
gunicorn, gunicorn's threaded workers on webhooks.wsgi:app beside `prens worker` (give
--database-url: several processes on one SQLite file is not a supported setup). Each round
alternates the targets on fresh data directories (a fresh PostgreSQL schema). Prints each
round's figures, the medians, the ratios to the floor, and the command that reruns it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
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


def write_config(workdir: Path, flush_seconds: int, database_url: str, root: Path) -> Path:
    """The Balangan example configuration on a fresh data directory (and database)."""
    text = (root / "config" / "balangan.toml").read_text(encoding="utf-8")
    config = workdir / "balangan.toml"
    text = text.replace('data_dir = "../data"', 'data_dir = "data"')
    if database_url:
        text = text.replace(
            '# url = "postgresql+psycopg://user@host/prens"   # or PRENS_DATABASE_URL',
            f'url = "{database_url}"',
        )
    text = text.replace("flush_seconds = 5", f"flush_seconds = {flush_seconds}")
    config.write_text(text, encoding="utf-8")
    return config


def start_prens(
    workdir: Path,
    flush_seconds: int,
    threads: int,
    database_url: str = "",
    root: Path = ROOT,
    server: str = "serve",
    workers: int = 2,
) -> tuple[list[subprocess.Popen[bytes]], int, Path]:
    """The service on a fresh data directory: `prens serve`, or gunicorn's threaded workers and
    `prens worker`. The code is the checkout at `root` (bench/compare.py serves other
    revisions)."""
    config = write_config(workdir, flush_seconds, database_url, root)
    port = free_port()
    env = {**os.environ, "PRENS_WEBHOOK_SECRET": SECRET.decode(), "PRENS_CONFIG": str(config)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": root}
    prens = [sys.executable, "-m", "prens", "--config", str(config)]
    if server == "serve":
        cmd = [*prens, "serve", "--port", str(port), "--threads", str(threads)]
        procs = [subprocess.Popen(cmd, **quiet)]  # type: ignore[call-overload]
    else:
        subprocess.run([*prens, "db", "upgrade"], check=True, **quiet)  # type: ignore[call-overload]
        gunicorn = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread"]
        gunicorn += ["--workers", str(workers), "--threads", str(threads)]
        gunicorn += ["--bind", f"127.0.0.1:{port}", "webhooks.wsgi:app"]
        procs = [
            subprocess.Popen(gunicorn, **quiet),  # type: ignore[call-overload]
            subprocess.Popen([*prens, "worker"], **quiet),  # type: ignore[call-overload]
        ]
    wait_healthy(port, procs[0])
    return procs, port, config


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


def summarise(latencies: list[float], elapsed: float, failures: int) -> dict[str, float]:
    """Throughput, and the median and 99th percentile latency in ms, of one run."""
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": failures,
    }


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
    return summarise(latencies, elapsed, failures[0])


def load_paced(port: int, bodies: list[bytes], rate: float, seconds: int) -> dict[str, float]:
    """Send `rate` requests a second for `seconds`, each on a new connection at the moment it is
    due; a latency counts from that moment (no coordinated omission)."""
    count = max(1, int(rate * seconds))
    if count > len(bodies):
        raise SystemExit("not enough pre-made requests: enlarge --pool")
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def send(raw: bytes, due: float) -> None:
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "X-Prens-Timestamp": str(stamp),
            "X-Prens-Signature": sign(SECRET, stamp, raw),
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", "/webhooks/google-form", body=raw, headers=headers)
            reply = conn.getresponse()
            reply.read()
            ok = reply.status == 200
        except OSError:
            ok = False
        finally:
            conn.close()
        with lock:
            latencies.append(time.perf_counter() - due)
            failures[0] += not ok

    start = time.perf_counter() + 0.1
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(count):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(send, bodies[i], due)
    elapsed = time.perf_counter() - start
    return summarise(latencies, elapsed, failures[0])


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


def measure(
    port: int, bodies: list[bytes], rate: float, args: argparse.Namespace, workdir: Path
) -> dict[str, float]:
    if rate:
        return load_paced(port, bodies, rate, args.paced_seconds)
    if args.client == "wrk":
        return load_wrk(port, bodies, args.c, workdir, args.seconds)
    return load(port, bodies[: args.n], args.c)


def run_target(
    target: str, r: int, bodies: list[bytes], args: argparse.Namespace
) -> dict[float, dict[str, float]]:
    """One round of one target: a fresh server, then each rate in turn on fresh requests."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{target}-"))
    schema = ""
    if target == "prens":
        schema, url = fresh_database(args.database_url)
        procs, port, _ = start_prens(
            workdir, args.flush_seconds, args.threads, url, server=args.server, workers=args.workers
        )
    else:
        floor, port = start_floor(workdir, args.threads)
        procs = [floor]
    figures: dict[float, dict[str, float]] = {}
    try:
        load(port, bodies[:50], 4)  # warm-up, not counted
        used = 50
        for rate in args.rate:
            fresh = [
                json.dumps({**json.loads(b), "responseId": f"r{r}-{rate}-{i}"}).encode()
                for i, b in enumerate(bodies[used:])
            ]
            figures[rate] = measure(port, fresh, rate, args, workdir)
            used += int(rate * args.paced_seconds)  # each person sent once (flat out: last)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        drop_database(args.database_url, schema)
    return figures


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rate",
        type=float,
        action="append",
        help="requests a second, paced (repeatable); 0: flat out. Default: 5, 50 and 0",
    )
    parser.add_argument("--paced-seconds", type=int, default=30, help="length of a paced run")
    parser.add_argument("--seconds", type=int, default=10, help="length of a flat-out run (wrk)")
    parser.add_argument("--n", type=int, default=2000, help="requests of a flat-out run (python)")
    parser.add_argument(
        "--pool", type=int, default=30000, help="unique pre-signed requests per round"
    )
    parser.add_argument("--c", type=int, default=16, help="connections of a flat-out run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--threads", type=int, default=THREADS, help="request threads, both")
    parser.add_argument(
        "--flush-seconds", type=int, default=5, help="the scheduler's flush interval (as shipped)"
    )
    parser.add_argument(
        "--server", choices=["serve", "gunicorn"], default="serve", help="how prens is served"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL URL (a fresh schema per round)"
    )
    parser.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="flat-out load generator (default: wrk when installed)",
    )
    args = parser.parse_args()
    args.rate = args.rate or [5.0, 50.0, 0.0]
    if args.server == "gunicorn" and not args.database_url:
        parser.error("--server gunicorn runs several processes: give --database-url (PostgreSQL)")
    return args


def rate_name(rate: float) -> str:
    return f"{rate:g} req/s" if rate else "flat out"


def report(
    results: dict[str, list[dict[float, dict[str, float]]]], args: argparse.Namespace
) -> None:
    print()
    for rate in args.rate:
        med = {
            t: {
                k: statistics.median(rs[i][rate][k] for i in range(len(rs)))
                for k in ("rps", "p50", "p99")
            }
            for t, rs in results.items()
        }
        for t in ("prens", "floor"):
            print(
                f"median {rate_name(rate):>11} {t:5}: {med[t]['rps']:7.1f} req/s  "
                f"p50 {med[t]['p50']:6.1f} ms  p99 {med[t]['p99']:6.1f} ms"
            )
        if not rate:
            ratio = med["prens"]["rps"] / med["floor"]["rps"]
            paired = [
                p[rate]["rps"] / f[rate]["rps"]
                for p, f in zip(results["prens"], results["floor"], strict=True)
            ]
            own = statistics.median(paired)
            print(f"flat out, prens / floor: {ratio:.2f} (median of the rounds' ratios {own:.2f})")
    rates = " ".join(f"--rate {r:g}" for r in args.rate)
    print(
        f"rerun: python bench/intake.py {rates} --rounds {args.rounds} --paced-seconds "
        f"{args.paced_seconds} --seconds {args.seconds} --c {args.c} --threads {args.threads} "
        f"--client {args.client} --server {args.server}"
        + (f" --workers {args.workers} --database-url URL" if args.server == "gunicorn" else "")
        + (" --database-url URL" if args.database_url and args.server == "serve" else "")
    )


def main() -> None:
    args = arguments()
    settings = load_settings(ROOT / "config" / "balangan.toml")
    today = datetime.now(settings.timezone).date()
    results: dict[str, list[dict[float, dict[str, float]]]] = {"prens": [], "floor": []}
    served = (
        "serve" if args.server == "serve" else f"gunicorn gthread {args.workers}x{args.threads}"
    )
    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpu, "
        f"Python {platform.python_version()}, prens={served} "
        f"db={'postgresql' if args.database_url else 'sqlite'}, floor=flask+sqlite, "
        f"rates={[rate_name(r) for r in args.rate]}, rounds={args.rounds}, client={args.client}"
    )
    for r in range(args.rounds):
        bodies = [
            json.dumps(b, ensure_ascii=False).encode()
            for b in mixed_batch(settings, random.Random(r), today, args.pool)
        ]
        for target in ["prens", "floor"] if r % 2 == 0 else ["floor", "prens"]:
            figures = run_target(target, r, bodies, args)
            results[target].append(figures)
            for rate, f in figures.items():
                print(
                    f"round {r + 1} {rate_name(rate):>11} {target:5}: {f['rps']:7.1f} req/s  "
                    f"p50 {f['p50']:6.1f} ms  p99 {f['p99']:6.1f} ms  failures {f['failures']:.0f}",
                    flush=True,
                )
    report(results, args)


if __name__ == "__main__":
    main()
